"""`alliance claims`: filters that combine, partial-date overlap, facets and limits."""

from __future__ import annotations

import pytest


def ids(result) -> list[str]:
    assert result.exit_code == 0, result.stderr
    claims, _, _ = result.stdout.partition("\n\n")
    return [line.split("\t")[0] for line in claims.splitlines()]


def test_claims_lists_every_claim_in_date_order_undated_last(run):
    assert ids(run("claims")) == [
        "borduria-trade-2021", "borduria-trade-2023", "borduria-pact-2023", "borduria-troops-500", "borduria-troops-2000",
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--year", "2023"], ["borduria-trade-2023", "borduria-pact-2023"]),
        (["--year", "2024"], ["borduria-troops-500"]),
        (["--since", "2023-06"], ["borduria-trade-2023", "borduria-troops-500"]),  # 2023 reaches June 2023
        (["--until", "2023-02"], ["borduria-trade-2021", "borduria-trade-2023"]),  # 2023 begins before March
        (["--since", "2023-03-03", "--until", "2023-03-03"], ["borduria-trade-2023", "borduria-pact-2023"]),
        (["--since", "2024-10-31"], ["borduria-troops-500"]),  # 2024-10 covers the 31st
        (["--since", "2024-11"], []),
    ],
)
def test_partial_dates_match_by_overlap(run, args, expected):
    assert ids(run("claims", *args)) == expected


def test_filters_combine(run):
    assert ids(run("claims", "--kind", "troops", "--status", "alleged", "--source", "alpha-report")) == [
        "borduria-troops-2000"
    ]
    assert ids(run("claims", "--kind", "trade", "--kind", "treaty", "--year", "2023")) == [
        "borduria-trade-2023", "borduria-pact-2023",
    ]
    assert ids(run("claims", "--party", "Syldavia")) == []  # Syldavia alleges, it is not a party
    assert ids(run("claims", "--party", "ruritania", "--party", "BO", "--contested")) == [
        "borduria-troops-500", "borduria-troops-2000",
    ]


def test_single_source_keeps_claims_resting_on_one_source(run):
    assert "borduria-pact-2023" not in ids(run("claims", "--single-source"))
    assert len(ids(run("claims", "--single-source"))) == 4


def test_search_covers_statements_quotes_and_names(run):
    assert ids(run("claims", "--search", "FRIENDSHIP")) == ["borduria-pact-2023"]
    assert ids(run("claims", "--search", "denies it")) == ["borduria-troops-2000"]  # only in the quote
    assert ids(run("claims", "--search", "strelsau")) == ids(run("claims"))  # an alias of a party


def test_limit(run):
    assert ids(run("claims", "--limit", "2")) == ["borduria-trade-2021", "borduria-trade-2023"]


def test_count_by_kind_plain_and_json(run):
    result = run("claims", "--count-by", "kind")
    assert result.stdout == "trade\t2\ntroops\t2\ntreaty\t1\n"
    result = run("claims", "--count-by", "party", "--format", "json")
    assert result.stdout == (
        '{\n  "schema_version": "2.0",\n  "counts": [\n    {\n      "party": "borduria",\n      "claims": 5\n    },\n'
        '    {\n      "party": "ruritania",\n      "claims": 5\n    }\n  ]\n}\n'
    )


def test_count_by_year_and_source_csv(run):
    assert run("claims", "--count-by", "year", "-f", "csv").stdout_bytes == (
        b"year,claims\r\n2021,1\r\n2023,2\r\n2024,1\r\nundated,1\r\n"
    )
    assert run("claims", "--count-by", "source").stdout == "alpha-report\t4\nbeta-bulletin\t2\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "tratey"], "--kind: unknown kind 'tratey'; did you mean 'treaty'?"),
        (["--status", "aleged"], "--status: unknown status 'aleged'; did you mean 'alleged'?"),
        (["--since", "2024-13"], "--since: '2024-13' has no month 13"),
        (["--until", "24-06-19"], "--until: '24-06-19' is not a date; write YYYY, YYYY-MM or YYYY-MM-DD"),
        (["--count-by", "knd"], "--count-by: cannot count by 'knd'; did you mean 'kind'?"),
    ],
)
def test_bad_filter_values_are_usage_errors(run, args, message):
    result = run("claims", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {message}")
    assert len(result.stderr.splitlines()) == 1


def test_unknown_party_and_source_suggest(run):
    result = run("claims", "--party", "syldava")
    assert (result.exit_code, result.stderr) == (3, "error: no entity 'syldava'; did you mean 'syldavia'?\n")
    result = run("claims", "--source", "alpha")
    assert (result.exit_code, result.stderr) == (3, "error: no source 'alpha'; did you mean 'alpha-report'?\n")
