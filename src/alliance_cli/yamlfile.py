"""Read one YAML file safely, keeping the line of every key and item for error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import AllianceError, Problem

try:  # libyaml's parser when PyYAML was built with it; the pure-Python one otherwise
    _Base = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Base = yaml.SafeLoader

MAX_FILE_BYTES = 64 * 1024 * 1024


class LineDict(dict):
    """A mapping that remembers its own line and the line of each key (1-based)."""

    __slots__ = ("line", "lines")


class LineList(list):
    """A sequence that remembers its own line and the line of each item (1-based)."""

    __slots__ = ("line", "lines")


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        self.line, self.message = line, message


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """Safe loading only, plus: no anchors/aliases, no duplicate keys, dates kept as text."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # A node met a second time can only have come through an alias. Refusing aliases keeps
        # "billion laughs" documents from expanding, and facts files have no need for them.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _Refused(node.start_mark.line + 1, "YAML anchors and aliases are not supported")
        return super().construct_object(node, deep=deep)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise _Refused(line, "YAML merge keys ('<<') are not supported")
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise _Refused(line, "a mapping key must be a plain value")
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
                Problem(f"file is too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})", name)
            )
        data = path.read_bytes()
    except OSError as e:
        raise AllianceError(Problem(f"cannot read file: {e.strerror or e}", name)) from None
    text = _decode(Path(name), data)
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except _Refused as e:
        raise AllianceError(Problem(e.message, name, e.line)) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        what = e.problem or e.context or "invalid YAML"
        if e.context and e.problem:
            # The context often starts far above the problem (an unclosed quote): say where.
            start = e.context_mark.line + 1 if e.context_mark else None
            where = f" at line {start}" if start and start != line else ""
            what = f"{e.problem} ({e.context}{where})"
        raise AllianceError(Problem(f"YAML syntax: {what}", name, line)) from None
    except yaml.YAMLError as e:
        raise AllianceError(Problem(f"YAML: {e}", name)) from None
    except RecursionError:
        raise AllianceError(Problem("YAML nesting is too deep", name)) from None
    finally:
        loader.dispose()
