"""The cache of a facts directory: served when it matches, rebuilt when anything changes, never an error."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import fields
from pathlib import Path

import pytest

from alliance_cli import cache, model, store
from alliance_cli.query import Filters, claims_about


@pytest.fixture
def cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, facts_copy: Path) -> Path:
    """Caching on (conftest turns it off), in a cache directory of this test; returns that directory."""
    monkeypatch.delenv("ALLIANCE_NO_CACHE", raising=False)
    monkeypatch.setenv("ALLIANCE_FACTS", str(facts_copy))
    monkeypatch.setenv("ALLIANCE_CACHE_DIR", str(tmp_path / "cache"))
    # The files were copied a moment ago; a real run would not trust them to a cache for two seconds.
    monkeypatch.setattr(cache, "SETTLE_NS", 0)
    return tmp_path / "cache"


def _cache_files(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("*.sqlite")) if cache_dir.is_dir() else []


def _served_from_cache(dataset: model.Dataset) -> bool:
    return isinstance(dataset.claims, cache.IndexedClaims) and not dataset.claims.loaded_from_files


def test_a_run_that_writes_the_cache_searches_its_tables_not_a_second_index_in_memory(cached, facts_copy, monkeypatch):
    monkeypatch.setattr(cache, "memory_index", lambda *a: pytest.fail("built the search index again in memory"))
    first = cache.load(facts_copy)
    assert isinstance(first.claims, cache.IndexedClaims) and first.claims.loaded_from_files
    assert dict(first.claims_by_id) == dict(store.load(facts_copy).claims_by_id)
    found = cache.index(first).claims(cache.Selection(match='"trade"'), order="rank", limit=3)
    assert [c.id for c in found] and all(c in first.claims for c in found)
    assert _served_from_cache(cache.load(facts_copy))  # and the next run reads it


def _same(a: model.Dataset, b: model.Dataset) -> None:
    assert tuple(a.claims) == tuple(b.claims)
    assert a.sources == b.sources and list(a.sources) == list(b.sources)
    assert a.entities == b.entities and list(a.entities) == list(b.entities)
    assert dict(a.claims_by_id) == dict(b.claims_by_id)


def _edit(path: Path, old: str, new: str) -> None:
    time.sleep(0.02)  # past one tick of the file system's clock, as any human edit is
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_second_run_is_served_from_the_cache_with_the_same_dataset(cached, facts_copy):
    first = cache.load(facts_copy)
    assert not _served_from_cache(first) and len(_cache_files(cached)) == 1
    second = cache.load(facts_copy)
    assert _served_from_cache(second)
    _same(second, store.load(facts_copy))


def test_cached_claims_are_read_by_id_without_reading_the_rest(cached, facts_copy):
    cache.load(facts_copy)
    ds = cache.load(facts_copy)
    assert ds.claims_by_id["borduria-pact-2023"].treaty.mutual_defense is True
    assert ds.claims_by_id.get("no-such-claim") is None and "no-such-claim" not in ds.claims_by_id
    assert ds.claims._all is None  # nothing read in bulk


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(kinds=("treaty",)),
        Filters(kinds=("treaty",), year=2023),
        Filters(kinds=("trade", "troops")),
        Filters(parties=("borduria",)),
        Filters(parties=("ruritania", "borduria"), since="2023-03"),
        Filters(year=2024),
        Filters(since="2022", until="2023-06-30"),
        Filters(until="2021"),
        Filters(parties=("syldavia",)),
        Filters(search="pact"),
    ],
)
def test_filters_give_the_same_claims_from_the_cache(cached, facts_copy, filters):
    cache.load(facts_copy)
    from_cache, from_files = cache.load(facts_copy), store.load(facts_copy)
    assert _served_from_cache(from_cache)
    assert filters.apply(from_cache) == filters.apply(from_files)


def test_claims_about_every_entity_are_the_same_from_the_cache(cached, facts_copy):
    cache.load(facts_copy)
    from_cache, from_files = cache.load(facts_copy), store.load(facts_copy)
    for entity in from_files.entities.values():
        assert claims_about(from_cache, entity) == claims_about(from_files, entity)


def test_editing_a_claim_is_seen_on_the_next_run(cached, facts_copy, run):
    assert "9 billion" in run("show", "borduria").stdout
    assert "9 billion" in run("show", "borduria").stdout  # from the cache
    _edit(facts_copy / "claims" / "borduria.yaml", "was 9 billion", "was 10 billion")
    result = run("show", "borduria")
    assert result.exit_code == 0, result.stderr
    assert "was 10 billion" in result.stdout and "was 9 billion" not in result.stdout


def test_an_edit_that_keeps_size_and_mtime_is_seen(cached, facts_copy, run):
    path = facts_copy / "claims" / "borduria.yaml"
    assert "was 9 billion" in run("show", "borduria").stdout
    before = path.stat()
    _edit(path, "was 9 billion", "was 8 billion")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `cp -p` or `rsync -t` would leave it
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    assert "was 8 billion" in run("show", "borduria").stdout


def test_an_invalid_edit_is_reported_not_hidden_by_the_cache(cached, facts_copy, run):
    assert run("show", "borduria").exit_code == 0
    _edit(facts_copy / "claims" / "borduria.yaml", "kind: trade", "kind: tarde")
    result = run("show", "borduria")
    assert result.exit_code == 1 and "borduria.yaml" in result.stderr


def test_adding_a_claims_file_is_seen(cached, facts_copy, run):
    assert "borduria-visit-2025" not in run("show", "borduria").stdout
    time.sleep(0.02)
    (facts_copy / "claims" / "visits.yaml").write_text(
        "claims:\n"
        "  - id: borduria-visit-2025\n"
        "    kind: diplomacy\n"
        "    parties: [ruritania, borduria]\n"
        "    date: 2025-01\n"
        "    statement: Ruritania's king visited Borduria.\n"
        "    citations:\n"
        "      - source: alpha-report\n"
        "        quote: The king visited.\n",
        encoding="utf-8",
    )
    assert "borduria-visit-2025" in run("show", "borduria").stdout


def test_removing_a_claims_file_is_seen(cached, facts_copy, run):
    assert "borduria-troops-500" in run("show", "borduria").stdout
    (facts_copy / "claims" / "troops.yaml").unlink()
    result = run("show", "borduria")
    assert result.exit_code == 0, result.stderr
    assert "borduria-troops-500" not in result.stdout and "borduria-pact-2023" in result.stdout


def test_each_facts_directory_has_its_own_cache(cached, facts_copy, tmp_path, run):
    other = tmp_path / "other"
    shutil.copytree(facts_copy, other)
    _edit(other / "claims" / "borduria.yaml", "was 9 billion", "was 7 billion")
    assert "was 9 billion" in run("show", "borduria").stdout
    assert "was 7 billion" in run("--facts", str(other), "show", "borduria").stdout
    assert "was 9 billion" in run("show", "borduria").stdout
    assert len(_cache_files(cached)) == 2


@pytest.mark.parametrize("how", ["option", "env"])
def test_no_cache_neither_reads_nor_writes_the_cache(cached, facts_copy, run, monkeypatch, how):
    args = ["--no-cache"] if how == "option" else []
    if how == "env":
        monkeypatch.setenv("ALLIANCE_NO_CACHE", "1")
    result = run(*args, "show", "borduria")
    assert result.exit_code == 0 and "borduria-pact-2023" in result.stdout
    assert _cache_files(cached) == []
    monkeypatch.delenv("ALLIANCE_NO_CACHE", raising=False)
    run("show", "borduria")  # now a cache exists, and must be left unread
    if how == "env":
        monkeypatch.setenv("ALLIANCE_NO_CACHE", "1")

    def unread(*a, **k):
        raise AssertionError("the cache was read")

    monkeypatch.setattr(cache, "_open", unread)
    result = run(*args, "show", "borduria")
    assert result.exit_code == 0, result.stderr


def test_a_missing_cache_directory_is_created(cached, facts_copy, run, monkeypatch, tmp_path):
    deep = tmp_path / "not" / "yet" / "there"
    monkeypatch.setenv("ALLIANCE_CACHE_DIR", str(deep))
    assert run("show", "borduria").exit_code == 0
    assert len(_cache_files(deep)) == 1


def test_a_cache_directory_that_cannot_be_created_is_not_an_error(cached, facts_copy, run, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("ALLIANCE_CACHE_DIR", str(blocker / "cache"))
    for _ in range(2):
        result = run("show", "borduria")
        assert result.exit_code == 0 and result.stderr == ""
        assert "borduria-pact-2023" in result.stdout


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, which root ignores")
def test_a_read_only_cache_directory_is_not_an_error(cached, facts_copy, run):
    cached.mkdir()
    cached.chmod(0o500)
    try:
        result = run("show", "borduria")
        assert result.exit_code == 0 and result.stderr == ""
        assert _cache_files(cached) == []
    finally:
        cached.chmod(0o700)


@pytest.mark.parametrize("damage", ["garbage", "empty", "truncated", "other-schema"])
def test_a_damaged_cache_file_is_ignored_and_rebuilt(cached, facts_copy, run, damage):
    expected = run("show", "borduria").stdout
    [path] = _cache_files(cached)
    if damage == "garbage":
        path.write_bytes(b"this is not a database\n" * 100)
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    else:
        path.unlink()
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE meta (name TEXT, value BLOB)")
        con.execute("INSERT INTO meta VALUES ('key', 'x')")
        con.commit()
        con.close()
    result = run("show", "borduria")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == expected
    assert _served_from_cache(cache.load(facts_copy))  # rebuilt by that run (or served, if it still could be)
    assert run("show", "borduria").stdout == expected


def test_a_cache_that_fails_mid_run_falls_back_to_the_files(cached, facts_copy):
    cache.load(facts_copy)
    ds = cache.load(facts_copy)
    assert _served_from_cache(ds)
    ds.claims._con.close()  # as if the file failed under us
    assert tuple(ds.claims) == store.load(facts_copy).claims


def test_files_changed_just_now_are_not_trusted_to_the_cache(cached, facts_copy, monkeypatch):
    monkeypatch.setattr(cache, "SETTLE_NS", 2_000_000_000)
    cache.load(facts_copy)
    assert _cache_files(cached) == []  # a same-tick edit could otherwise keep its mtime and size


def test_every_nested_record_of_a_claim_is_known_to_the_cache():
    records = {cls.__name__ for cls in (model.Citation, model.Quantity, model.Treaty, model.LintException, model.Source, model.Entity)}
    nested = {f.name for f in fields(model.Claim) if any(name in str(f.type) for name in records)}
    assert nested == set(cache._NESTED)


def test_a_cached_run_imports_nothing_only_validation_needs(cached, facts_copy, run):
    run("show", "borduria")
    code = (
        "import sys\n"
        "from alliance_cli.cli import app\n"
        "app(['show', 'borduria'], standalone_mode=False)\n"
        "heavy = sorted(m for m in ('yaml', 'pydantic', 'pydantic_core', 'annotated_types', 'rich.table') if m in sys.modules)\n"
        "sys.exit(f'imported {heavy}' if heavy else 0)\n"
    )
    env = {**os.environ, "ALLIANCE_CACHE_DIR": str(cached), "ALLIANCE_FACTS": str(facts_copy)}
    # SETTLE_NS is 0 only in this process: the cache written above was trusted by it.
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "borduria-pact-2023" in result.stdout


@pytest.mark.parametrize(
    "env",
    [
        {"XDG_CACHE_HOME": "/tmp/xdg-cache"},
        {"XDG_CACHE_HOME": "/tmp/xdg-cache/"},
        {"XDG_CACHE_HOME": "relative/cache", "HOME": "/home/someone"},
        {"XDG_CACHE_HOME": "", "HOME": "/home/someone"},
        {"HOME": "/home/someone/"},
        {"HOME": "relative-home"},
        {"HOME": ""},
    ],
)
def test_the_cache_directory_is_the_one_platformdirs_gives(monkeypatch, env):
    from platformdirs import user_cache_path

    monkeypatch.delenv("ALLIANCE_CACHE_DIR", raising=False)
    for name in ("XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cache.cache_dir() == user_cache_path("alliance-cli", appauthor=False)


def test_a_write_abandoned_long_ago_is_cleaned_up(cached, facts_copy):
    cache.load(facts_copy)
    [path] = _cache_files(cached)
    old, recent = path.with_name(f".{path.name}.abc.tmp"), path.with_name(f".{path.name}.def.tmp")
    for tmp in (old, recent):
        tmp.write_bytes(b"half a database")
    os.utime(old, (time.time() - 7200, time.time() - 7200))  # two hours ago: its writer is long gone
    path.unlink()
    cache.load(facts_copy)
    assert not old.exists() and recent.exists()  # a recent one may belong to a run still writing
    assert len(_cache_files(cached)) == 1


def test_a_relative_cache_directory_works(cached, facts_copy, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ALLIANCE_CACHE_DIR", "relative-cache")
    cache.load(facts_copy)
    assert _served_from_cache(cache.load(facts_copy))
    assert len(_cache_files(tmp_path / "relative-cache")) == 1


def test_many_filters_over_a_generated_dataset_give_the_same_claims_from_the_cache(cached, tmp_path):
    """The index only narrows: over a few hundred synthetic claims (partial dates, end dates, several
    parties) every combination of party, kind and date filters picks the same claims with or without it."""
    import importlib.util
    import random

    spec = importlib.util.spec_from_file_location("generate", Path(__file__).parents[1] / "benchmarks" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    facts = tmp_path / "generated"
    generate.generate(400, facts)
    cache.load(facts)
    from_cache, from_files = cache.load(facts), store.load(facts)
    assert _served_from_cache(from_cache)
    rng = random.Random(6)
    parties = sorted(from_files.entities)
    dates = [None, "1995", "2003-02", "2010-06-15", "2024", "2024-12", "2025-01-01"]
    for _ in range(300):
        filters = Filters(
            parties=tuple(rng.sample(parties, rng.choice([0, 0, 1, 2]))),
            kinds=tuple(rng.sample(model.CLAIM_KINDS, rng.choice([0, 0, 1, 3]))),
            since=rng.choice(dates),
            until=rng.choice(dates),
            year=rng.choice([None, None, 1999, 2024]),
        )
        assert filters.apply(from_cache) == filters.apply(from_files), filters
        assert filters.undated_left_out(from_cache) == filters.undated_left_out(from_files), filters
    for entity in from_files.entities.values():
        assert claims_about(from_cache, entity) == claims_about(from_files, entity)


# ---- a cache altered after it was written is never served --------------------------------------

COMMANDS = [
    ("export", "--format", "json"),
    ("show", "borduria"),
    ("claims", "--kind", "trade"),
    ("claims", "--kind", "troops", "--party", "ruritania"),
    ("claims", "--year", "2023"),
    ("claims", "--since", "2024"),
    ("treaties", "--until", "2023-12"),
    ("claim", "borduria-troops-500"),
    ("cite", "borduria-pact-2023"),
    ("claim", "borduria-troops-50"),
]
# Text that sits in the claim rows, their index columns, the parties table, the SQL indexes and
# the meta rows (sources, entities, counts, the list of ids).
MARKERS = [b"about 500 troops", b"2,000", b"Alpha Report", b"Syldavia", b"borduria-troops-500", b"borduria",
           b"ruritania", b"troops", b"trade", b"treaty", b"2023-03-03", b"2023-12-31", b"2024-10-01", b"2024-10-31",
           b"2021-01-01", b"friendship pact", b"45c1d4bf"]


def _expected(run) -> list:
    return [(r.exit_code, r.stdout, r.stderr) for r in (run("--no-cache", *c) for c in COMMANDS)]


def _offsets(data: bytes) -> list[int]:
    found = set()
    for marker in MARKERS:
        start = data.find(marker)
        for _ in range(4):  # a byte in the middle of the first occurrences: rows, indexes, meta
            if start == -1:
                break
            found.add(start + len(marker) // 2)
            start = data.find(marker, start + 1)
    return sorted(found)


def test_a_byte_altered_anywhere_in_the_data_is_never_served(cached, facts_copy, run):
    expected = _expected(run)
    run("claims")
    [path] = _cache_files(cached)
    original = path.read_bytes()
    offsets = _offsets(original)
    assert len(offsets) > 40
    for n, offset in enumerate(offsets):
        altered = bytearray(original)
        altered[offset] ^= 0x01  # "troops" becomes "trooqs", "2023" becomes "3023", ...
        # Each alteration is read in bulk and through two of the index lookups, in turn.
        for i in (0, 1 + n % (len(COMMANDS) - 1), 1 + (n + 4) % (len(COMMANDS) - 1)):
            command, want = COMMANDS[i], expected[i]
            path.write_bytes(altered)
            result = run(*command)
            assert (result.exit_code, result.stdout, result.stderr) == want, (offset, original[offset - 8:offset + 8], command)


def test_an_edited_cache_fails_its_seal_and_is_rebuilt_at_once(cached, facts_copy, run):
    expected = run("claim", "borduria-troops-500").stdout
    [path] = _cache_files(cached)
    path.write_bytes(path.read_bytes().replace(b"about 500 troops", b"about 900 troops"))
    assert run("claim", "borduria-troops-500").stdout == expected  # served from the files, not the cache
    assert b"about 500 troops" in path.read_bytes() and b"about 900 troops" not in path.read_bytes()  # rebuilt
    assert _served_from_cache(cache.load(facts_copy))


def _forge_stamp(path: Path) -> None:
    """Record the file's present stamp as checked: a change that left the stamp as it was (a bad disk)."""
    path.with_name(path.name + ".stamp").write_text(cache._stamp_of(path.stat()))


def test_a_row_damaged_under_an_unchanged_stamp_is_dropped_and_rebuilt(cached, facts_copy, run):
    expected = run("claim", "borduria-troops-500").stdout
    [path] = _cache_files(cached)
    path.write_bytes(path.read_bytes().replace(b"about 500 troops", b"about 900 troops"))
    _forge_stamp(path)  # the seal is not read again: the row's own checksum must catch it
    assert run("claim", "borduria-troops-500").stdout == expected  # served from the files, not the cache
    assert _cache_files(cached) == []  # dropped, then written anew by the next run
    assert run("claim", "borduria-troops-500").stdout == expected
    assert b"about 500 troops" in path.read_bytes() and b"about 900 troops" not in path.read_bytes()  # rebuilt
    assert _served_from_cache(cache.load(facts_copy))


def test_a_checked_cache_is_trusted_by_its_stamp_until_it_changes(cached, facts_copy, run, monkeypatch):
    run("claims")
    [path] = _cache_files(cached)
    stamp = path.with_name(path.name + ".stamp")
    assert not stamp.exists()  # too young to be trusted by its stamp: checked in full on every run
    monkeypatch.setattr(cache, "STAMP_SETTLE_NS", 0)
    time.sleep(0.02)  # past one tick of the file system's clock
    run("claims")
    assert stamp.read_text() == cache._stamp_of(path.stat())
    content_crc = cache._content_crc
    monkeypatch.setattr(cache, "_content_crc", lambda *a: pytest.fail("read the whole file again"))
    assert _served_from_cache(cache.load(facts_copy))
    monkeypatch.setattr(cache, "_content_crc", content_crc)
    original = path.read_bytes()
    time.sleep(0.02)
    path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))  # same size, one bit, in free space or not
    ds = cache.load(facts_copy)
    assert not _served_from_cache(ds)  # the stamp changed with the edit: the seal was read, and failed
    assert path.read_bytes() != original[:-1] + bytes([original[-1] ^ 1])  # written anew


def test_any_number_of_filter_values_is_served_from_the_cache(cached, facts_copy, run, monkeypatch):
    run("claims")
    expected = run("--no-cache", "claims", "--party", "ruritania", "--party", "borduria", "--kind", "trade").stdout
    monkeypatch.setattr(store, "load", lambda *a: pytest.fail("read the facts files instead of the cache"))
    args = ["--party", "ruritania", "--party", "Borduria", "--party", "borduria", "--kind", "trade"] * 1200
    result = run("claims", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected, "")
    assert len(_cache_files(cached)) == 1
    ds = cache.load(facts_copy)
    assert [c.id for c in ds.candidates(parties=["ruritania"] * 5000, kinds=list(model.CLAIM_KINDS) * 500)] == [
        c.id for c in ds.claims]


def test_a_byte_altered_at_random_in_the_file_is_never_served(cached, facts_copy, run):
    import random

    expected = _expected(run)[:2]  # a bulk read and a lookup by party
    run("claims")
    [path] = _cache_files(cached)
    original = path.read_bytes()
    for offset in random.Random(12).sample(range(len(original)), 60):  # pages, cells, rowids, free space
        altered = bytearray(original)
        altered[offset] ^= 0x10
        for command, want in zip(COMMANDS, expected):
            path.write_bytes(altered)
            result = run(*command)
            assert (result.exit_code, result.stdout, result.stderr) == want, (offset, command)


@pytest.mark.parametrize("kind", ["fifo", "folder", "garbage", "link to /dev/zero"])
def test_a_stamp_that_is_no_stamp_only_costs_a_full_check(cached, facts_copy, run, kind, monkeypatch):
    expected = run("claims").stdout
    [path] = _cache_files(cached)
    stamp = path.with_name(path.name + ".stamp")
    {"fifo": os.mkfifo, "folder": os.mkdir, "garbage": lambda p: p.write_bytes(b"\xff" * 100_000),
     "link to /dev/zero": lambda p: p.symlink_to("/dev/zero")}[kind](stamp)
    monkeypatch.setattr(cache, "STAMP_SETTLE_NS", 0)
    time.sleep(0.02)
    result = run("claims")
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected, "")
    assert _served_from_cache(cache.load(facts_copy))
