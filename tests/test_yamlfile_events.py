"""yamlfile builds documents straight from the parser's events: the same values, lines and refusals,
in the same order, as composing nodes and constructing them would give (pinned from that version)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from alliance_cli.errors import AllianceError
from alliance_cli.yamlfile import LineDict, LineList, read_yaml


def _read(tmp_path: Path, text: str):
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    return read_yaml(path, "f.yaml")


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: [1, 2.5, true, null, ~, '2024', x, 0x1F, 1_000, .inf, yes, NO, '']\n",
        "- a\n- b: [c, {d: e}]\n- []\n- {}\n",
        "x: !!int '12'\ny: !!float 1\nz: !!null ''\nw: !!str 5\n",
        "a: {b: {c: {d: [1, [2, [3]]]}}}\n",
        "a: &anchor-alone 1\n",
        "plain scalar document\n",
    ],
)
def test_values_match_pyyaml_safe_load(tmp_path, text):
    assert _read(tmp_path, text) == yaml.safe_load(text)


def test_an_empty_file_is_nothing(tmp_path):
    assert _read(tmp_path, "") is None
    assert _read(tmp_path, "# only a comment\n") is None


def test_dates_stay_text(tmp_path):
    doc = _read(tmp_path, "a: 2024-06-19\nb: !!timestamp 2024-01-01\nc: 2024-06\nd: 2024\n")
    assert doc == {"a": "2024-06-19", "b": "2024-01-01", "c": "2024-06", "d": 2024}


def test_every_mapping_and_list_knows_its_lines(tmp_path):
    doc = _read(tmp_path, "claims:\n  - id: a\n    parties: [x,\n      y]\n    q: {n: 1}\n  - id: b\n")
    assert isinstance(doc, LineDict) and doc.line == 1 and doc.lines == {"claims": 1}
    claims = doc["claims"]
    assert isinstance(claims, LineList) and claims.line == 2 and claims.lines == [2, 6]
    assert claims[0].lines == {"id": 2, "parties": 3, "q": 5}
    assert claims[0]["parties"].line == 3 and claims[0]["parties"].lines == [3, 4]
    assert claims[0]["q"].line == 5 and claims[0]["q"].lines == {"n": 5}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &x 1\nb: &x 2\n",
         "f.yaml:2: YAML syntax: second occurrence (found duplicate anchor 'x'; first occurrence at line 1)"),
        ("a: 1\n---\nb: 2\n",
         "f.yaml:2: YAML syntax: but found another document (expected a single document in the stream at line 1)"),
        ("a: 1\n<<: {b: 2}\n", "f.yaml:2: YAML merge keys ('<<') are not supported"),
        ("? !!merge a\n: 1\n", "f.yaml:1: YAML merge keys ('<<') are not supported"),
        ("claims: 1\n2: x\n", "f.yaml:2: a key must be a name, not 2"),
        ("~: x\n", "f.yaml:1: a key must be a name, not None"),
        ("? [a]\n: x\n", "f.yaml:1: a key must be a name, not ['a']"),
        ("a: 1\nb: 2\na: 3\n", "f.yaml:3: duplicate key 'a' (first at line 1)"),
        ("a: !!map abc\n", "f.yaml:1: YAML tag '!!map' does not fit a scalar"),
        ("a: !!str [1]\n", "f.yaml:1: YAML tag '!!str' does not fit a sequence"),
        ("a: !!int abc\n", "f.yaml:1: cannot read 'abc' as !!int"),
        ("a: !!set {b}\n", "f.yaml:1: YAML tag '!!set' is not allowed: facts files hold only text, numbers, "
                           "true/false, null, lists and mappings"),
        ("[" * 33 + "]" * 33, "f.yaml:1: nested more than 32 levels deep"),
        # Problems with tags and keys are found after the whole document is read, as PyYAML constructs
        # after composing: a later syntax error or alias is what gets reported.
        ("a: !!binary x\nb: [unclosed\n",
         "f.yaml:3: YAML syntax: did not find expected ',' or ']' (while parsing a flow sequence at line 2)"),
        ("a: !!binary x\nb: &y 1\nc: *y\n", "f.yaml:3: YAML anchors and aliases are not supported"),
        ("a: 1\na: 2\nb: &y 1\nc: *y\n", "f.yaml:4: YAML anchors and aliases are not supported"),
    ],
)
def test_refusals_and_their_order(tmp_path, text, message):
    with pytest.raises(AllianceError) as e:
        _read(tmp_path, text)
    assert str(e.value) == message


def test_nesting_at_the_limit_is_read(tmp_path):
    assert _read(tmp_path, "[" * 32 + "]" * 32) == [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
