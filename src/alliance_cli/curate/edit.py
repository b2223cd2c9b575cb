"""Append a source or a claim to the facts files as text, and check the result before anything is written.

Records are appended as YAML text after what is there, never by loading and dumping a file, so every
comment, blank line and key order stays as the curator left it. Text from the user is written plain
only when YAML would read it back as the very same text; otherwise double-quoted with escapes.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AllianceError, Problem, UsageError, suggest
from ..model import SLUG_RE, Dataset, parse_partial_date

# Plain scalars the loader reads back unchanged as text: words, spaces and harmless punctuation, not
# starting with an indicator and with no `: ` or ` #`. The round trip below settles the rest
# (`no`, `1e3`, `null`).
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 .,;()$%/+'’&-]*")
# What YAML would not keep as written inside double quotes: controls (json escapes C0 already),
# the characters it reads as line breaks, a byte order mark.
_ESCAPE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff]")
_ITEM = re.compile(r"( *)-( +)")
_SURROGATE = re.compile("[\ud800-\udfff]")


def scalar(text: str) -> str:
    """`text` as a YAML scalar that reads back as exactly `text`."""
    if _SURROGATE.search(text):
        # What a command line holds when its bytes were not UTF-8: no file could store it as text.
        raise UsageError(f"{text!r} is not UTF-8 text")
    if _PLAIN.fullmatch(text) and not text.endswith(" ") and _reads_back(text):
        return text
    return _ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def _reads_back(text: str) -> bool:
    import yaml

    try:
        return yaml.safe_load(f"k: {text}\n") == {"k": text}
    except yaml.YAMLError:
        return False


def flow_list(items: list[str]) -> str:
    return "[" + ", ".join(scalar(i) for i in items) + "]"


def date_scalar(text: str, option: str) -> str:
    """A partial date as the facts files write it, unquoted; refused unless it is one."""
    try:
        parse_partial_date(text)
    except ValueError as e:
        raise UsageError(f"{option}: {e}") from None
    return text


def slug(text: str, option: str) -> str:
    if not SLUG_RE.fullmatch(text):
        raise UsageError(f"{option}: {text!r} is not a slug (lowercase letters, digits and single hyphens)")
    return text


def one_of(text: str, allowed: tuple[str, ...], option: str) -> str:
    if text not in allowed:
        raise UsageError(f"{option}: {text!r} is not one of: {', '.join(allowed)}{suggest(text, allowed)}")
    return text


def record(fields: list[tuple[str, Any]], dash: str = "  - ") -> str:
    """A block-style list item from (key, value) pairs in the order given: values already written as
    YAML, or a list of such records (citations); None values left out."""
    indent = " " * len(dash)
    out: list[str] = []
    for key, value in fields:
        if value is None:
            continue
        prefix = indent if out else dash
        if isinstance(value, list):
            out.append(f"{prefix}{key}:\n")
            out += [record(item, indent + "  - ") for item in value]
        else:
            out.append(f"{prefix}{key}: {value}\n")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Appended:
    """A facts file with one record added: its new text, and the line and offset the record starts at."""

    path: Path
    text: str
    line: int
    start: int

    @property
    def record(self) -> str:
        return self.text[self.start:].replace("\r\n", "\n")  # to show: line ends as the terminal wants them


def append(path: Path, key: str, fields: list[tuple[str, Any]], display: str) -> Appended:
    """The text of `path` with a record appended to its list `key`, indented as its items are."""
    from ..files import read_limited
    from ..yamlfile import MAX_FILE_BYTES, LineDict, LineList, read_yaml

    if not path.exists():
        text = f"{key}:\n"
        dash = "  - "
    else:
        doc = read_yaml(path, display)  # first: it refuses what is not UTF-8 text, with the line
        # As it is (a byte order mark and CRLF line ends stay), and read as safely as the first time.
        text = read_limited(path, MAX_FILE_BYTES, display).decode("utf-8")
        if doc is None:
            text = text + ("" if not text or text.endswith("\n") else "\n") + f"{key}:\n"
            dash = "  - "
        else:
            items = doc.get(key) if isinstance(doc, LineDict) else None
            if not isinstance(items, LineList) or not items:
                raise AllianceError(Problem(f"expected a block list under '{key}:' to append to", display,
                                            getattr(doc, "line", 1)))
            first = text.splitlines()[items.lines[0] - 1]
            m = _ITEM.match(first)
            if m is None:  # `claims: [...]`, written in flow style
                raise AllianceError(Problem(f"the list under '{key}:' is written in [brackets]: write it as a "
                                            "block list (one `- ` item a line) to append to it", display,
                                            items.lines[0]))
            dash = m.group(1) + "-" + m.group(2)
            if not text.endswith("\n"):
                text += "\r\n" if "\r\n" in text else "\n"
    added = record(fields, dash)
    if "\r\n" in text:  # a file written on Windows keeps its line ends
        added = added.replace("\n", "\r\n")
    return Appended(path, text + added, text.count("\n") + 1, len(text))


def file_in(facts_dir: Path, name: str, folder: str = "claims") -> Path:
    """A claims file named relative to the facts directory, refused if it would land anywhere else."""
    parts = Path(name).parts
    if (Path(name).is_absolute() or len(parts) != 2 or parts[0] != folder or ".." in parts
            or Path(name).suffix.lower() not in (".yaml", ".yml")):
        raise UsageError(f"--file: {name!r} must name a .yaml file directly in {folder}/ of the facts "
                         f"directory, like {folder}/iran.yaml")
    path = facts_dir / name
    inside = (facts_dir / folder).resolve()
    if path.resolve().parent != inside:
        raise UsageError(f"--file: {name!r} leads outside {folder}/ of the facts directory")
    return path


def check_with(facts_dir: Path, changed: Appended) -> Dataset:
    """Validate the facts directory as it would be with `changed` written, writing nothing there.

    The check runs on a temporary copy (links to the other files, the changed file in full);
    problems are reported under the real file names.
    """
    from ..files import is_inside
    from ..store import CLAIMS_DIR, _display, check

    with tempfile.TemporaryDirectory(prefix="alliance-add-") as tmp:
        stage = Path(tmp)
        (stage / CLAIMS_DIR).mkdir()
        for entry in [*facts_dir.iterdir(), *(facts_dir / CLAIMS_DIR).iterdir()]:
            rel = entry.relative_to(facts_dir)
            # Only what validation reads: notes, backups or an archive of gigabytes beside them are not copied.
            if entry.suffix.lower() in (".yaml", ".yml") and entry.is_file() and not (stage / rel).exists():
                if is_inside(entry, facts_dir):
                    shutil.copyfile(entry, stage / rel)
                else:  # a link leading out of the facts directory: refused in the copy as it is in place
                    (stage / rel).symlink_to(entry.resolve())
        target = stage / changed.path.relative_to(facts_dir)
        target.unlink(missing_ok=True)
        target.write_text(changed.text, encoding="utf-8")
        dataset, problems = check(stage)
        if problems:
            real, staged = _display(facts_dir), _display(stage)
            problems = [dataclasses.replace(p, file=p.file and p.file.replace(staged, real, 1),
                                            message=p.message.replace(staged, real)) for p in problems]
            name = _display(changed.path)
            if any(p.file == name and (p.line or 0) >= changed.line for p in problems):
                # The file does not have those lines: say where they would have been.
                problems.append(Problem(f"nothing was added (line {changed.line} on is the new record, "
                                        "as it would have been appended)"))
            raise AllianceError(*problems)
    assert dataset is not None
    return dataset
