"""Point every test at the small hand-written fixture dataset, never at the shipped one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alliance_cli.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"
ARCHIVES = FIXTURES / "archives"


@pytest.fixture(autouse=True)
def mini_facts(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ALLIANCE_FACTS", str(MINI))
    monkeypatch.delenv("ALLIANCE_DEBUG", raising=False)
    monkeypatch.setenv("ALLIANCE_NO_CACHE", "1")
    return MINI


@pytest.fixture
def run():
    """Invoke the CLI as a user would; returns typer's Result (stdout, stderr, exit_code)."""
    runner = CliRunner()

    def invoke(*args: str, **kwargs):
        return runner.invoke(app, list(args), **kwargs)

    return invoke


@pytest.fixture
def facts_copy(tmp_path: Path) -> Path:
    """A writable copy of the mini dataset, for tests that break or edit it."""
    target = tmp_path / "facts"
    shutil.copytree(MINI, target)
    return target
