"""Fuzzed: valid claims survive YAML -> model -> JSON/CSV unchanged; any bytes or YAML load cleanly or fail cleanly."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from alliance_cli.errors import AllianceError
from alliance_cli.formats import FILE_FORMATS, OutputFormat, render
from alliance_cli.formats import csv as csv_format
from alliance_cli.formats import json as json_format
from alliance_cli.formats.datapackage import package
from alliance_cli.formats.sqlite import database
from alliance_cli.formats.view import UNSAFE, Listing, Rows, visible
from alliance_cli.model import CLAIM_KINDS, STATUSES, Citation, Claim, Quantity, Treaty
from alliance_cli.store import check, load
from conftest import MINI

# Modest by default so the whole suite stays quick; ALLIANCE_FUZZ_EXAMPLES=5000 fuzzes harder.
FUZZ = settings(max_examples=int(os.environ.get("ALLIANCE_FUZZ_EXAMPLES", "60")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

ENTITIES = ("ruritania", "borduria", "north-borduria", "syldavia", "zenda-pact")
SOURCES = ("alpha-report", "beta-bulletin")
MINI_CLAIMS = ("borduria-trade-2021", "borduria-troops-500")

# Any character a UTF-8 file can hold: surrogates cannot be encoded at all.
text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=60)
slugs = st.from_regex(r"p-[a-z0-9]{1,8}(-[a-z0-9]{1,5}){0,2}", fullmatch=True)
amounts = st.floats(min_value=0, max_value=1e300, allow_nan=False, allow_infinity=False)


@st.composite
def partial_dates(draw) -> str:
    day = draw(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
    return day.isoformat()[: draw(st.sampled_from([4, 7, 10]))]


@st.composite
def quantities(draw) -> Quantity:
    amount = draw(amounts)
    lower = draw(st.none() | st.floats(min_value=0, max_value=amount))
    upper = draw(st.none() | st.floats(min_value=amount, max_value=1e300))
    return Quantity(amount, draw(text), lower, upper, draw(st.booleans()))


@st.composite
def claims(draw) -> Claim:
    kind = draw(st.sampled_from(CLAIM_KINDS))
    status = draw(st.sampled_from(STATUSES))
    start = draw(st.none() | partial_dates())
    end = draw(st.none() | partial_dates()) if start else None
    if end and end < start:
        start, end = end, start  # same precision or not, the earlier text is never the later date
    if start and end and end[:4] == start[:4] and len(end) != len(start):
        end = None  # 2024 against 2024-05: whether one ends before the other is not the point here
    signed = draw(st.none() | st.just(start)) if start else None
    treaty = None
    if kind == "treaty":
        treaty = draw(st.none() | st.builds(
            Treaty, st.none() | text, st.just(signed), st.none() | text,
            st.lists(st.sampled_from(("defense", "offense", "neutrality", "nonaggression", "consultation")),
                     max_size=3).map(tuple),
            st.none() | st.booleans(),
        ))
    quotes = text.filter(lambda q: q.strip())
    return Claim(
        id=draw(slugs),
        kind=kind,
        parties=tuple(draw(st.lists(st.sampled_from(ENTITIES), min_size=1, max_size=3, unique=True))),
        statement=draw(text),
        citations=tuple(draw(st.lists(st.builds(Citation, st.sampled_from(SOURCES), quotes, st.none() | text),
                                      min_size=1, max_size=3))),
        date=start,
        end=end,
        status=status,
        asserted_by=tuple(draw(st.lists(st.sampled_from(ENTITIES), min_size=status == "alleged", max_size=2,
                                        unique=True))),
        denied_by=tuple(draw(st.lists(st.sampled_from(ENTITIES), min_size=status in ("denied", "disputed"),
                                      max_size=2, unique=True))),
        quantity=draw(st.none() | quantities()),
        treaty=treaty,
        related=tuple(draw(st.lists(st.sampled_from(MINI_CLAIMS), max_size=2, unique=True))),
    )


def _plain(value):
    """A model as the lists and mappings a person would write in YAML."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def facts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("fuzz") / "facts"
    shutil.copytree(MINI, target)
    return target


def _yaml(document) -> bytes:
    # PyYAML's emitter writes NEL, LS and PS raw inside quotes, where YAML reads them as line
    # breaks and folds them (a dumper bug, not the loader's); escaped, they come back exact.
    dumped = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    if any(ch in dumped for ch in "\x85\u2028\u2029"):
        dumped = yaml.safe_dump(document, allow_unicode=False, sort_keys=False)
    return dumped.encode()


def _write_claims(facts: Path, data: bytes) -> Path:
    path = facts / "claims" / "fuzz.yaml"
    path.write_bytes(data)
    return path


@FUZZ
@given(claim=claims())
def test_valid_claims_survive_yaml_model_json_and_csv(facts, claim):
    document = {"claims": [_plain(dataclasses.asdict(claim))]}
    _write_claims(facts, _yaml(document))
    ds = load(facts)
    loaded = ds.claims_by_id[claim.id]
    assert loaded == claim

    exported = json.loads(json_format.listing(Listing(ds, [loaded])))
    assert TypeAdapter(Claim).validate_python(exported["claims"][0]) == claim
    line = json.loads(json_format.listing_lines(Listing(ds, [loaded])))
    assert TypeAdapter(Claim).validate_python(line) == claim

    header, row = csv.reader(io.StringIO(csv_format.listing(Listing(ds, [loaded])), newline=""))
    cells = {name: (cell[1:] if cell.startswith("'") else cell) for name, cell in zip(header, row)}
    q, t = claim.quantity, claim.treaty
    assert cells["id"] == claim.id and cells["kind"] == claim.kind and cells["status"] == claim.status
    assert (cells["date"], cells["end"]) == (claim.date or "", claim.end or "")
    assert cells["statement"] == claim.statement
    assert json.loads(cells["parties"]) == list(claim.parties)
    assert json.loads(cells["quotes"]) == [c.quote for c in claim.citations]
    assert json.loads(cells["notes"]) == [c.note for c in claim.citations]
    assert cells["quantity_unit"] == (q.unit if q else "")
    assert (float(cells["quantity_amount"]) if q else None) == (q.amount if q else None)
    assert cells["treaty_name"] == (t.name or "" if t else "") and cells["treaty_place"] == (t.place or "" if t else "")


def _assert_clean(facts: Path) -> None:
    """Loading gives a dataset that every format can render, or problems that each name a file."""
    try:
        dataset, problems = check(facts)
    except AllianceError as e:  # a folder-level problem: still a clean, located error
        problems, dataset = list(e.problems), None
    if dataset is None:
        assert problems
        for p in problems:
            assert p.file and p.message and (p.line is None or p.line >= 1)
        return
    listing = Listing(dataset, list(dataset.claims), "title", everything=True)
    for fmt in (f for f in OutputFormat if f not in FILE_FORMATS):
        render(listing, fmt)
    database(listing)  # the formats that write files
    package(listing)


@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes_load_or_fail_cleanly(facts, data):
    _write_claims(facts, data)
    _assert_clean(facts)


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes_inside_a_record_load_or_fail_cleanly(facts, data):
    _write_claims(facts, b"claims:\n  - id: fuzz\n    statement: " + data + b"\n")
    _assert_clean(facts)


CLAIM_KEYS = [f.name for f in dataclasses.fields(Claim)] + ["amount", "unit", "source", "quote", "note", "signed"]
scalars = (st.none() | st.booleans() | st.integers() | st.floats() | text
           | st.sampled_from((*CLAIM_KINDS, *STATUSES, *ENTITIES, *SOURCES, *MINI_CLAIMS, "2024-02-30", "2024-06")))
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(CLAIM_KEYS) | text, inner, max_size=5),
    max_leaves=25,
)
records = st.dictionaries(st.sampled_from(CLAIM_KEYS), values, max_size=len(CLAIM_KEYS))


@FUZZ
@given(document=st.one_of(values, st.fixed_dictionaries({"claims": st.lists(records, max_size=3)})))
def test_random_yaml_documents_load_or_fail_cleanly(facts, document):
    _write_claims(facts, _yaml(document))
    _assert_clean(facts)


TROOPS = (MINI / "claims" / "troops.yaml").read_bytes()
edits = st.lists(
    st.tuples(st.integers(0, len(TROOPS)), st.integers(0, 3), st.sampled_from([b"", b" ", b"\t", b"\n", b":", b"-", b"'",
                                                                               b'"', b"[", b"{", b"&a", b"*a", b"#", b"\xff"])),
    min_size=1, max_size=4,
)


@FUZZ
@given(changes=edits)
def test_hand_edited_facts_files_load_or_fail_cleanly(facts, changes):
    # What a slip of the keyboard or a bad merge does: a few bytes cut or put in somewhere.
    (facts / "claims" / "fuzz.yaml").unlink(missing_ok=True)  # left by the tests above
    data = TROOPS
    for at, cut, put in changes:
        data = data[:at] + put + data[at + cut:]
    (facts / "claims" / "troops.yaml").write_bytes(data)
    try:
        _assert_clean(facts)
    finally:
        (facts / "claims" / "troops.yaml").write_bytes(TROOPS)


yaml_ish = st.text(st.sampled_from(list("claims:-[]{}&*!|>'\"#%@`,?\t\n abc12\\")), max_size=200)


@FUZZ
@given(source=yaml_ish)
def test_random_yaml_syntax_loads_or_fails_cleanly(facts, source):
    _write_claims(facts, ("claims:\n" + source).encode())
    _assert_clean(facts)


@FUZZ
@given(value=st.text(max_size=40))
def test_json_text_is_exact_and_inert(value):
    dumped = json_format.rows(Rows(("v",), [(value,)]))
    assert json.loads(dumped) == {"schema_version": "2.0", "rows": [{"v": value}]}
    assert UNSAFE.search(dumped) is None


@FUZZ
@given(value=st.text(max_size=40))
def test_visible_text_holds_no_unsafe_character(value):
    assert UNSAFE.search(visible(value).replace("\n", "")) is None


@FUZZ
@given(value=text)
def test_csv_neutralize_is_reversible(value):
    cell = csv_format.neutralize(value)
    assert (cell[1:] if cell.startswith("'") else cell) == value
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


# Numbers as a person might type them, in every form YAML 1.1 reads: decimals, exponents, octal,
# hexadecimal, binary, base 60, underscores, signs, lone points, and more digits than a float holds.
digits = st.text(st.sampled_from("0123456789"), min_size=1, max_size=22)
number_forms = st.one_of(
    digits,
    st.builds(lambda a, b: f"{a}.{b}", digits, digits),
    st.builds(lambda a, b, s, e: f"{a}.{b}e{s}{e}", digits, digits, st.sampled_from("+-"), st.integers(0, 400)),
    st.builds(lambda s, body: s + body, st.sampled_from(["", "-", "+"]), st.one_of(
        st.builds(lambda d: f"0{d}", digits),
        st.builds(lambda n: f"0x{n:X}", st.integers(0, 2**70)),
        st.builds(lambda n: f"0b{n:b}", st.integers(0, 2**70)),
        st.builds(lambda a, b: f"{a}:{b:02d}", st.integers(1, 10**6), st.integers(0, 59)),
        st.builds(lambda a, b: f"{a}_{b}", digits, digits),
        st.builds(lambda d: f"{d}.", digits),
        st.builds(lambda d: f".{d}", digits),
    )),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-(2**80), 2**80).map(str),
    # The forms past YAML 1.1's own: YAML 1.2 octal, any case, exponents without a point or a sign,
    # doubled underscores, the special values, digits of other scripts, separators of thousands.
    st.builds(lambda p, n: f"{p}{n:o}", st.sampled_from(["0o", "0O"]), st.integers(0, 2**40)),
    st.builds(lambda n: f"0X{n:x}", st.integers(0, 2**40)),
    st.builds(lambda a, e, s, x: f"{a}{e}{s}{x}", digits, st.sampled_from("eE"), st.sampled_from(["", "+", "-"]),
              st.integers(0, 30)),
    st.builds(lambda a, b, e, s, x: f"{a}.{b}{e}{s}{x}", digits, digits, st.sampled_from("eE"),
              st.sampled_from(["", "+", "-"]), st.sampled_from(["0", "00", "7", "07", "23", "400"])),
    st.builds(lambda a, b: f"{a}__{b}", digits, digits),
    st.sampled_from([".inf", "+.inf", "-.Inf", ".INF", ".nan", ".NaN", "0.", "-.5", "0e0", "1,000", "1 000", "1\u2009000",
                     "\uff11\uff17", "\u0663", "\u0661\u0667"]),
)
# The same, with an explicit tag: `!!int "017"` must be read no more loosely than `017`.
tagged_number_forms = number_forms.flatmap(
    lambda n: st.sampled_from([n, f'!!int "{n}"', f'!!float "{n}"', f"!!float {n}", f"!!str {n}"]))


def _check_with_figure(facts: Path, written: str):
    (facts / "claims" / "fuzz.yaml").unlink(missing_ok=True)  # left by the tests above
    troops = facts / "claims" / "troops.yaml"
    original = MINI.joinpath("claims", "troops.yaml").read_text()
    troops.write_text(original.replace("amount: 2000,", f"amount: {written},"))
    try:
        return check(facts)
    finally:
        troops.write_text(original)


@FUZZ
@given(written=tagged_number_forms)
def test_a_figure_is_refused_or_kept_exactly_as_written(facts, written):
    from decimal import Decimal

    from alliance_cli.formats.view import quantity_text

    dataset, problems = _check_with_figure(facts, written)
    if dataset is None:  # refused, at the line of the figure, as a problem with the figure
        # (`{amount: 1,000, unit: troops}` is the amount 1 and a key 000: the quantity is refused)
        assert [p.line for p in problems] == [10] and problems[0].field.startswith("quantity"), problems
        return
    number = written.rpartition(" ")[2].strip('"') if written.startswith("!!") else written
    claim = dataset.claims_by_id["borduria-troops-2000"]
    assert Decimal(repr(claim.quantity.amount)) == Decimal(number)
    shown = quantity_text(claim).split()[0].replace(",", "")
    assert Decimal(shown) == Decimal(number)


@FUZZ
@given(written=number_forms)
def test_the_way_to_write_a_refused_figure_is_accepted_as_that_figure(facts, written):
    # `1e-7` is text to YAML 1.1; the message must not offer `1e-07`, which is text as well.
    import re
    from decimal import Decimal

    dataset, problems = _check_with_figure(facts, written)
    offered = re.search(r"write (\S+?),? (?:or|without quotes)", str(problems[0])) if dataset is None else None
    if offered is None:
        return
    from alliance_cli.yamlfile import read_yaml

    (facts / "offered.yaml").write_text(f"amount: {offered[1]}\n")
    amount = read_yaml(facts / "offered.yaml")["amount"]  # raises if refused
    assert not isinstance(amount, str) and Decimal(repr(amount)) == Decimal(offered[1]), (written, offered[1])


@FUZZ
@given(written=st.sampled_from(["yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "n",
                                "true", "True", "TRUE", "false", "False", "FALSE", '"true"', "1", "0", "~", "null"]),
       field=st.sampled_from(["approximate", "unit"]))
def test_a_flag_is_true_or_false_as_written_or_refused(facts, written, field):
    # YAML 1.1's yes/no/on/off are text to YAML 1.2: neither a flag nor a text may silently take them.
    troops = facts / "claims" / "troops.yaml"
    original = MINI.joinpath("claims", "troops.yaml").read_text()
    (facts / "claims" / "fuzz.yaml").unlink(missing_ok=True)
    values = {"unit": "troops", "approximate": "true", field: written}
    troops.write_text(original.replace("unit: troops, approximate: true",
                                       f"unit: {values['unit']}, approximate: {values['approximate']}"))
    try:
        dataset, problems = check(facts)
    finally:
        troops.write_text(original)
    if dataset is None:
        assert [(p.line, p.field) for p in problems] == [(22, f"quantity.{field}")], problems
        return
    quantity = dataset.claims_by_id["borduria-troops-500"].quantity
    if field == "approximate":
        assert written.lower() in ("true", "false") and quantity.approximate is (written.lower() == "true")
    else:
        assert quantity.unit == written.strip("\"")


@FUZZ
@given(values=st.lists(st.none() | st.text(max_size=20), max_size=5))
def test_json_array_cells_are_json_exactly(values):
    from alliance_cli.formats.view import json_array

    assert json_array(values) == json.dumps(values, ensure_ascii=False)
    assert json.loads(json_array(tuple(values))) == values
