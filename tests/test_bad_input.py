"""Broken facts directories: validate, show and export each refuse them with file:line messages."""

from __future__ import annotations

import os
import shutil
import stat
import tracemalloc
from pathlib import Path

import pytest

from alliance_cli import yamlfile
from alliance_cli.errors import AllianceError
from conftest import FIXTURES, MINI

BROKEN = FIXTURES / "broken"
BAD = "facts/claims/bad.yaml"
KINDS = ("treaty, trade, energy, economic-support, arms, technology, troops, military-cooperation, "
         "military-presence, membership, vote, diplomacy, summit, sanctions, defense-policy")

# Each folder under fixtures/broken and the problem lines every command prints for it.
EXPECTED = {
    "syntax-unclosed-quote": [
        f"{BAD}:5: YAML syntax: the quoted text that starts on this line is never closed (the file ends at line 9)",
    ],
    "syntax-bad-indentation": [
        f"{BAD}:4: YAML syntax: mapping values are not allowed in this context; "
        "is this line indented wrongly, or does a value contain ': ' and need quotes?",
    ],
    "merge-conflict": [
        f"{BAD}:5: unresolved merge conflict: keep one version and delete the <<<<<<<, ======= and >>>>>>> lines",
    ],
    "empty-file": [f"{BAD}:1: file is empty; expected a mapping with the key 'claims'"],
    "file-is-a-list": [f"{BAD}:1: expected a mapping with the key 'claims', found a list"],
    "records-are-a-mapping": [f"{BAD}:1: claims: expected a list of records, found a mapping"],
    "record-is-a-list": [f"{BAD}:2: claims[0]: expected a mapping, found a list"],
    "duplicate-key": [f"{BAD}:6: duplicate key 'statement' (first at line 5)"],
    "duplicate-claim-id": [
        "facts/claims/copy.yaml:2: id: duplicate claim id 'borduria-trade-2021' "
        "(first defined at facts/claims/borduria.yaml:29)",
    ],
    "wrong-types": [
        f"{BAD}:4: parties: expected a list, found the text 'ruritania'",
        f"{BAD}:5: statement: expected text, found the number 2023; put the value in quotes to keep it as written",
        f"{BAD}:6: quantity.amount: expected a number, found the text '12.5'; for the number, write 12.5 without quotes",
        f"{BAD}:6: quantity.approximate: expected true or false, found the text 'yes'",
    ],
    # YAML 1.1 reads NO as false (YAML 1.2 as text): refused with the way out, never stored as False.
    "norway-problem": [
        'facts/entities.yaml:32: iso2: NO is false to YAML 1.1 but text to YAML 1.2; write false, or "NO" in quotes for text',
    ],
    "unknown-key": [
        f"{BAD}:7: citations[0].quote: required field is missing",
        f"{BAD}:8: citations[0].qoute: unknown key; did you mean 'quote'?",
    ],
    "unknown-kind": [f"{BAD}:3: kind: 'treaties' is not one of: {KINDS}; did you mean 'treaty'?"],
    "unknown-status": [f"{BAD}:6: status: 'rumoured' is not one of: reported, alleged, denied, disputed"],
    "missing-fields": [
        f"{BAD}:2: statement: required field is missing",
        f"{BAD}:2: citations: required field is missing",
    ],
    "empty-lists": [
        f"{BAD}:4: parties: must not be empty",
        f"{BAD}:5: statement: must not be empty",
        f"{BAD}:6: citations: must not be empty",
    ],
    "date-not-in-calendar": [f"{BAD}:5: date: '2024-02-30' is not a day of the calendar"],
    "date-month-13": [f"{BAD}:5: date: '2024-13' has no month 13"],
    "date-two-digit-year": [f"{BAD}:5: date: '24-06-19' is not a date; write YYYY, YYYY-MM or YYYY-MM-DD"],
    "date-year-zero": [f"{BAD}:5: date: '0000' has no year 0000"],
    "end-before-start": [f"{BAD}:6: end: ends (2023) before it starts (2024-06)"],
    "quantity-negative": [f"{BAD}:6: quantity.amount: must be a finite number of at least 0, not -12.5"],
    "quantity-nan": [f"{BAD}:6: quantity.amount: must be a finite number of at least 0, not nan"],
    "quantity-infinite": [f"{BAD}:6: quantity.amount: must be a finite number of at least 0, not inf"],
    "bounds-exclude-amount": [
        f"{BAD}:6: quantity.lower: lower bound 600 is above the amount 500",
        f"{BAD}:6: quantity.upper: upper bound 400 is below the amount 500",
    ],
    "dangling-references": [
        f"{BAD}:4: parties[1]: unknown entity 'bordurai'; did you mean 'borduria'?",
        f"{BAD}:7: asserted_by[0]: unknown entity 'atlantis'",
        f"{BAD}:10: citations[0].source: unknown source 'gamma-gazette'",
        f"{BAD}:8: related[0]: unknown claim 'borduria-troops-50'; did you mean 'borduria-troops-500'?",
    ],
    # The claim that fails is reported once; the claim that names it is not told it does not exist.
    "invalid-claim-is-not-unknown": [f"{BAD}:3: kind: 'trades' is not one of: {KINDS}; did you mean 'trade'?"],
    # One typo in sources.yaml, not one "unknown source" per citation after it.
    "broken-sources-file": [
        "facts/sources.yaml:3: YAML syntax: the quoted text that starts on this line is never closed "
        "(the file ends at line 7)",
    ],
    "python-tag": [
        f"{BAD}:5: YAML tag '!!python/object/apply:os.system' is not allowed: "
        "facts files hold only text, numbers, true/false, null, lists and mappings",
    ],
    "binary-tag": [
        f"{BAD}:5: YAML tag '!!binary' is not allowed: facts files hold only text, numbers, true/false, null, lists and mappings",
    ],
    "alias": [f"{BAD}:11: YAML anchors and aliases are not supported"],
}

CLAIM = """\
claims:
  - id: bad-bytes
    kind: trade
    parties: [ruritania]
    statement: Trade grew in 2023 (café talks).
    citations:
      - source: alpha-report
        quote: Trade between them reached $12.5 billion in 2023
"""

# Bytes better built here than committed: (files, the problem lines).
GENERATED = {
    "syntax-tab": (
        {"claims/bad.yaml": b"claims:\n  - id: bad-tab\n\tkind: trade\n"},
        [f"{BAD}:3: YAML syntax: found a tab character that violates indentation "
         "(while scanning a plain scalar at line 2); YAML indents with spaces only, never tabs"],
    ),
    "not-utf8": (
        {"claims/bad.yaml": CLAIM.encode("latin-1")},
        [f"{BAD}:5: not UTF-8 text (byte 0xe9 at column 39)"],
    ),
    "utf16": ({"claims/bad.yaml": CLAIM.encode("utf-16")}, [f"{BAD}:1: UTF-16 text; save the file as UTF-8"]),
    "raw-control-character": (
        {"claims/bad.yaml": CLAIM.replace("(café talks)", "\x1b[2J").encode()},
        [f'{BAD}:5: control character U+001B is not allowed in YAML; write it as the escape "\\u001b" inside double quotes'],
    ),
    # libyaml's own composer recursed on this until the interpreter crashed.
    "deep-nesting": ({"claims/bad.yaml": b"claims: " + b"[" * 100_000}, [f"{BAD}:1: nested more than 32 levels deep"]),
    # YAML 1.1 reads these as other numbers than the ones written: refused, whatever the field.
    "octal-amount": (
        {"claims/bad.yaml": (CLAIM + "    quantity: {amount: 017, unit: troops}\n").encode()},
        [f'{BAD}:9: quantity.amount: 017 is octal to YAML 1.1 and would be read as 15; write 17, or "017" in quotes for text'],
    ),
    "sexagesimal-statement": (
        {"claims/bad.yaml": CLAIM.replace("statement: Trade grew in 2023 (café talks).", "statement: 1:30").encode()},
        [f'{BAD}:5: statement: 1:30 is base 60 (as for times) and would be read as 90; write 90, or "1:30" in quotes for text'],
    ),
    "hexadecimal-date": (
        {"claims/bad.yaml": CLAIM.replace("    statement:", "    date: 0x7E8\n    statement:").encode()},
        [f'{BAD}:5: date: 0x7E8 is hexadecimal and would be read as 2024; write 2024, or "0x7E8" in quotes for text'],
    ),
    "integer-beyond-exact": (
        {"claims/bad.yaml": (CLAIM + "    quantity: {amount: 12345678901234567890, unit: USD}\n").encode()},
        [f"{BAD}:9: quantity.amount: 12345678901234567890 is beyond the whole numbers a figure keeps exactly "
         "(up to 9,007,199,254,740,992) and would be read as 12345678901234567168; write it in a larger unit "
         '(12.3 billion), or "12345678901234567890" in quotes for text'],
    ),
    "exponent-yaml-reads-as-text": (
        {"claims/bad.yaml": (CLAIM + "    quantity: {amount: 6.02e23, unit: molecules}\n").encode()},
        [f"{BAD}:9: quantity.amount: expected a number, found the text '6.02e23'; for the number, write 6.02e+23 without quotes"],
    ),
    "true-as-a-number": (
        {"claims/bad.yaml": (CLAIM + "    quantity: {amount: true, unit: troops}\n").encode()},
        [f"{BAD}:9: quantity.amount: expected a number, found true"],
    ),
    "leading-zero-yaml-reads-as-text": (
        {"claims/bad.yaml": (CLAIM + "    quantity: {amount: 08, unit: troops}\n").encode()},
        [f"{BAD}:9: quantity.amount: expected a number, found the text '08'; for the number, write 8 without quotes"],
    ),
    # A byte order mark and Windows line ends are read, and lines still count the same.
    "bom-crlf-still-located": (
        {"claims/bad.yaml": b"\xef\xbb\xbf" + CLAIM.replace("kind: trade", "kind: trades").replace("\n", "\r\n").encode()},
        [f"{BAD}:3: kind: 'trades' is not one of: {KINDS}; did you mean 'trade'?"],
    ),
    "merge-conflict-crlf": (
        {"claims/bad.yaml": CLAIM.replace("    statement:", "<<<<<<< HEAD\n    statement:").replace("\n", "\r\n").encode()},
        [f"{BAD}:5: unresolved merge conflict: keep one version and delete the <<<<<<<, ======= and >>>>>>> lines"],
    ),
}

COMMANDS = {
    "validate": ("validate",),
    "show": ("show", "borduria"),
    "export": ("export", "--format", "csv"),
}


@pytest.fixture
def facts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of mini at ./facts, so messages name files as a user in that folder would see them."""
    target = tmp_path / "facts"
    shutil.copytree(MINI, target)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ALLIANCE_FACTS", "facts")
    return target


def lay(facts: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (facts / name).write_bytes(data)


def assert_refused(result, command: str, lines: list[str], counted: bool = True) -> None:
    """Exit 1, nothing on stdout, exactly these lines on stderr (and validate's count of them)."""
    if command == "validate" and counted:
        lines = [*lines, f"{len(lines)} problem{'s' * (len(lines) != 1)} found"]
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "".join(f"{line}\n" for line in lines))
    assert isinstance(result.exception, SystemExit)  # handled: no traceback anywhere


def test_every_broken_folder_has_its_expected_messages():
    assert sorted(p.name for p in BROKEN.iterdir() if p.is_dir()) == sorted(EXPECTED)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", EXPECTED)
def test_broken_facts_are_refused_with_file_and_line(run, facts, case, command):
    shutil.copytree(BROKEN / case, facts, dirs_exist_ok=True)
    assert_refused(run(*COMMANDS[command]), command, EXPECTED[case])


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", GENERATED)
def test_broken_bytes_are_refused_with_file_and_line(run, facts, case, command):
    files, lines = GENERATED[case]
    lay(facts, files)
    assert_refused(run(*COMMANDS[command]), command, lines)


def _rewrite_all(facts: Path, change) -> None:
    for path in facts.rglob("*.yaml"):
        path.write_bytes(change(path.read_bytes()))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda b: b"\xef\xbb\xbf" + b, id="bom"),
        pytest.param(lambda b: b.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n"), id="bom-and-crlf"),
    ],
)
def test_bom_and_windows_line_ends_are_accepted(run, facts, change):
    expected = run("--facts", str(MINI), "export").stdout
    _rewrite_all(facts, change)
    assert run("validate").stdout == "5 claims, 2 sources, 5 entities: valid\n"
    result = run("export")
    assert (result.exit_code, result.stdout) == (0, expected)


def test_billion_laughs_fails_at_the_first_alias_in_bounded_memory(run, facts):
    lines = ["claims:", "  - id: lol", '    statement: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"    s{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    lay(facts, {"claims/bad.yaml": ("\n".join(lines) + "\n").encode()})
    tracemalloc.start()
    try:
        result = run("validate")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_refused(result, "validate", [f"{BAD}:4: YAML anchors and aliases are not supported"])
    assert peak < 20_000_000  # nine levels of nine would be 9**9 strings if expanded


def test_python_tag_is_never_run(run, facts):
    shutil.copytree(BROKEN / "python-tag", facts, dirs_exist_ok=True)
    run("validate")
    assert not (facts.parent / "pwned.txt").exists()


def test_ten_megabyte_file_is_refused_at_once(run, facts):
    record = CLAIM.split("\n", 1)[1]  # one claim, without the `claims:` line
    with open(facts / "claims" / "big.yaml", "wb") as f:
        f.write(b"claims:\n")
        for i in range(10 * 1024 * 1024 // len(record) + 1):
            f.write(record.replace("bad-bytes", f"big-{i}").encode())
    size = (facts / "claims" / "big.yaml").stat().st_size
    for command in COMMANDS:
        assert_refused(
            run(*COMMANDS[command]), command,
            [f"facts/claims/big.yaml: file is too large ({size:,} bytes; the limit is 4,194,304 bytes per file)"],
        )


def test_a_file_at_the_size_limit_is_read(run, facts, monkeypatch):
    largest = max(path.stat().st_size for path in facts.rglob("*.yaml"))
    monkeypatch.setattr(yamlfile, "MAX_FILE_BYTES", largest)
    assert run("validate").exit_code == 0
    monkeypatch.setattr(yamlfile, "MAX_FILE_BYTES", largest - 1)
    assert run("validate").exit_code == 1


def test_dangling_link_in_claims_is_reported_not_skipped(run, facts):
    (facts / "claims" / "gone.yaml").symlink_to("nowhere.yaml")
    for command in COMMANDS:
        assert_refused(run(*COMMANDS[command]), command, ["facts/claims/gone.yaml: cannot read file: No such file or directory"])


def test_upper_case_suffix_is_read_not_skipped(run, facts):
    shutil.copy(facts / "claims" / "troops.yaml", facts / "claims" / "TROOPS-COPY.YAML")
    assert_refused(run("validate"), "validate", [
        "facts/claims/troops.yaml:2: id: duplicate claim id 'borduria-troops-2000' (first defined at facts/claims/TROOPS-COPY.YAML:2)",
        "facts/claims/troops.yaml:15: id: duplicate claim id 'borduria-troops-500' (first defined at facts/claims/TROOPS-COPY.YAML:15)",
    ])


def test_unreadable_claims_folder_is_a_clean_error(run, facts, monkeypatch):
    scandir = os.scandir

    def refuse(path):  # as for a folder without read permission, which root would still read
        if Path(path).name == "claims":
            raise PermissionError(13, "Permission denied")
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    for command in COMMANDS:
        # A folder-level problem stops the check before anything is counted.
        assert_refused(run(*COMMANDS[command]), command, ["facts/claims: cannot read folder: Permission denied"], counted=False)


def test_missing_claims_folder_is_named(run, facts):
    shutil.rmtree(facts / "claims")
    for command in COMMANDS:
        assert_refused(run(*COMMANDS[command]), command, ["facts/claims: missing from the facts directory"], counted=False)


def test_missing_facts_directory_is_named(run, facts):
    for command in COMMANDS:
        result = run("--facts", "nowhere", *COMMANDS[command])
        assert_refused(result, command, ["nowhere: facts directory not found"], counted=False)


# ---- reading never hangs, never blows up, never leaves its folder ----------------------------

@pytest.fixture
def no_hang():
    """Fail the test, rather than hang the suite, should a read block."""
    import signal

    def hung(signum, frame):
        raise AssertionError("the command hung reading a file")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_a_fifo_among_the_claims_is_refused_without_waiting(run, facts, no_hang):
    os.mkfifo(facts / "claims" / "p.yaml")
    for command in COMMANDS:
        assert_refused(run(*COMMANDS[command]), command, ["facts/claims/p.yaml: not a regular file"])


@pytest.mark.parametrize("name", ["sources.yaml", "entities.yaml"])
def test_a_fifo_for_a_facts_file_is_refused_without_waiting(run, facts, no_hang, name):
    (facts / name).unlink()
    os.mkfifo(facts / name)
    for command in COMMANDS:
        assert_refused(run(*COMMANDS[command]), command, [f"facts/{name}: not a regular file"])


@pytest.mark.parametrize(("status", "found"), [("true", "true"), ("~", "nothing"), ("5", "the number 5")])
def test_figures_and_values_in_messages_are_shown_as_written(run, facts, status, found):
    # Not `1.23457e+06` (Python's :g), `1e-07` (text to YAML 1.1) nor Python's True and None.
    troops = facts / "claims" / "troops.yaml"
    text = troops.read_text(encoding="utf-8")
    text = text.replace("{amount: 2000, unit: troops}", "{amount: 1234567, unit: troops, lower: 1234568, upper: 1.0e-7}")
    text = text.replace("{amount: 500, unit: troops, approximate: true}", "{amount: 1e-7, unit: troops}")
    troops.write_text(text.replace("status: alleged\n    asserted_by: [syldavia]\n    quantity: {amount: 1e",
                                   f"status: {status}\n    asserted_by: [syldavia]\n    quantity: {{amount: 1e"),
                      encoding="utf-8")
    assert_refused(run("validate"), "validate", [
        "facts/claims/troops.yaml:10: quantity.lower: lower bound 1234568 is above the amount 1234567",
        "facts/claims/troops.yaml:10: quantity.upper: upper bound 1.0e-7 is below the amount 1234567",
        f"facts/claims/troops.yaml:20: status: expected one of: reported, alleged, denied, disputed; found {found}",
        "facts/claims/troops.yaml:22: quantity.amount: expected a number, found the text '1e-7'; for the number, "
        "write 1.0e-7 without quotes",
    ])


def test_a_folder_named_like_a_claims_file_is_refused_not_skipped(run, facts):
    # Empty or not, a folder claims/x.yaml is not read: it is said, as a pipe is, never left out silently.
    (facts / "claims" / "empty.yaml").mkdir()
    (facts / "claims" / "full.yml").mkdir()
    (facts / "claims" / "full.yml" / "more.yaml").write_text("claims: []\n", encoding="utf-8")
    for command in COMMANDS:
        assert_refused(run(*COMMANDS[command]), command,
                       ["facts/claims/empty.yaml: not a regular file", "facts/claims/full.yml: not a regular file"])


def test_a_subfolder_thousands_of_folders_deep_is_searched_without_recursion(run, facts):
    # rglob and os.walk recurse: 1,200 folders deep was a RecursionError, exit 70.
    deep = facts / "claims" / "deep"
    deep.mkdir()
    for _ in range(1200):  # one at a time: mkdir(parents=True) recurses too
        deep = deep / "d"
        deep.mkdir()
    (deep / "lost.yaml").write_text("claims: []\n", encoding="utf-8")
    try:
        for command in COMMANDS:
            assert_refused(run(*COMMANDS[command]), command,
                           ["facts/claims/deep: claims files in a subfolder are not read: move them into facts/claims"],
                           counted=False)
    finally:  # removed here, deepest first: pytest's own clean-up (rmtree) recurses as well
        (deep / "lost.yaml").unlink()
        while deep.name == "d":
            deep.rmdir()
            deep = deep.parent


def test_a_file_name_with_a_newline_or_an_escape_is_shown_escaped_on_one_line(run, facts):
    troops = facts / "claims" / "troops.yaml"
    troops.rename(facts / "claims" / "a\nb\x1b[31m.yaml")
    (facts / "claims" / "a\nb\x1b[31m.yaml").write_text(
        (MINI / "claims" / "troops.yaml").read_text(encoding="utf-8").replace("amount: 2000", "amount: 017"),
        encoding="utf-8")
    for command in COMMANDS:
        assert_refused(run(*COMMANDS[command]), command, [
            'facts/claims/a\\nb\\x1b[31m.yaml:10: quantity.amount: 017 is octal to YAML 1.1 and would be read as 15; '
            'write 17, or "017" in quotes for text'])


def test_a_device_among_the_claims_is_refused_unread(run, facts, no_hang):
    try:  # the same device as /dev/zero, made inside the folder (a link to it would lead out)
        os.mknod(facts / "claims" / "zero.yaml", 0o600 | stat.S_IFCHR, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("making a device node needs root (CAP_MKNOD)")
    for command in COMMANDS:
        assert_refused(run(*COMMANDS[command]), command, ["facts/claims/zero.yaml: not a regular file"])


def test_a_file_whose_size_stat_does_not_know_is_read_only_to_the_limit(tmp_path):
    # Files in /proc say they hold 0 bytes: the limit must hold on what is read, not on stat().
    status = Path("/proc/self/status")
    if not status.is_file() or status.stat().st_size:
        pytest.skip("needs Linux /proc, whose files report size 0")
    from alliance_cli.files import read_limited

    with pytest.raises(AllianceError) as e:
        read_limited(status, 10, "status")
    assert str(e.value) == "status: file is too large (more than 10 bytes; the limit is 10 bytes per file)"
    assert len(read_limited(status, 1 << 20, "status")) > 10


SECRET = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
OUT = "a link that leads out of the facts directory; only files inside it are read"


@pytest.mark.parametrize("name", ["sources.yaml", "entities.yaml", "dataset.yaml", "claims/borduria.yaml", "claims/extra.yaml"])
def test_a_facts_file_linked_from_outside_is_not_read(run, facts, tmp_path, name):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET + "\n")
    (facts / name).unlink(missing_ok=True)
    (facts / name).symlink_to(secret)
    for command in COMMANDS:
        result = run(*COMMANDS[command])
        assert_refused(result, command, [f"facts/{name}: {OUT}"], counted=False)
        assert "wJalr" not in result.output


def test_a_claims_folder_linked_from_outside_is_not_read(run, facts, tmp_path):
    outside = tmp_path / "elsewhere"
    shutil.move(facts / "claims", outside)
    (facts / "claims").symlink_to(outside)
    for command in COMMANDS:
        assert_refused(run(*COMMANDS[command]), command, [f"facts/claims: {OUT}"], counted=False)


def test_links_that_stay_inside_the_facts_directory_are_followed(run, facts):
    (facts / "shared").mkdir()
    shutil.move(facts / "claims" / "troops.yaml", facts / "shared" / "troops.yaml")
    (facts / "claims" / "troops.yaml").symlink_to("../shared/troops.yaml")
    assert run("validate").stdout == "5 claims, 2 sources, 5 entities: valid\n"


def test_a_message_quotes_at_most_forty_characters_of_a_file(run, facts):
    long = "x" * 5000
    lay(facts, {"claims/bad.yaml": CLAIM.replace("kind: trade", f"kind: {long}").replace(
        "    statement:", f"    {long[:1000]}: 1\n    statement:").encode()})
    result = run("validate")
    assert result.exit_code == 1 and "x" * 40 not in result.stderr
    assert f"{BAD}:3: kind: '{'x' * 38}… is not one of:" in result.stderr
    assert f"{BAD}:5: {'x' * 39}…: unknown key\n" in result.stderr
    lay(facts, {"claims/bad.yaml": CLAIM.replace("    statement:", f"    {long[:1000]}: 1\n    {long[:1000]}: 2\n    statement:").encode()})
    assert_refused(run("validate"), "validate", [f"{BAD}:6: duplicate key '{'x' * 38}… (first at line 5)"])


def test_a_facts_path_that_is_not_utf8_works_with_and_without_the_cache(run, facts, tmp_path, monkeypatch):
    from alliance_cli import cache

    odd = tmp_path / os.fsdecode(b"caf\xe9")
    shutil.copytree(facts, odd)
    monkeypatch.setenv("ALLIANCE_FACTS", str(odd))
    monkeypatch.setenv("ALLIANCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "SETTLE_NS", -10**12)  # cache files written this instant
    expected = run("--facts", str(MINI), "--no-cache", "export").stdout
    for no_cache in ("1", "0", "0"):  # no cache, writing it, then served from it
        monkeypatch.setenv("ALLIANCE_NO_CACHE", no_cache)
        result = run("export")
        assert (result.exit_code, result.stdout, result.stderr) == (0, expected, "")
        assert run("show", "borduria").exit_code == 0
    assert len(list((tmp_path / "cache").glob("*.sqlite"))) == 1
    import subprocess
    import sys

    completion = subprocess.run(  # completion reads the same dataset, as a shell runs it
        [sys.executable, "-c", "import sys; sys.argv[0]='alliance'; from alliance_cli.cli import main; main()"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "_ALLIANCE_COMPLETE": "complete_bash", "COMP_WORDS": "alliance show bo", "COMP_CWORD": "2"})
    assert completion.stdout == "Bordurian\\ Republic\nborduria\n"
    about = run("about", "--format", "plain").stdout
    assert f"facts directory\t{tmp_path}/caf\\udce9\n" in about
    result = run("--facts", str(odd / "nowhere"), "show", "x")
    assert (result.exit_code, result.stderr) == (1, "caf\\udce9/nowhere: facts directory not found\n")


def test_a_fifo_where_the_cache_file_is_is_passed_by(run, facts, tmp_path, monkeypatch, no_hang):
    from alliance_cli import cache

    monkeypatch.setenv("ALLIANCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ALLIANCE_NO_CACHE", "0")
    (tmp_path / "cache").mkdir()
    os.mkfifo(tmp_path / "cache" / cache._file_name(Path("facts")))
    result = run("show", "borduria")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == run("--no-cache", "show", "borduria").stdout


def test_a_large_figure_is_shown_with_only_the_digits_written(run, facts):
    path = facts / "claims" / "troops.yaml"
    path.write_text(path.read_text().replace("amount: 2000,", "amount: 6.02e+23,"))
    claim = run("claim", "borduria-troops-2000", "--format", "plain").stdout
    assert "602,000,000,000,000,000,000,000 troops" in claim and "601,999" not in claim
    assert "\t6.02e+23\ttroops\t" in run("figures", "--format", "plain").stdout
    assert ",6.02e+23,troops," in run("export", "--format", "csv").stdout
    assert '"amount": 6.02e+23,' in run("export", "--format", "json").stdout


def test_a_folder_where_a_facts_file_belongs_is_not_a_regular_file(run, facts):
    (facts / "entities.yaml").unlink()
    (facts / "entities.yaml").mkdir()
    for command in COMMANDS:
        assert_refused(run(*COMMANDS[command]), command, ["facts/entities.yaml: not a regular file"])
