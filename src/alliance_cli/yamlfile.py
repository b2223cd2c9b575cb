"""Read one YAML file safely, keeping the line of every key and item for error messages."""

from __future__ import annotations

import codecs
import math
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import QUOTE_LIMIT, AllianceError, Problem, field_path, shown
from .files import read_limited

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
    def __init__(self, line: int, message: str, field: str | None = None) -> None:
        self.line, self.message, self.field = line, message, field


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """Safe loading only, plus: no aliases, no tags beyond plain YAML, no duplicate keys, a depth
    limit, and dates kept as text.

    The document is built straight from the parser's events by one loop with its own stack, never
    through PyYAML's composer and constructor: libyaml's composer recurses without limit and crashes
    the interpreter on a few kilobytes of `[[[[...` (a segfault, not an exception), and on large facts
    directories the generic machinery cost as much as parsing itself. The rules are checked in the
    order PyYAML would meet them: aliases, depth and anchors as the events arrive, everything about
    tags and keys after the whole document has been read (so a later syntax error still wins).
    """

    def get_single_data(self) -> Any:
        if self.yaml_path_resolvers:  # pragma: no cover - none are registered; resolve() below assumes it
            raise AssertionError("path resolvers are not supported")
        get_event, check_event, resolve = self.get_event, self.check_event, self.resolve
        get_event()  # stream start
        if check_event(yaml.StreamEndEvent):
            get_event()
            return None
        get_event()  # document start
        anchors: dict[str, yaml.Mark] = {}
        # One frame per open mapping or list: [value, key, key line, key expected]; value is None once
        # building has stopped (after the first refusal), while the frames still count the depth.
        stack: list[list[Any]] = []
        refusal: _Refused | None = None
        root_mark = None
        document: Any = None
        while True:
            event = get_event()
            kind = type(event)
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                value = stack.pop()[0]
                line = None  # the container's line was recorded when it opened
            else:
                line = event.start_mark.line + 1
                if kind is yaml.AliasEvent:
                    # Refusing aliases as they come stops a "billion laughs" document at its first alias
                    # with nothing expanded; facts files have no need for them.
                    raise _Refused(line, "YAML anchors and aliases are not supported")
                if len(stack) >= MAX_DEPTH:
                    raise _Refused(line, f"nested more than {MAX_DEPTH} levels deep")
                anchor = event.anchor
                if anchor is not None:
                    if anchor in anchors:
                        raise yaml.composer.ComposerError(
                            f"found duplicate anchor {shown(anchor)}; first occurrence", anchors[anchor],
                            "second occurrence", event.start_mark)
                    anchors[anchor] = event.start_mark
                if root_mark is None:
                    root_mark = event.start_mark
                tag = event.tag
                node_kind = _NODE_KINDS[kind]
                if tag is None or tag == "!":
                    tag = resolve(node_kind, event.value if kind is yaml.ScalarEvent else None, event.implicit)
                building = refusal is None
                if building:
                    parent = stack[-1] if stack else None
                    if parent is not None and parent[3] and tag == _MERGE:
                        refusal = _Refused(line, "YAML merge keys ('<<') are not supported")
                    elif _PLAIN_TAGS.get(tag) is None:
                        refusal = _Refused(line, f"YAML tag {shown(_short_tag(tag))} is not allowed: facts files hold "
                                                 "only text, numbers, true/false, null, lists and mappings")
                    elif _PLAIN_TAGS[tag] is not node_kind:
                        refusal = _Refused(line, f"YAML tag {shown(_short_tag(tag))} does not fit a {node_kind.id}")
                    building = refusal is None
                if kind is yaml.ScalarEvent:
                    value = self._scalar(tag, event) if building else None
                    if isinstance(value, _Refused):
                        value.field = _field(stack)
                        refusal, building = value, False
                else:
                    if kind is yaml.MappingStartEvent:
                        value = LineDict() if building else None
                        if building:
                            value.lines = {}
                    else:
                        value = LineList() if building else None
                        if building:
                            value.lines = []
                    if building:
                        value.line = line
                    stack.append([value, None, 0, kind is yaml.MappingStartEvent])
                    continue
            # A node is complete: hand its value to the mapping or list it belongs to.
            if not stack:
                document = value
                break
            if refusal is not None:
                continue
            parent = stack[-1]
            container = parent[0]
            if type(container) is LineList:
                container.append(value)
                container.lines.append(line if line is not None else value.line)
            elif parent[3]:  # this was a key
                key_line = line if line is not None else value.line
                if not isinstance(value, str):
                    # Every key in a facts file is a field or file name; `1:`, `~:` or `yes:` are typos.
                    refusal = _Refused(key_line, f"a key must be a name, not {shown(value)}")
                elif value in container:
                    refusal = _Refused(key_line, f"duplicate key {shown(value)} (first at line {container.lines[value]})")
                else:
                    parent[1], parent[2], parent[3] = value, key_line, False
            else:
                container[parent[1]] = value
                container.lines[parent[1]] = parent[2]
                parent[3] = True
        get_event()  # document end
        if not check_event(yaml.StreamEndEvent):
            event = get_event()
            raise yaml.composer.ComposerError("expected a single document in the stream", root_mark,
                                              "but found another document", event.start_mark)
        get_event()  # stream end
        if refusal is not None:
            raise refusal
        return document

    def _scalar(self, tag: str, event: yaml.ScalarEvent) -> Any:
        """A scalar's value by its tag; dates stay text. A _Refused (returned) for text the tag cannot read."""
        if tag == _STR or tag == _TIMESTAMP:  # Partial dates are text: 2024-06-19 must not become a date.
            return event.value
        if tag == _NULL:
            return None
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        try:
            value = self.yaml_constructors[tag](self, node)
        except (ValueError, KeyError):  # an explicit tag on text it cannot read: `!!int abc`
            return _Refused(event.start_mark.line + 1, f"cannot read {shown(event.value)} as {shown(_short_tag(tag))[1:-1]}")
        if tag == _INT or tag == _FLOAT:
            problem = number_problem(event.value, value)
            if problem is not None:
                return _Refused(event.start_mark.line + 1, problem)
        elif tag == _BOOL and event.value.lower() not in ("true", "false"):
            # `yes`, `no`, `on`, `off`: true and false to YAML 1.1 (and PyYAML) but text to YAML 1.2 and
            # every reader that follows it, so the same file would say two things.
            text, meant = shown(event.value)[1:-1], str(value).lower()
            return _Refused(event.start_mark.line + 1, f"{text} is {meant} to YAML 1.1 but text to YAML 1.2; "
                                                       f'write {meant}, or "{text}" in quotes for text')
        return value


_YAML_TAG = "tag:yaml.org,2002:"
_STR, _NULL, _TIMESTAMP, _MERGE, _INT, _FLOAT, _BOOL = (
    _YAML_TAG + t for t in ("str", "null", "timestamp", "merge", "int", "float", "bool"))
# Every tag plain YAML resolves to, and the kind of node it may carry. Anything else (`!!python/...`,
# `!!binary`, `!!set`, `!custom`) is refused before a constructor could run.
_PLAIN_TAGS: dict[str, type] = {
    **{_YAML_TAG + t: yaml.ScalarNode for t in ("str", "int", "float", "bool", "null", "timestamp")},
    _YAML_TAG + "map": yaml.MappingNode,
    _YAML_TAG + "seq": yaml.SequenceNode,
}
_NODE_KINDS = {yaml.ScalarEvent: yaml.ScalarNode, yaml.SequenceStartEvent: yaml.SequenceNode,
               yaml.MappingStartEvent: yaml.MappingNode}


# A number is written as in JSON (`17`, `-2.5`, `6.02e+23`), or is .inf or .nan (which the checks
# refuse where a figure belongs). YAML 1.1 also reads octal (`017` is 15), hexadecimal, binary,
# base 60 (`1:30` is 90), `1_000`, `+5`, `1.` and `.5`, and any number of digits: each of those is
# refused with the way to write it, so that no figure ever differs from what its writer meant.
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_SPECIAL = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
_OCTAL = re.compile(r"[-+]?0[0-9_]+")  # YAML 1.1's octal, and 08 or 09, which it reads as text
_KINDS = (("0x", "hexadecimal"), ("0b", "binary"), (":", "base 60 (as for times)"))
# Whole numbers up to 2**53 are exact in a float, the type every figure is kept in.
EXACT_LIMIT = 2**53


def number_problem(text: str, value: float) -> str | None:
    """Why `text`, which YAML reads as the number `value`, cannot be taken as written; None if it can."""
    problem = _number_problem(text, value)
    if problem is not None and len(text) > QUOTE_LIMIT:  # a thousand digits: never echo them all
        problem = problem.replace(text, text[: QUOTE_LIMIT - 1] + "…")
    return problem


def _number_problem(text: str, value: float) -> str | None:
    if _SPECIAL.fullmatch(text):
        return None
    quoted = f'or "{text}" in quotes for text'
    if not _DECIMAL.fullmatch(text):
        if _OCTAL.fullmatch(text):
            meant = text.replace("_", "").lstrip("+").replace("-0", "-").lstrip("0").rstrip("-") or "0"
            return f"{text} is octal to YAML 1.1 and would be read as {value!r}; write {_writable(meant)}, {quoted}"
        kind = next((f" is {name} and" for mark, name in _KINDS if mark in text.lower()), "")
        return f"{text}{kind} would be read as {value!r}; write {_writable(as_written(value))}, {quoted}"
    if text.startswith("-") and value == 0:
        return f"{text} is a negative zero; write 0, {quoted}"
    if "." not in text and "e" not in text.lower():
        if abs(int(text)) <= EXACT_LIMIT:
            return None
        return (f"{text} is beyond the whole numbers a figure keeps exactly (up to {EXACT_LIMIT:,}) and would "
                f"be read as {int(float(text))}; write it in a larger unit (12.3 billion), {quoted}")
    from decimal import Decimal  # only for numbers with a point or an exponent

    number = float(text)
    if number != number or number in (float("inf"), float("-inf")):
        return f"{text} is beyond the numbers a figure can hold; write it in a larger unit, {quoted}"
    if Decimal(text) == Decimal(repr(number)):
        return None
    return (f"{text} has more significant digits than a figure keeps (about 15) and would be read as "
            f"{number!r}; round it, {quoted}")


def _writable(number: str) -> str:
    """`number`, when a figure can be written so; else the way out for one with too many digits."""
    if _DECIMAL.fullmatch(number):  # not `inf`: `0200.0e+306` overflows
        value = float(number) if "." in number or "e" in number else int(number)
        if _number_problem(number, value) is None:
            return number
    return "it in a larger unit (12.3 billion)"


def as_written(value: float) -> str:
    """A number as a facts file writes it, so that it reads back as the same number: `17`, `244.8`,
    `1.0e-7` (YAML 1.1 reads `1e-07`, Python's way, as text: its mantissa needs a point, its
    exponent a sign)."""
    if isinstance(value, int) or (value.is_integer() and abs(value) <= EXACT_LIMIT):
        return str(int(value))
    text = repr(value)
    if "e" not in text or not math.isfinite(value):
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa if '.' in mantissa else mantissa + '.0'}e{exponent[0]}{exponent[1:].lstrip('0') or '0'}"


def _field(stack: list[list[Any]]) -> str | None:
    """Where the node being read sits, as `quantity.amount`: inside its record, as store names fields."""
    parts: list[str | int] = []
    for container, key, _, key_expected in stack:
        if type(container) is LineList:
            parts.append(len(container))
        elif key_expected:
            break  # the node is itself a key
        else:
            parts.append(key)
    if len(parts) > 2 and isinstance(parts[0], str) and isinstance(parts[1], int):
        parts = parts[2:]  # every facts file is `kind:` and a list of records
    return field_path(parts) or None


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_YAML_TAG) if tag.startswith(_YAML_TAG) else tag


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
    data = read_limited(path, MAX_FILE_BYTES, name)
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
        raise AllianceError(Problem(e.message, name, e.line, e.field)) from None
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
