"""What changed between two versions of a facts directory: claims, sources and entities, field by field.

A version is a facts directory on disk or a git revision of one, read with `git ls-tree` and
`git cat-file` into a temporary folder (no checkout), then validated like any facts directory.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AllianceError, NotFoundError, Problem, UsageError
from ..model import Claim, Dataset, DatasetInfo

KINDS = ("dataset", "claim", "source", "entity")


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field's old and new value (None when absent); for a citation, `citations[SOURCE].quote`."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class Change:
    """A record added, removed or changed; `record` is the added or removed record (or the new one)."""

    what: str  # dataset, claim, source or entity
    id: str
    change: str  # added, removed or changed
    record: Any
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True, slots=True)
class Diff:
    old: str  # how each side was named on the command line
    new: str
    changes: list[Change]

    old_info: DatasetInfo | None = None
    new_info: DatasetInfo | None = None

    def of(self, what: str, change: str) -> list[Change]:
        return [c for c in self.changes if c.what == what and c.change == change]


def diff(old: Dataset, new: Dataset, old_label: str, new_label: str) -> Diff:
    changes: list[Change] = []
    # dataset.yaml is one record or none: its version and date are what a changelog entry is headed by.
    info = lambda ds: {"dataset": ds.info} if ds.info is not None else {}  # noqa: E731
    for what, before, after in (("dataset", info(old), info(new)), ("claim", old.claims_by_id, new.claims_by_id),
                                ("source", old.sources, new.sources), ("entity", old.entities, new.entities)):
        for rid, rec in after.items():
            if rid not in before:
                changes.append(Change(what, rid, "added", rec))
        for rid, rec in before.items():
            if rid not in after:
                changes.append(Change(what, rid, "removed", rec))
        for rid, rec in after.items():
            if rid in before and before[rid] != rec:
                changes.append(Change(what, rid, "changed", rec, tuple(_fields(before[rid], rec))))
    return Diff(old_label, new_label, changes, old.info, new.info)


def _fields(old: Any, new: Any) -> list[FieldChange]:
    a, b = _flat(old), _flat(new)
    out = [FieldChange(k, a.get(k), b.get(k)) for k in _union(a, b) if a.get(k) != b.get(k)]
    if isinstance(new, Claim):
        out += _citations(old, new)
    return out


def _flat(rec: Any) -> dict[str, Any]:
    """A record's fields by name, nested blocks (quantity, treaty) as `quantity.amount`; not citations."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(rec):
        value = getattr(rec, f.name)
        if f.name == "citations":
            continue
        if dataclasses.is_dataclass(value):
            out.update({f"{f.name}.{k}": v for k, v in _flat(value).items()})
        else:
            out[f.name] = value
    return out


def _union(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return list(a) + [k for k in b if k not in a]


def _citations(old: Claim, new: Claim) -> list[FieldChange]:
    """Citations matched by source (the second citation of one source as `SOURCE#2`)."""
    a, b = _by_source(old), _by_source(new)
    out = []
    for key in _union(a, b):
        before, after = a.get(key), b.get(key)
        if before is None or after is None:
            out.append(FieldChange(f"citations[{key}]", before and before.quote, after and after.quote))
            continue
        for name in ("quote", "note"):
            if getattr(before, name) != getattr(after, name):
                out.append(FieldChange(f"citations[{key}].{name}", getattr(before, name), getattr(after, name)))
    return out


def _by_source(claim: Claim) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for cit in claim.citations:
        n = sum(1 for k in out if k == cit.source or k.startswith(f"{cit.source}#")) + 1
        out[cit.source if n == 1 else f"{cit.source}#{n}"] = cit
    return out


# ---- reading a version -------------------------------------------------------------------------


def load_version(spec: str, facts_dir: Path, use_cache: bool = True) -> Dataset:
    """The dataset a command-line argument names: a facts directory, `REV` (the facts directory in use,
    at that revision of its repository) or `REV:PATH` (PATH from the top of the repository holding the
    working directory)."""
    from ..store import check

    if Path(spec).is_dir():
        from ..cache import load  # a directory is read as every command reads one: from its cache when fresh

        return load(Path(spec), use_cache=use_cache)
    rev, colon, path = spec.partition(":")
    if not rev:
        raise UsageError(f"{spec!r}: give a revision before the colon, as in HEAD~1:facts")
    if rev.startswith("-"):  # git would read it as an option
        raise UsageError(f"{spec!r} is neither a directory nor a revision: a revision does not start with '-'")
    if colon:
        repo = _toplevel(Path.cwd(), spec, "the working directory")
        prefix = path.strip("/")
    else:
        repo = _toplevel(facts_dir, spec, f"the facts directory {facts_dir}")
        prefix = _git(facts_dir, "rev-parse", "--show-prefix").strip().strip("/")
    if _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False) is None:
        raise NotFoundError(f"{spec!r} is neither a directory nor a revision of the repository at {repo}")
    with tempfile.TemporaryDirectory(prefix="alliance-diff-") as tmp:
        _export(repo, rev, prefix, Path(tmp), spec)
        try:
            dataset, problems = check(Path(tmp))
        except AllianceError as e:  # the folder's own shape (a file missing, a link out): named as well
            dataset, problems = None, list(e.problems)
        if problems:
            label = f"{rev}:{prefix}" if prefix else f"{rev}:"
            from ..store import _display

            staged = _display(Path(tmp))
            raise AllianceError(*(dataclasses.replace(p, file=p.file and p.file.replace(staged, label.rstrip("/"), 1),
                                                      message=p.message.replace(staged, label)) for p in problems))
    assert dataset is not None
    return dataset


def _toplevel(where: Path, spec: str, what: str) -> Path:
    top = _git(where, "rev-parse", "--show-toplevel", check=False) if where.is_dir() else None
    if top is None:
        raise NotFoundError(f"{spec!r} is not a directory, and {what} is not in a git repository "
                            "to read it as a revision from")
    return Path(top.strip())


def _export(repo: Path, rev: str, prefix: str, target: Path, spec: str) -> None:
    """Write the files under `prefix` at `rev` into `target`, as a checkout would: blobs as files,
    symbolic links as links (so that the same checks refuse one leading out of the facts directory),
    names as bytes (a name that is not UTF-8 is shown as it is on disk)."""
    from ..yamlfile import MAX_FILE_BYTES

    listing = _git(repo, "ls-tree", "-r", "-z", "--long", rev, "--", *([prefix + "/"] if prefix else []), raw=True)
    entries = []
    for entry in filter(None, listing.split(b"\0")):
        meta, _, name = entry.partition(b"\t")
        mode, kind, sha, size = meta.split()
        if kind == b"blob":
            entries.append((mode, sha.decode(), int(size), Path(os.fsdecode(name))))
    if not entries:
        raise NotFoundError(f"{spec!r}: the revision has no facts directory at {prefix or 'the top'} of {repo}")
    # One `git cat-file` for every blob, not one process each: 100,000 claims files are a few seconds.
    with subprocess.Popen(["git", "-C", str(repo), "cat-file", "--batch"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as batch:
        assert batch.stdin is not None and batch.stdout is not None
        for mode, sha, size, name in entries:
            dest = target / (name.relative_to(prefix) if prefix else name)
            dest.parent.mkdir(parents=True, exist_ok=True)
            if mode != b"120000" and size > MAX_FILE_BYTES:
                # Never fetched into memory: a file of the same size, holding nothing (sparse), which
                # reading refuses with its size as it would the real one.
                with open(dest, "wb") as f:
                    f.truncate(size)
                continue
            batch.stdin.write(sha.encode() + b"\n")
            batch.stdin.flush()
            header = batch.stdout.readline().split()
            if len(header) != 3:
                raise AllianceError(f"git cat-file failed on {sha}: {header[-1:] or 'no answer'}")
            data = batch.stdout.read(int(header[2]) + 1)[:-1]
            if mode == b"120000":
                try:
                    dest.symlink_to(os.fsdecode(data))
                except (OSError, ValueError) as e:  # a target with a NUL in it, or longer than a path can be
                    label = f"{rev}:{name}"
                    raise AllianceError(Problem(f"a link that cannot be made: {getattr(e, 'strerror', None) or e}",
                                                label)) from None
            else:
                dest.write_bytes(data)
        batch.stdin.close()


def _git(where: Path, *args: str, check: bool = True, raw: bool = False) -> Any:
    try:
        done = subprocess.run(["git", "-C", str(where), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise AllianceError("git is not installed: it is needed to read a revision") from None
    if done.returncode != 0:
        if not check:
            return None
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise AllianceError(f"git {args[0]} failed: {message[-1] if message else done.returncode}")
    return done.stdout if raw else done.stdout.decode("utf-8", "replace")
