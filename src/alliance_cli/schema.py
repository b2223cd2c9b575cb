"""JSON Schema of the facts files and of the tool's JSON output, generated from the models by pydantic."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .errors import UsageError
from .model import LINT_RULES, SOURCE_KINDS, Claim, DatasetInfo, Entity, Source


@dataclass
class ClaimsFile:
    __pydantic_config__ = {"extra": "forbid"}
    claims: list[Claim]


@dataclass
class SourcesFile:
    __pydantic_config__ = {"extra": "forbid"}
    sources: list[Source]


@dataclass
class EntitiesFile:
    __pydantic_config__ = {"extra": "forbid"}
    entities: list[Entity]


@dataclass
class DatasetFile:
    __pydantic_config__ = {"extra": "forbid"}
    dataset: DatasetInfo


@dataclass
class ExportDocument:
    """`export --format json`, and `--format json` of show, claims, timeline, treaties, claim and source."""

    __pydantic_config__ = {"extra": "forbid"}
    schema_version: str
    dataset: DatasetInfo | None  # the dataset's title, version and licence (null without a dataset.yaml)
    claims: list[Claim]
    sources: list[Source]
    entities: list[Entity]
    entity: Entity | None = None  # show: the entity the profile is about
    source: Source | None = None  # source: the source whose claims these are


FILES = {"claims": ClaimsFile, "sources": SourcesFile, "entities": EntitiesFile, "dataset": DatasetFile}
OUTPUTS = ("export", "export-jsonl")
DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
_DATE_FIELDS = {"date", "end", "signed", "published"}
_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(kind: str) -> str:
    from pydantic import TypeAdapter

    if kind.casefold() in OUTPUTS:
        return json.dumps(output_schema(kind.casefold()), indent=2)
    if kind.casefold() not in FILES:
        raise UsageError(f"no schema for {kind!r}; choose {', '.join([*FILES, *OUTPUTS])}")
    kind = kind.casefold()
    schema = TypeAdapter(FILES[kind]).json_schema()
    schema["$schema"] = _DRAFT
    for definition in schema.get("$defs", {}).values():
        for name, prop in definition.get("properties", {}).items():
            if name in _DATE_FIELDS:
                prop["anyOf"] = [{"type": "string", "pattern": DATE_PATTERN}, {"type": "integer"}, {"type": "null"}]
    return json.dumps(schema, indent=2)


def output_schema(kind: str) -> dict[str, Any]:
    """What the tool prints as JSON: the export document (`export`), whose $defs also describe the
    tables that sources, about, figures and `claims --count-by` print, or one JSON Lines record.

    Stricter than the facts files' schema: in output every member is always present (null when
    empty), and dates are always text.
    """
    from pydantic import TypeAdapter

    from .formats.json import SCHEMA_VERSION

    schema = TypeAdapter(ExportDocument).json_schema(mode="serialization")
    defs = schema.pop("$defs")
    for definition in defs.values():
        definition["required"] = list(definition["properties"])
        for name, prop in definition["properties"].items():
            if name in _DATE_FIELDS:
                prop.pop("default", None)
                prop["anyOf"] = [{"type": "string", "pattern": DATE_PATTERN}, {"type": "null"}]
    version = {"const": SCHEMA_VERSION, "description": "The version of this shape of output: the minor number "
                                                      "grows when a member is added, the major when one changes."}
    schema["properties"].update(
        schema_version=version,
        entity={"$ref": "#/$defs/Entity", "description": "`show`: the entity the profile is about."},
        source={"$ref": "#/$defs/Source", "description": "`source`: the source whose claims these are."},
    )
    schema["properties"].update(
        claim={"$ref": "#/$defs/Claim", "description": "`claim ID`: the claim asked for."},
        related={"type": "array", "items": {"$ref": "#/$defs/Claim"}, "description": "`claim ID`: its related claims."},
    )
    schema["required"] = ["schema_version", "dataset", "sources", "entities"]
    # A listing has `claims`; `claim ID` has the claim asked for and its related claims instead.
    schema["oneOf"] = [{"required": ["claims"], "not": {"required": ["claim"]}},
                       {"required": ["claim", "related"], "not": {"required": ["claims"]}}]
    for name, (key, description, columns) in _TABLES.items():
        defs[name] = _table(version, key, description, columns)
    defs["About"] = _about(version)
    defs["LintReport"] = {
        "type": "object", "description": "`alliance lint --format json`: every finding, sorted by file and line.",
        "required": ["schema_version", "findings"], "additionalProperties": False,
        "properties": {"schema_version": version, "findings": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["file", "line", "claim", "rule", "message", "evidence"],
            "properties": {"file": _TEXT, "line": {"type": "integer", "minimum": 1}, "claim": _TEXT,
                           "rule": {"enum": list(LINT_RULES)}, "message": _TEXT, "evidence": _TEXT}}}}}
    changes = {"type": "object", "additionalProperties": False, "required": ["added", "removed", "changed"],
               "properties": {"added": {"type": "array", "items": {"type": "object"}},
                              "removed": {"type": "array", "items": {"type": "object"}},
                              "changed": {"type": "array", "items": {
                                  "type": "object", "additionalProperties": False, "required": ["id", "changes"],
                                  "properties": {"id": _TEXT, "changes": {"type": "array", "items": {
                                      "type": "object", "additionalProperties": False,
                                      "required": ["field", "old", "new"],
                                      "properties": {"field": _TEXT, "old": {}, "new": {}}}}}}}}}
    defs["Diff"] = {
        "type": "object", "description": "`alliance diff OLD NEW --format json`: added and removed records in "
                                         "full, and each changed record's fields with old and new values.",
        "required": ["schema_version", "old", "new", "dataset", "claims", "sources", "entities"],
        "additionalProperties": False,
        "properties": {"schema_version": version, "old": _TEXT, "new": _TEXT,
                       **{k: changes for k in ("dataset", "claims", "sources", "entities")}}}
    if kind == "export-jsonl":
        return {"$schema": _DRAFT, "title": "A line of `export --format jsonl`: one claim",
                "$ref": "#/$defs/Claim", "$defs": defs}
    return {"$schema": _DRAFT, **schema, "title": "alliance-cli JSON output", "$defs": defs}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


_TEXT = {"type": "string"}
_TEXTS = {"type": "array", "items": _TEXT}
_DATE = _nullable({"type": "string", "pattern": DATE_PATTERN})
_TABLES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "SourcesTable": ("sources", "`alliance sources --format json`: each source and how many claims cite it.", {
        "id": _TEXT, "title": _TEXT, "outlet": _nullable(_TEXT), "kind": {"enum": list(SOURCE_KINDS)},
        "claims": {"type": "integer", "minimum": 0}}),
    "FiguresTable": ("figures", "`alliance figures --format json`: one row per figure, with its sources and quotes.", {
        "series": _TEXT, "date": _DATE, "amount": {"type": "number"}, "unit": _TEXT,
        "lower": _nullable({"type": "number"}), "upper": _nullable({"type": "number"}), "approximate": {"type": "boolean"},
        "status": _TEXT, "claim": _TEXT, "sources": _TEXTS, "quotes": _TEXTS}),
    "EntitiesTable": ("entities", "`alliance entities --format json`: each entity and how many claims name it.", {
        "id": _TEXT, "name": _TEXT, "kind": {"type": "string"}, "iso2": _nullable(_TEXT), "iso3": _nullable(_TEXT),
        "aliases": _TEXTS, "claims": {"type": "integer", "minimum": 0}}),
    "CountsTable": ("counts", "`alliance claims --count-by FIELD --format json`: the value of FIELD and its count.", {
        "claims": {"type": "integer", "minimum": 1}}),
}


def _table(version: dict[str, Any], key: str, description: str, columns: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"type": "object", "properties": columns, "required": list(columns)}
    if key == "counts":  # one more member, named after --count-by (kind, party, status, source or year)
        row.update(minProperties=2, maxProperties=2, additionalProperties={"type": ["string", "integer"]})
    else:
        row["additionalProperties"] = False
    return {"type": "object", "description": description, "additionalProperties": False, "required": ["schema_version", key],
            "properties": {"schema_version": version, key: {"type": "array", "items": row}}}


def _about(version: dict[str, Any]) -> dict[str, Any]:
    """`alliance about --format json`: the dataset's identity, counts as numbers, counts by kind as objects."""
    counts = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}}
    tally = {"type": "object", "additionalProperties": False, "required": ["total", "by_kind"],
             "properties": {"total": {"type": "integer", "minimum": 0}, "by_kind": counts}}
    required = {"title": _TEXT, "version": _TEXT, "dated": _TEXT, "facts_directory": _TEXT, "tool": _TEXT,
                "claims": tally, "status": counts, "citations": {"type": "integer", "minimum": 0},
                "sources": tally, "entities": tally, "cite_as": _TEXT}
    optional = {"description": _TEXT, "licence": _TEXT, "maintainers": _TEXT, "homepage": _TEXT}  # from dataset.yaml
    return {"type": "object", "description": _about.__doc__, "additionalProperties": False,
            "required": ["schema_version", *required], "properties": {"schema_version": version, **required, **optional}}
