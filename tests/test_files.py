"""files.outside gives what resolving each path in full gives, for every arrangement of links."""

from __future__ import annotations

import os
from pathlib import Path

from alliance_cli.files import is_inside, outside


def _resolved_inside(path: Path, folder: Path) -> bool:
    """The rule, path by path: every link followed with realpath, the result in the folder or it."""
    if "\0" in str(path):
        return False
    real, root = os.path.realpath(path), os.path.realpath(folder)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def test_outside_agrees_with_is_inside_for_links_in_and_out(tmp_path: Path):
    root = tmp_path / "facts"
    (root / "claims").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "secret.yaml").write_text("x")
    (root / "claims" / "plain.yaml").write_text("x")
    (root / "claims" / "in.yaml").symlink_to(root / "claims" / "plain.yaml")
    (root / "claims" / "out.yaml").symlink_to(tmp_path / "elsewhere" / "secret.yaml")
    (root / "claims" / "dangling-in.yaml").symlink_to(root / "nowhere.yaml")
    (root / "claims" / "dangling-out.yaml").symlink_to(tmp_path / "nowhere.yaml")
    (root / "claims" / "relative-out.yaml").symlink_to("../../elsewhere/secret.yaml")
    (root / "claims" / "loop.yaml").symlink_to("loop.yaml")
    (root / "linked").symlink_to(tmp_path / "elsewhere")  # a folder that is a link out
    (root / "inner").symlink_to(root / "claims")  # and one that stays in
    paths = [*sorted((root / "claims").iterdir()), root / "linked" / "secret.yaml", root / "inner" / "plain.yaml",
             root / "missing.yaml", root / "claims" / ".." / ".." / "elsewhere", root / "..", root / "a\0b"]
    assert outside(paths, root) == [p for p in paths if not _resolved_inside(p, root)]
    assert [p for p in paths if not is_inside(p, root)] == outside(paths, root)
    assert {p.name for p in outside(paths, root)} == {
        "out.yaml", "dangling-out.yaml", "relative-out.yaml", "secret.yaml", "elsewhere", "..", "a\0b"}


def test_outside_through_a_linked_facts_folder(tmp_path: Path):
    (tmp_path / "real" / "claims").mkdir(parents=True)
    (tmp_path / "real" / "claims" / "a.yaml").write_text("x")
    os.symlink(tmp_path / "real", tmp_path / "facts")
    paths = [tmp_path / "facts" / "claims" / "a.yaml", tmp_path / "facts" / "claims"]
    assert outside(paths, tmp_path / "facts") == []
