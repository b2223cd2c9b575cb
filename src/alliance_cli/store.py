"""Find, load and validate a facts directory into one immutable Dataset."""

from __future__ import annotations

import functools
import gc
import math
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .errors import AllianceError, Problem, field_path, shown, suggest
from .model import (
    SLUG_RE,
    Claim,
    Dataset,
    DatasetInfo,
    Entity,
    Source,
    date_span,
    name_key,
    parse_partial_date,
)

FACTS_ENV = "ALLIANCE_FACTS"
DATASET_FILE = "dataset.yaml"  # optional: the dataset's title, version, licence and maintainers
SOURCES_FILE = "sources.yaml"
ENTITIES_FILE = "entities.yaml"
CLAIMS_DIR = "claims"


def shipped_facts_dir() -> Path:
    """The dataset inside the installed package, or the checkout's `facts/` when run from source."""
    packaged = Path(__file__).with_name("facts")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "facts"


def resolve_facts_dir(option: Path | None) -> Path:
    """--facts wins, then $ALLIANCE_FACTS, then the shipped dataset."""
    if option is not None:
        return option
    env = os.environ.get(FACTS_ENV)
    if env:
        return Path(env)
    return shipped_facts_dir()


def facts_files(facts_dir: Path) -> tuple[Path, Path, list[Path]]:
    """The three kinds of facts file, or an error naming what is missing."""
    if not facts_dir.is_dir():
        raise AllianceError(Problem("facts directory not found", _display(facts_dir)))
    from .files import is_inside

    claims_dir = facts_dir / CLAIMS_DIR
    missing = [p for p in (facts_dir / SOURCES_FILE, facts_dir / ENTITIES_FILE, claims_dir)
               if not p.exists() and is_inside(p, facts_dir)]
    if missing:
        raise AllianceError(*(Problem("missing from the facts directory", _display(p)) for p in missing))
    _inside(facts_dir, [facts_dir / SOURCES_FILE, facts_dir / ENTITIES_FILE, claims_dir])
    try:
        with os.scandir(claims_dir) as found:  # knows which entries are folders without a stat each
            entries = [(claims_dir / entry.name, _is_dir(entry)) for entry in found]
    except OSError as e:
        raise AllianceError(Problem(f"cannot read folder: {e.strerror or e}", _display(claims_dir))) from None
    # Every *.yaml or *.yml: `IRAN.YAML` counts, and a dangling link, a folder or a pipe named like a
    # claims file is reported by read_yaml (not a regular file) rather than skipped, so no file of
    # claims is ever left out silently.
    claim_files = sorted(p for p, _ in entries if p.suffix.lower() in (".yaml", ".yml"))
    _inside(facts_dir, claim_files)
    nested = sorted(p for p, folder in entries
                    if folder and p.suffix.lower() not in (".yaml", ".yml") and _holds_yaml(p))
    if nested:
        # Claims files are read from claims/ itself; one in a subfolder would be left out without a word.
        raise AllianceError(*(Problem("claims files in a subfolder are not read: move them into "
                                      f"{_display(claims_dir)}", _display(p)) for p in nested))
    return facts_dir / SOURCES_FILE, facts_dir / ENTITIES_FILE, claim_files


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()  # following a link, as Path.is_dir does
    except OSError:
        return False


def _holds_yaml(folder: Path) -> bool:
    """True when a *.yaml or *.yml lies anywhere below `folder` (links to folders not followed).

    A loop with its own stack, not rglob or os.walk, which recurse: a tree thousands of folders
    deep would otherwise end in a RecursionError. It gives up after 100,000 names, so that a link
    to `/` in claims/ costs a moment, not a walk through the whole disk.
    """
    stack, budget = [folder], 100_000
    while stack and budget > 0:
        try:
            with os.scandir(stack.pop()) as it:
                for entry in it:
                    budget -= 1
                    if os.path.splitext(entry.name)[1].lower() in (".yaml", ".yml"):
                        return True
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(Path(entry.path))
        except OSError:
            continue  # a folder that cannot be listed holds nothing that would be read
    return False


def _inside(facts_dir: Path, paths: list[Path]) -> None:
    """Refuse a facts file that is a link (or lies in a linked folder) leading out of the facts directory.

    Links inside it are followed: they cannot show anything the directory does not already hold. A
    link out could make an error message quote a file from elsewhere (CI validating an untrusted
    change would print it), so such a file is not read at all.
    """
    from .files import outside

    leaving = outside(paths, facts_dir)
    if leaving:
        raise AllianceError(*(Problem("a link that leads out of the facts directory; only files inside it are read",
                                      _display(p)) for p in leaving))


def dataset_file(facts_dir: Path) -> Path | None:
    """`dataset.yaml` when the facts directory has one (a dangling link counts: reading it will say so)."""
    path = facts_dir / DATASET_FILE
    if not (path.exists() or path.is_symlink()):
        return None
    _inside(facts_dir, [path])
    return path


def load(facts_dir: Path) -> Dataset:
    """Load and validate; raise one AllianceError listing every problem found."""
    dataset, problems = check(facts_dir)
    if problems:
        raise AllianceError(*problems)
    assert dataset is not None
    return dataset


def collector_paused(fn):
    """Run `fn` with the cyclic garbage collector paused.

    Loading builds millions of small acyclic objects that all stay alive; the collector would scan
    them again and again (on 100,000 claims that cost as much as parsing) and could free none.
    """

    @functools.wraps(fn)
    def run(*args, **kwargs):
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return run


@collector_paused
def check(facts_dir: Path, places: dict[str, tuple[str, int]] | None = None) -> tuple[Dataset | None, list[Problem]]:
    """Validate a facts directory, collecting every problem rather than stopping at the first.

    Given a dict as `places`, fills it with the file and line of every valid claim, by id (for lint).
    """
    sources_path, entities_path, claim_paths = facts_files(facts_dir)
    checker = _Checker()
    sources = checker.records(sources_path, "sources", Source)
    entities = checker.records(entities_path, "entities", Entity)
    claims = [r for p in claim_paths for r in checker.records(p, "claims", Claim)]
    info_path = dataset_file(facts_dir)
    info = checker.info(info_path) if info_path else None
    checker.cross_check(sources, entities, claims)
    if checker.problems:
        return None, checker.problems
    if places is not None:
        places.update((r.value.id, (r.file, r.raw.line)) for r in claims)
    dataset = Dataset.of(
        tuple(r.value for r in claims),
        {r.value.id: r.value for r in sources},
        {r.value.id: r.value for r in entities},
        info,
    )
    return dataset, []


def claim_places(facts_dir: Path) -> dict[str, tuple[str, int]]:
    """The file and line of every claim, by id, read from the YAML alone (no validation)."""
    from .yamlfile import read_yaml

    places: dict[str, tuple[str, int]] = {}
    for path in facts_files(facts_dir)[2]:
        name = _display(path)
        doc = read_yaml(path, name)
        items = doc.get("claims") if isinstance(doc, dict) else None
        for raw in items if isinstance(items, list) else ():
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                places.setdefault(raw["id"], (name, raw.line))
    return places


def _display(path: Path) -> str:
    """A path as a user would type it: relative to the working directory when inside it."""
    try:
        # abspath, not resolve: a symbolic link is named as itself, not as the file it points to.
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@dataclass(frozen=True, slots=True)
class _Record:
    """A validated record and where it came from."""

    value: Any
    file: str
    raw: Any  # the LineDict it was built from

    def line(self, *path: str | int) -> int:
        return _line_of(self.raw, path)


def _line_of(node: Any, path: tuple[str | int, ...]) -> int:
    line = node.line
    for part in path:
        lines = getattr(node, "lines", None)
        if lines is None:
            break
        try:
            line, node = lines[part], node[part]
        except (KeyError, IndexError, TypeError):
            break
    return line


_field = field_path


@cache
def _adapter(cls: type) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(cls)


_PYDANTIC_MESSAGES = {
    "unexpected_keyword_argument": "unknown key",
    "missing": "required field is missing",
    "missing_argument": "required field is missing",
    "string_too_short": "must not be empty",
    "too_short": "must not be empty",
}
# What a field expected, in the words of someone writing YAML rather than pydantic's ("valid tuple").
_EXPECTED = {
    "string_type": "text",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "tuple_type": "a list",
    "list_type": "a list",
    "dataclass_type": "a mapping",
    "dataclass_args_type": "a mapping",
    "dict_type": "a mapping",
}


def _message(err: Any, cls: type) -> str:
    kind, given = err["type"], err["input"]
    if kind in _EXPECTED:
        expected = _EXPECTED[kind]
        if expected == "a number" and isinstance(given, str):
            # `"12.5"`, `08` and `1e3` are text to YAML 1.1: say how to write the number instead.
            return f"expected a number, found {_kind(given)}{_as_number(given)}"
        if expected == "text" and isinstance(given, (bool, int, float)):
            # YAML reads `NO`, `on` and `10:30` as false, true and 630; quotes keep them as written.
            return f"expected text, found {_kind(given)}; put the value in quotes to keep it as written"
        return f"expected {expected}, found {_kind(given)}"
    if kind == "literal_error":
        allowed = [a.strip(" '") for a in err["ctx"]["expected"].replace(" or ", ", ").split(", ")]
        if not isinstance(given, str):  # `status: true` or `status: ~`: never Python's True or None
            return f"expected one of: {', '.join(allowed)}; found {_kind(given)}"
        return f"{shown(given)} is not one of: {', '.join(allowed)}{suggest(given, allowed)}"
    if kind == "unexpected_keyword_argument":
        *parent, key = err["loc"]
        return f"unknown key{suggest(str(key), _keys_at(cls, parent))}"
    return _PYDANTIC_MESSAGES.get(kind, err["msg"])


def _errors(e: Any) -> list[Any]:
    """Pydantic's errors without its echo: a list whose only item is invalid is also "too short"."""
    errors = e.errors(include_url=False)
    has_error_inside = {tuple(err["loc"][:i]) for err in errors for i in range(len(err["loc"]))}
    return [err for err in errors if not (err["type"] == "too_short" and tuple(err["loc"]) in has_error_inside)]


def _as_number(text: str) -> str:
    """`; write 8 without quotes` for text that is a decimal number, when that number is kept exactly."""
    from decimal import Decimal, InvalidOperation

    try:
        exact = Decimal(text.strip())
        value = float(text)
    except (ValueError, InvalidOperation):
        return ""
    if not (text.strip().isascii() and math.isfinite(value)):
        return ""
    from .yamlfile import as_written

    written = as_written(value)
    return f"; for the number, write {written} without quotes" if Decimal(written) == exact else ""


def _keys_at(cls: type, path: list[str | int]) -> list[str]:
    """The field names of the record or block at `path` inside `cls` (`citations`, 0 -> Citation's)."""
    import dataclasses
    import typing

    tp: Any = cls
    for part in path:
        if isinstance(part, str) and dataclasses.is_dataclass(tp):
            tp = typing.get_type_hints(tp, include_extras=True).get(part)
        # Peel Annotated[...], X | None and tuple[X, ...] down to the record type inside.
        while typing.get_args(tp) and not dataclasses.is_dataclass(tp):
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
    return [f.name for f in dataclasses.fields(tp)] if dataclasses.is_dataclass(tp) else []


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        # Ids of records that failed validation, and kinds with a file that could not be read at all:
        # a reference to either is not reported as unknown, since the real problem already is.
        self.invalid_ids: dict[str, set[str]] = {"source": set(), "entity": set(), "claim": set()}
        self.unreadable: set[str] = set()

    def add(self, message: str, file: str, line: int | None, field: str | None = None) -> None:
        self.problems.append(Problem(message, file, line, field))

    def _document(self, path: Path, key: str) -> Any:
        """The file's top-level mapping, its keys but `key` reported as unknown; None if unusable."""
        from .yamlfile import LineDict, read_yaml

        name = _display(path)
        try:
            doc = read_yaml(path, name)
        except AllianceError as e:
            self.problems.extend(e.problems)
            return None
        if doc is None:
            self.add(f"file is empty; expected a mapping with the key '{key}'", name, 1)
            return None
        if not isinstance(doc, LineDict):
            self.add(f"expected a mapping with the key '{key}', found {_kind(doc)}", name, _line(doc))
            return None
        for other in doc:
            if other != key:
                self.add(f"unknown top-level key; this file holds only '{key}'", name, doc.lines[other], str(other))
        return doc

    def _validate(self, raw: Any, cls: type, name: str) -> Any:
        """The record `raw` describes, or None after reporting each problem at its line."""
        from pydantic import ValidationError

        _dates_as_text(raw)
        try:
            return _adapter(cls).validate_python(raw)
        except ValidationError as e:
            for err in _errors(e):
                loc = tuple(err["loc"])
                self.add(_message(err, cls), name, _line_of(raw, loc), _field(loc) or None)
            return None

    def info(self, path: Path) -> DatasetInfo | None:
        """dataset.yaml: one mapping under the key `dataset`."""
        from .yamlfile import LineDict

        name = _display(path)
        doc = self._document(path, "dataset")
        if doc is None:
            return None
        raw = doc.get("dataset")
        if not isinstance(raw, LineDict):
            self.add(f"expected a mapping, found {_kind(raw)}", name, doc.lines.get("dataset", doc.line), "dataset")
            return None
        value = self._validate(raw, DatasetInfo, name)
        if value is not None:
            record = _Record(value, name, raw)
            self._check_date(record, value.date, ("date",))
            # Both become links in the exports (the data package, Datasette, the HTML fact sheet).
            for url, where in ((value.licence.url, ("licence", "url")), (value.homepage, ("homepage",))):
                if url and not url.startswith(("https://", "http://")):
                    self.add("must be a web address (https://...)", name, record.line(*where), ".".join(where))
        return value

    def records(self, path: Path, key: str, cls: type) -> list[_Record]:
        from .yamlfile import LineDict, LineList

        name = _display(path)
        what = cls.__name__.lower()
        doc = self._document(path, key)
        if doc is None:
            self.unreadable.add(what)
            return []
        items = doc.get(key)
        if not isinstance(items, LineList):
            line = doc.lines.get(key, doc.line)
            self.add(f"expected a list of records, found {_kind(items)}", name, line, key)
            self.unreadable.add(what)
            return []
        out = []
        for index, raw in enumerate(items):
            if not isinstance(raw, LineDict):
                self.add(f"expected a mapping, found {_kind(raw)}", name, items.lines[index], f"{key}[{index}]")
                self.unreadable.add(what)  # a record without even an id
                continue
            value = self._validate(raw, cls, name)
            if value is None:
                if isinstance(raw.get("id"), str):
                    self.invalid_ids[what].add(raw["id"])
                else:
                    self.unreadable.add(what)
                continue
            record = _Record(value, name, raw)
            self._check_record(record)
            out.append(record)
        return out

    def _check_record(self, r: _Record) -> None:
        v = r.value
        if not SLUG_RE.fullmatch(v.id):
            self.add(f"{shown(v.id)} is not a slug (lowercase letters, digits and single hyphens)", r.file, r.line("id"), "id")
        for field in ("date", "end", "published"):
            self._check_date(r, getattr(v, field, None), (field,))
        if isinstance(v, Claim):
            self._check_claim(r, v)
        elif isinstance(v, Entity):
            self._check_entity(r, v)
        elif isinstance(v, Source):
            if any(c not in "0123456789abcdef" for c in v.sha256):
                self.add("must be 64 lowercase hex digits", r.file, r.line("sha256"), "sha256")
            if os.path.isabs(v.archive) or ".." in Path(v.archive).parts or "\\" in v.archive:
                # verify reads sources_dir / archive: it must not reach out of the sources folder.
                self.add("must name a file inside the sources folder: no '..', no absolute path, no backslash",
                         r.file, r.line("archive"), "archive")
            elif any(ord(ch) < 0x20 or ch == "\x7f" for ch in v.archive):
                self.add("a file name cannot hold control characters", r.file, r.line("archive"), "archive")

    def _check_date(self, r: _Record, value: str | None, path: tuple[str | int, ...]) -> bool:
        if value is None:
            return True
        try:
            parse_partial_date(value)
        except ValueError as e:
            self.add(str(e), r.file, r.line(*path), _field(path))
            return False
        return True

    def _check_claim(self, r: _Record, c: Claim) -> None:
        # date and end are reported by _check_record when malformed; compare them only when both are good.
        if c.date and c.end and _is_date(c.date) and _is_date(c.end):
            if date_span(c.end)[1] < date_span(c.date)[0]:
                self.add(f"ends ({c.end}) before it starts ({c.date})", r.file, r.line("end"), "end")
        if c.treaty is not None:
            if c.kind != "treaty":
                self.add(f"only claims of kind 'treaty' take a treaty block (this one is '{c.kind}')", r.file, r.line("treaty"), "treaty")
            if self._check_date(r, c.treaty.signed, ("treaty", "signed")) and c.treaty.signed and c.date and c.treaty.signed != c.date:
                self.add(f"signed {c.treaty.signed} but the claim is dated {c.date}", r.file, r.line("treaty", "signed"), "treaty.signed")
            if c.treaty.signed and not c.date:
                # Listings and date filters go by the claim's date: a signing date alone would be lost.
                self.add(f"signed {c.treaty.signed} but the claim has no date; give it date: {c.treaty.signed}",
                         r.file, r.line("treaty", "signed"), "treaty.signed")
        if c.end and not c.date:
            self.add("an end date needs a start date: every listing and date filter goes by `date`",
                     r.file, r.line("end"), "end")
        for field in ("parties", "asserted_by", "denied_by", "related"):
            seen: set[str] = set()
            for i, ref in enumerate(getattr(c, field)):
                if ref in seen:
                    self.add(f"{shown(ref)} is listed twice", r.file, r.line(field, i), f"{field}[{i}]")
                seen.add(ref)
        q = c.quantity
        if q is not None:
            from .yamlfile import as_written  # a figure in a message as written: never 1.23457e+06

            for name in ("amount", "lower", "upper"):
                x = getattr(q, name)
                if x is not None and (not math.isfinite(x) or x < 0):
                    self.add(f"must be a finite number of at least 0, not {as_written(x)}", r.file, r.line("quantity", name), f"quantity.{name}")
            if q.lower is not None and q.lower > q.amount:
                self.add(f"lower bound {as_written(q.lower)} is above the amount {as_written(q.amount)}", r.file, r.line("quantity", "lower"), "quantity.lower")
            if q.upper is not None and q.upper < q.amount:
                self.add(f"upper bound {as_written(q.upper)} is below the amount {as_written(q.amount)}", r.file, r.line("quantity", "upper"), "quantity.upper")
        # An alleged claim names who alleges it in asserted_by when its source does; one resting on
        # unnamed reports ("reportedly") has none to name, and its statement says so (docs/curation.md).
        if c.status in ("denied", "disputed") and not c.denied_by:
            self.add(f"a {c.status} claim must name who denies it", r.file, r.line("status"), "denied_by")
        if c.lint is not None:
            if not c.lint.reason.strip():
                self.add("an accepted lint exception needs its reason", r.file, r.line("lint", "reason"), "lint.reason")
            seen = set()
            for i, rule in enumerate(c.lint.ignore):
                if rule in seen:
                    self.add(f"{rule!r} is listed twice", r.file, r.line("lint", "ignore", i), f"lint.ignore[{i}]")
                seen.add(rule)
        for i, cit in enumerate(c.citations):
            if not cit.quote.strip():
                self.add("quote is empty", r.file, r.line("citations", i, "quote"), f"citations[{i}].quote")

    def _check_entity(self, r: _Record, e: Entity) -> None:
        if e.kind == "country":
            for name, size in (("iso2", 2), ("iso3", 3)):
                code = getattr(e, name)
                if code is None:
                    self.add(f"a country needs its ISO 3166 alpha-{size} code", r.file, r.line(), name)
                elif not (code.isascii() and code.isalpha() and code.isupper()):
                    self.add(f"{shown(code)} is not an upper-case ISO 3166 alpha-{size} code", r.file, r.line(name), name)

    def cross_check(self, sources: list[_Record], entities: list[_Record], claims: list[_Record]) -> None:
        source_ids = self._unique(sources, "source")
        entity_ids = self._unique(entities, "entity")
        claim_ids = self._unique(claims, "claim")
        self._unique_names(entities)
        for r in claims:
            c: Claim = r.value
            for field in ("parties", "asserted_by", "denied_by"):
                for i, ref in enumerate(getattr(c, field)):
                    self._reference(r, ref, entity_ids, "entity", (field, i))
            for i, cit in enumerate(c.citations):
                self._reference(r, cit.source, source_ids, "source", ("citations", i, "source"))
            for i, ref in enumerate(c.related):
                if ref == c.id:
                    self.add("a claim cannot be related to itself", r.file, r.line("related", i), f"related[{i}]")
                else:
                    self._reference(r, ref, claim_ids, "claim", ("related", i), exclude=c.id)

    def _unique(self, records: list[_Record], what: str) -> dict[str, _Record]:
        seen: dict[str, _Record] = {}
        for r in records:
            first = seen.get(r.value.id)
            if first is not None:
                self.add(
                    f"duplicate {what} id {shown(r.value.id)} (first defined at {first.file}:{first.line('id')})",
                    r.file, r.line("id"), "id",
                )
            else:
                seen[r.value.id] = r
        return seen

    def _unique_names(self, entities: list[_Record]) -> None:
        owner: dict[str, str] = {}
        for r in entities:
            e: Entity = r.value
            for i, name in enumerate((e.id, e.name, e.iso2, e.iso3, *e.aliases)):
                if name is None:
                    continue
                key = name_key(name)  # the comparison `show` and `--party` make, so no name is ambiguous
                if owner.setdefault(key, e.id) != e.id:
                    path = ("aliases", i - 4) if i >= 4 else (("id", "name", "iso2", "iso3")[i],)
                    self.add(f"{shown(name)} already names entity {shown(owner[key])}", r.file, r.line(*path), _field(path))

    def _reference(
        self, r: _Record, ref: str, known: dict[str, _Record], what: str, path: tuple[str | int, ...], exclude: str = ""
    ) -> None:
        if ref not in known and ref not in self.invalid_ids[what] and what not in self.unreadable:
            hint = suggest(ref, (k for k in known if k != exclude))
            self.add(f"unknown {what} {shown(ref)}{hint}", r.file, r.line(*path), _field(path))


_DATE_KEYS = ("date", "end", "published", "signed")


def _dates_as_text(raw: dict) -> None:
    # YAML reads `date: 2024` as the integer 2024; a bare year is a partial date, so make it text.
    for key in _DATE_KEYS:
        value = raw.get(key)
        if type(value) is int:
            raw[key] = str(value)
    treaty = raw.get("treaty")
    if isinstance(treaty, dict):
        _dates_as_text(treaty)


def _is_date(text: str) -> bool:
    try:
        parse_partial_date(text)
    except ValueError:
        return False
    return True


def _kind(value: Any) -> str:
    """What a YAML value is, as its writer would say it: `a list`, `the text 'yes'`, `true`."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {shown(value)}"
    if isinstance(value, str):
        return f"the text {shown(value)}"
    return f"a {type(value).__name__} value"


def _line(value: Any) -> int:
    return getattr(value, "line", 1)

