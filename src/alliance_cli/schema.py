"""JSON Schema of the facts files, generated from the models by pydantic."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .errors import UsageError
from .model import Claim, DatasetInfo, Entity, Source


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


FILES = {"claims": ClaimsFile, "sources": SourcesFile, "entities": EntitiesFile, "dataset": DatasetFile}
DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
_DATE_FIELDS = {"date", "end", "signed", "published"}


def json_schema(kind: str) -> str:
    from pydantic import TypeAdapter

    if kind.casefold() not in FILES:
        raise UsageError(f"no schema for {kind!r}; choose {', '.join(FILES)}")
    kind = kind.casefold()
    schema = TypeAdapter(FILES[kind]).json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    for definition in schema.get("$defs", {}).values():
        for name, prop in definition.get("properties", {}).items():
            if name in _DATE_FIELDS:
                prop["anyOf"] = [{"type": "string", "pattern": DATE_PATTERN}, {"type": "integer"}, {"type": "null"}]
    return json.dumps(schema, indent=2)
