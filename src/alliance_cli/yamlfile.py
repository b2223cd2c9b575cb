"""Read one YAML file safely, keeping the line of every key and item for error messages."""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import AllianceError, Problem

try:  # libyaml's parser when PyYAML was built with it; the pure-Python one otherwise
    _Base = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Base = yaml.SafeLoader

# PyYAML reads about a megabyte a second; a facts file is tens of kilobytes. Past this, refusing
# at once is kinder than a long wait, and a dataset can always be split across claims files.
MAX_FILE_BYTES = 4 * 1024 * 1024
# Facts records are a few levels deep; the limit keeps recursion far from Python's own.
MAX_DEPTH = 32


# Git's conflict markers start a line; in a facts file nothing else can (block text is indented).
_CONFLICT_MARKER = re.compile(r"^(?:<{7}|={7}|>{7})(?:\s|$)", re.MULTILINE)


class LineDict(dict):
    """A mapping that remembers its own line and the line of each key (1-based)."""

    __slots__ = ("line", "lines")


class LineList(list):
    """A sequence that remembers its own line and the line of each item (1-based)."""

    __slots__ = ("line", "lines")


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        self.line, self.message = line, message


class _Loader(yaml.composer.Composer, _Base):  # type: ignore[misc, valid-type]
    """Safe loading only, plus: no aliases, no tags beyond plain YAML, no duplicate keys, a depth
    limit, and dates kept as text.

    The pure-Python composer sits in front of libyaml's: the C one recurses without limit and
    crashes the interpreter on a few kilobytes of `[[[[...` (a segfault, not an exception).
    """

    def __init__(self, stream: str) -> None:
        _Base.__init__(self, stream)  # the parser, constructor and resolver; Composer's own is below
        self.anchors: dict[str, yaml.Node] = {}
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        # Refusing aliases here, before any node is built, stops a "billion laughs" document at its
        # first alias with nothing expanded; facts files have no need for them.
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(event.start_mark.line + 1, "YAML anchors and aliases are not supported")
        if self._depth >= MAX_DEPTH:
            raise _Refused(event.start_mark.line + 1, f"nested more than {MAX_DEPTH} levels deep")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        line = node.start_mark.line + 1
        expected = _PLAIN_TAGS.get(node.tag)
        if expected is None:
            raise _Refused(line, f"YAML tag {_short_tag(node.tag)!r} is not allowed: facts files hold only "
                                 "text, numbers, true/false, null, lists and mappings")
        if not isinstance(node, expected):
            raise _Refused(line, f"YAML tag {_short_tag(node.tag)!r} does not fit a {node.id}")
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, KeyError):  # an explicit tag on text it cannot read: `!!int abc`
            raise _Refused(line, f"cannot read {node.value!r} as {_short_tag(node.tag)}") from None


_YAML_TAG = "tag:yaml.org,2002:"
# Every tag plain YAML resolves to, and the kind of node it may carry. Anything else (`!!python/...`,
# `!!binary`, `!!set`, `!custom`) is refused before a constructor could run.
_PLAIN_TAGS: dict[str, type] = {
    **{_YAML_TAG + t: yaml.ScalarNode for t in ("str", "int", "float", "bool", "null", "timestamp")},
    _YAML_TAG + "map": yaml.MappingNode,
    _YAML_TAG + "seq": yaml.SequenceNode,
}


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_YAML_TAG) if tag.startswith(_YAML_TAG) else tag


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise _Refused(line, "YAML merge keys ('<<') are not supported")
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            # Every key in a facts file is a field or file name; `1:`, `~:` or `yes:` are typos.
            raise _Refused(line, f"a key must be a name, not {key!r}")
        if key in result:
            raise _Refused(line, f"duplicate key {key!r} (first at line {result.lines[key]})")
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_text(loader: _Loader, node: yaml.ScalarNode) -> str:
    return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
# Partial dates are text: 2024-06-19 must not become a datetime.date (nor 2024-06 an error).
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise AllianceError(Problem("UTF-16 text; save the file as UTF-8", str(path), 1))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise AllianceError(
            Problem(f"not UTF-8 text (byte 0x{data[e.start]:02x} at column {column})", str(path), line)
        ) from None


def read_yaml(path: Path, display: str | None = None) -> Any:
    """Parse one YAML document; every failure becomes an AllianceError naming file and line."""
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise AllianceError(
                Problem(f"file is too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes per file)", name)
            )
        data = path.read_bytes()
    except OSError as e:
        raise AllianceError(Problem(f"cannot read file: {e.strerror or e}", name)) from None
    text = _decode(Path(name), data)
    conflict = _CONFLICT_MARKER.search(text)
    if conflict:
        line = text.count("\n", 0, conflict.start()) + 1
        raise AllianceError(Problem("unresolved merge conflict: keep one version and delete the "
                                    "<<<<<<<, ======= and >>>>>>> lines", name, line))
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except _Refused as e:
        raise AllianceError(Problem(e.message, name, e.line)) from None
    except yaml.MarkedYAMLError as e:
        raise AllianceError(_syntax_problem(e, name, text)) from None
    except yaml.reader.ReaderError as e:
        # libyaml reports a byte offset into the UTF-8 text it was given.
        line = text.encode("utf-8")[: e.position].count(b"\n") + 1
        if e.reason.startswith("control"):
            message = (f"control character U+{e.character:04X} is not allowed in YAML; "
                       f'write it as the escape "\\u{e.character:04x}" inside double quotes')
        else:
            message = f"character U+{e.character:04X} is not allowed in YAML ({e.reason})"
        raise AllianceError(Problem(message, name, line)) from None
    except yaml.YAMLError as e:
        raise AllianceError(Problem(f"YAML: {e}", name)) from None
    except RecursionError:
        raise AllianceError(Problem("YAML nesting is too deep", name)) from None
    finally:
        loader.dispose()


# PyYAML's words for the commonest hand-editing mistakes, and what usually causes them.
_STRAY_COLON = "; is this line indented wrongly, or does a value contain ': ' and need quotes?"
_TAB = "; YAML indents with spaces only, never tabs"
_HINTS = {
    "mapping values are not allowed in this context": _STRAY_COLON,  # libyaml
    "mapping values are not allowed here": _STRAY_COLON,  # the pure-Python scanner
    "found a tab character that violates indentation": _TAB,
    "found character that cannot start any token": "; does a value starting with @ or ` need quotes?",
}


def _syntax_problem(e: yaml.MarkedYAMLError, name: str, text: str) -> Problem:
    """The parser's problem and where it was, plus what it was in the middle of and where that
    began. When the file ran out (an unclosed quote), the place to look is where that began."""
    problem, context = e.problem, e.context
    at, began = e.problem_mark, e.context_mark
    if problem and "end of stream" in problem and context and began and at:
        if "quoted scalar" in context:
            message = f"the quoted text that starts on this line is never closed (the file ends at line {at.line + 1})"
        else:
            message = f"the file ends at line {at.line + 1} {context} that starts on this line"
        return Problem(f"YAML syntax: {message}", name, began.line + 1)
    message = f"YAML syntax: {problem or context}"
    if problem and context:
        message += f" ({context}{f' at line {began.line + 1}' if began and at and began.line != at.line else ''})"
    mark = at or began
    if mark and _char_at(text, mark) == "\t":
        message += _TAB
    else:
        message += _HINTS.get(problem or "", "")
    return Problem(message, name, mark.line + 1 if mark else None)


def _char_at(text: str, mark: yaml.Mark) -> str:
    lines = text.splitlines()
    return lines[mark.line][mark.column : mark.column + 1] if mark.line < len(lines) else ""
