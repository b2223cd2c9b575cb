"""The sdist carries everything its own tests need; the wheel carries the dataset."""

from __future__ import annotations

import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def _tracked(*folders: str) -> set[str]:
    try:
        out = subprocess.run(["git", "ls-files", "--", *folders], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout (an unpacked sdist, say): nothing to compare the sdist with")
    return {line for line in out.stdout.splitlines() if (ROOT / line).is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    hatchling = pytest.importorskip("hatchling.builders.sdist", reason="hatchling is in the test extra")
    from hatchling.builders.wheel import WheelBuilder

    out = tmp_path_factory.mktemp("dist")
    sdist = next(hatchling.SdistBuilder(str(ROOT)).build(directory=str(out)))
    wheel = next(WheelBuilder(str(ROOT)).build(directory=str(out)))
    return Path(sdist), Path(wheel)


def test_sdist_holds_every_file_the_tests_need(built):
    sdist, _ = built
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    needed = _tracked("src", "facts", "tests", "docs", "benchmarks") | {"README.md", "pyproject.toml", "CHANGELOG.md"}
    needed = {n for n in needed if (ROOT / n).exists()}
    assert needed - names == set()
    assert "benchmarks/generate.py" in names  # tests/test_cache.py imports it


def test_wheel_ships_the_dataset_inside_the_package(built):
    _, wheel = built
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    facts = {f"alliance_cli/facts/{p}" for p in _tracked("facts") for p in [p.removeprefix("facts/")]}
    assert facts - names == set()
    assert "alliance_cli/facts/dataset.yaml" in names
