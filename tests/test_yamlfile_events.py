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
        "a: 1\nb: [1, 2.5, true, null, ~, '2024', x, .inf, -.inf, 0, -7, 2.5e+3, True, FALSE, '']\n",
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
        ("a: !!int abc\n", "f.yaml:1: a: cannot read 'abc' as !!int"),
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


# Every form YAML 1.1 reads as a number other than the one written, and what the refusal says.
CHANGED_NUMBERS = {
    "017": '017 is octal to YAML 1.1 and would be read as 15; write 17, or "017" in quotes for text',
    "-017": '-017 is octal to YAML 1.1 and would be read as -15; write -17, or "-017" in quotes for text',
    "00": '00 is octal to YAML 1.1 and would be read as 0; write 0, or "00" in quotes for text',
    "0x1F": '0x1F is hexadecimal and would be read as 31; write 31, or "0x1F" in quotes for text',
    "0b11": '0b11 is binary and would be read as 3; write 3, or "0b11" in quotes for text',
    "1:30": '1:30 is base 60 (as for times) and would be read as 90; write 90, or "1:30" in quotes for text',
    "190:20:30.15": "190:20:30.15 is base 60 (as for times) and would be read as 685230.15; write 685230.15, "
                    'or "190:20:30.15" in quotes for text',
    "1_000": '1_000 would be read as 1000; write 1000, or "1_000" in quotes for text',
    "+5": '+5 would be read as 5; write 5, or "+5" in quotes for text',
    "+1.5": '+1.5 would be read as 1.5; write 1.5, or "+1.5" in quotes for text',
    "1.": '1. would be read as 1.0; write 1, or "1." in quotes for text',
    ".5": '.5 would be read as 0.5; write 0.5, or ".5" in quotes for text',
    "01.5": '01.5 would be read as 1.5; write 1.5, or "01.5" in quotes for text',
    "-0": '-0 is a negative zero; write 0, or "-0" in quotes for text',
    "-0.0": '-0.0 is a negative zero; write 0, or "-0.0" in quotes for text',
    "12345678901234567890": "12345678901234567890 is beyond the whole numbers a figure keeps exactly (up to "
                            "9,007,199,254,740,992) and would be read as 12345678901234567168; write it in a "
                            'larger unit (12.3 billion), or "12345678901234567890" in quotes for text',
    "9007199254740993": "9007199254740993 is beyond the whole numbers a figure keeps exactly (up to "
                        "9,007,199,254,740,992) and would be read as 9007199254740992; write it in a "
                        'larger unit (12.3 billion), or "9007199254740993" in quotes for text',
    "0.1234567890123456789": "0.1234567890123456789 has more significant digits than a figure keeps (about 15) "
                             "and would be read as 0.12345678901234568; round it, or "
                             '"0.1234567890123456789" in quotes for text',
    "1.0e+400": '1.0e+400 is beyond the numbers a figure can hold; write it in a larger unit, or "1.0e+400" '
                "in quotes for text",
    "!!int 017": '017 is octal to YAML 1.1 and would be read as 15; write 17, or "017" in quotes for text',
    # The way out is a form that reads back as the number: `1.5e-7`, not Python's `1.5e-07` (text to YAML 1.1)...
    '!!float "+1.5e-7"': '+1.5e-7 would be read as 1.5e-07; write 1.5e-7, or "+1.5e-7" in quotes for text',
    # ...and never a number that is refused in turn for its digits.
    "1000000__0000000000": "1000000__0000000000 would be read as 10000000000000000; write it in a larger unit "
                           '(12.3 billion), or "1000000__0000000000" in quotes for text',
    "0x1FFFFFFFFFFFFFFFFFFFF": "0x1FFFFFFFFFFFFFFFFFFFF is hexadecimal and would be read as 2417851639229258349412351; "
                               'write it in a larger unit (12.3 billion), or "0x1FFFFFFFFFFFFFFFFFFFF" in quotes for text',
}


@pytest.mark.parametrize("written", CHANGED_NUMBERS)
def test_a_number_yaml_would_change_is_refused_with_how_to_write_it(tmp_path, written):
    with pytest.raises(AllianceError) as e:
        _read(tmp_path, f"claims:\n  - id: x\n    quantity:\n      amount: {written}\n")
    assert str(e.value) == f"f.yaml:4: quantity.amount: {CHANGED_NUMBERS[written]}"


@pytest.mark.parametrize(
    ("written", "value"),
    [("0", 0), ("17", 17), ("-7", -7), ("9007199254740992", 2**53), ("244.8", 244.8), ("0.0", 0.0),
     ("6.02e+23", 6.02e23), ("1.0e-7", 1e-7), ("2.5E+3", 2500.0), ("0.10", 0.1)],
)
def test_a_number_written_in_decimals_is_read_as_written(tmp_path, written, value):
    assert _read(tmp_path, f"a: {written}\n") == {"a": value}


@pytest.mark.parametrize("written", ["08", "0o17", "1e3", "6.02e23", "0x", "1_000e3"])
def test_what_yaml_reads_as_text_stays_text(tmp_path, written):
    # The checks then refuse text where a number belongs (tests/test_bad_input.py).
    assert _read(tmp_path, f"a: {written}\n") == {"a": written}


def test_a_bad_number_in_a_list_is_named_by_its_place(tmp_path):
    with pytest.raises(AllianceError) as e:
        _read(tmp_path, "claims:\n  - id: x\n    parties: [a, 0x10]\n")
    assert str(e.value).startswith("f.yaml:3: parties[1]: 0x10 is hexadecimal and would be read as 16;")


@pytest.mark.parametrize(("written", "meant"), [("yes", "true"), ("No", "false"), ("ON", "true"), ("off", "false"),
                                                ('!!bool "yes"', "true")])
@pytest.mark.parametrize(("record", "place"), [("quantity:\n      approximate: {}", "4: quantity.approximate"),
                                               ("statement: {}", "3: statement")])
def test_yaml_1_1_true_and_false_are_refused(tmp_path, written, meant, record, place):
    # yes/no/on/off are booleans to YAML 1.1 (PyYAML) and text to YAML 1.2: one file, two readings.
    with pytest.raises(AllianceError) as e:
        _read(tmp_path, "claims:\n  - id: x\n    " + record.format(written) + "\n")
    text = written.rpartition(" ")[2].strip('"')
    assert str(e.value) == (f'f.yaml:{place}: {text} is {meant} to YAML 1.1 but text to YAML 1.2; write {meant}, '
                            f'or "{text}" in quotes for text')


def test_yaml_1_1_true_as_a_key_is_refused(tmp_path):
    with pytest.raises(AllianceError) as e:
        _read(tmp_path, "claims:\n  - id: x\n    quantity: {on: 1}\n")
    assert str(e.value) == 'f.yaml:3: quantity: on is true to YAML 1.1 but text to YAML 1.2; write true, or "on" in quotes for text'


@pytest.mark.parametrize(("written", "value"), [("true", True), ("True", True), ("FALSE", False), ('"yes"', "yes"),
                                                ("y", "y"), ("n", "n"), ("!!str off", "off")])
def test_true_and_false_as_json_writes_them_and_quoted_words_are_read_as_written(tmp_path, written, value):
    assert _read(tmp_path, f"a: {written}\n") == {"a": value}
