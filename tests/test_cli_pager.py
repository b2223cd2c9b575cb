"""The pager: on a terminal, output taller than the screen goes through ALLIANCE_PAGER, PAGER or less.

Each test runs the command on a real pseudo-terminal of a set size; a stand-in pager (a small
script) records what it received, and one test drives the real `less`.
"""

from __future__ import annotations

import fcntl
import os
import select
import shlex
import shutil
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from alliance_cli.store import shipped_facts_dir

ALLIANCE = [sys.executable, "-m", "alliance_cli"]
MINI_IDS = ["borduria-pact-2023", "borduria-trade-2021", "borduria-trade-2023", "borduria-troops-500",
            "borduria-troops-2000"]

STAND_IN = """\
import os, sys
record, lines = sys.argv[1], int(sys.argv[2])
data = sys.stdin.buffer.read() if lines < 0 else b"".join(sys.stdin.buffer.readline() for _ in range(lines))
with open(record, "wb") as f:
    f.write(data)
with open(record + ".less", "w") as f:
    f.write(os.environ.get("LESS", "(unset)"))
"""


@pytest.fixture
def pager(tmp_path: Path):
    """A stand-in pager command; `.record` is the file where it leaves what it received."""
    script = tmp_path / "pager.py"
    script.write_text(STAND_IN)

    class Pager:
        record = tmp_path / "received"

        @staticmethod
        def command(lines: int = -1) -> str:
            return shlex.join([sys.executable, str(script), str(Pager.record), str(lines)])

    return Pager


def on_terminal(*args: str, env: dict[str, str] | None = None, rows: int = 24, cols: int = 80,
                keys: tuple[bytes, ...] = ()) -> tuple[int, str]:
    """Run alliance with a pseudo-terminal of rows x cols as its terminal; what the terminal showed.

    Each of `keys` is typed once the terminal has been quiet for half a second.
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    base = {k: v for k, v in os.environ.items()
            if k not in ("PAGER", "ALLIANCE_PAGER", "LESS", "COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")}
    proc = subprocess.Popen(
        [*ALLIANCE, *args], stdin=slave, stdout=slave, stderr=slave, env={**base, "TERM": "xterm-256color", **(env or {})},
        start_new_session=True, preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    os.close(slave)
    shown, keys, deadline = b"", list(keys), time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            if keys and shown:  # the pager has drawn its screen and waits for a key
                os.write(master, keys.pop(0))
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every holder of the terminal has closed it
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    return proc.wait(timeout=30), shown.decode().replace("\r\n", "\n")


def test_output_taller_than_the_screen_goes_through_the_pager_in_colour(pager):
    code, shown = on_terminal("claims", env={"ALLIANCE_PAGER": pager.command()}, rows=10)
    assert (code, shown) == (0, "")
    received = pager.record.read_text()
    assert "\x1b[" in received  # colours kept: the pager shows them on the same terminal
    assert all(claim in received for claim in MINI_IDS)
    # Exactly what the terminal would have shown without a pager.
    assert on_terminal("--no-pager", "claims", rows=10) == (0, received)


def test_output_that_fits_on_the_screen_is_not_paged(pager):
    code, shown = on_terminal("sources", env={"ALLIANCE_PAGER": pager.command()}, rows=24)
    assert code == 0 and "alpha-report" in shown
    assert not pager.record.exists()


@pytest.mark.parametrize("args,env", [
    (["--no-pager"], {"ALLIANCE_PAGER": "{pager}"}),
    ([], {"ALLIANCE_PAGER": ""}),
    ([], {"ALLIANCE_PAGER": "", "PAGER": "{pager}"}),
    ([], {"PAGER": "cat"}),
    ([], {"PAGER": ""}),
], ids=["--no-pager", "empty ALLIANCE_PAGER", "empty ALLIANCE_PAGER over PAGER", "PAGER=cat", "empty PAGER"])
def test_paging_turned_off(pager, args, env):
    env = {k: v.format(pager=pager.command()) for k, v in env.items()}
    code, shown = on_terminal(*args, "claims", env=env, rows=10)
    assert code == 0 and all(claim in shown for claim in MINI_IDS)
    assert not pager.record.exists()


def test_pager_from_PAGER_and_ALLIANCE_PAGER_first(pager, tmp_path):
    assert on_terminal("claims", env={"PAGER": pager.command()}, rows=10) == (0, "")
    assert "borduria-pact-2023" in pager.record.read_text()
    pager.record.unlink()
    elsewhere = tmp_path / "elsewhere.py"
    elsewhere.write_text("import sys; sys.stdin.read()")
    code, _ = on_terminal("claims", env={"PAGER": pager.command(), "ALLIANCE_PAGER": f"{sys.executable} {elsewhere}"},
                          rows=10)
    assert code == 0 and not pager.record.exists()


@pytest.mark.parametrize("less,expected", [(None, "FRX"), ("-i", "-i")])
def test_LESS_is_set_only_when_unset(pager, less, expected):
    env = {"ALLIANCE_PAGER": pager.command(), **({"LESS": less} if less is not None else {})}
    assert on_terminal("claims", env=env, rows=10)[0] == 0
    assert Path(f"{pager.record}.less").read_text() == expected


def test_plain_output_on_a_terminal_is_paged_too(pager):
    assert on_terminal("claims", "--format", "plain", env={"ALLIANCE_PAGER": pager.command()}, rows=4) == (0, "")
    expected = subprocess.run([*ALLIANCE, "claims", "--format", "plain"], capture_output=True, text=True).stdout
    assert pager.record.read_text() == expected


def test_the_pager_is_never_used_when_stdout_is_not_a_terminal(pager):
    proc = subprocess.run([*ALLIANCE, "claims"], capture_output=True, text=True,
                          env={**os.environ, "ALLIANCE_PAGER": pager.command(), "LINES": "2"})
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.startswith("borduria-trade-2021\t2021\ttrade")
    assert not pager.record.exists()


def test_a_missing_pager_falls_back_to_printing(tmp_path):
    code, shown = on_terminal("claims", env={"ALLIANCE_PAGER": str(tmp_path / "no-such-pager") + " -x"}, rows=10)
    assert code == 0
    assert shown.startswith(f"warning: pager '{tmp_path / 'no-such-pager'}' not found; printing directly\n")
    assert all(claim in shown for claim in MINI_IDS)


def test_a_pager_that_fails_fails_the_command(tmp_path):
    # `less --bogus-option` complains and shows nothing; the output never reached the screen.
    code, shown = on_terminal("claims", env={"ALLIANCE_PAGER": "false --page"}, rows=10)
    assert (code, shown) == (1, "error: pager 'false' failed (exit status 1); rerun with --no-pager to print directly\n")


def test_a_pager_that_quits_early_is_a_clean_exit(pager):
    # The whole shipped dataset is more than a pipe holds: the pager leaves with most of it unread.
    code, shown = on_terminal("--facts", str(shipped_facts_dir()), "claims",
                              env={"ALLIANCE_PAGER": pager.command(lines=3)}, rows=10)
    assert (code, shown) == (0, "")
    assert pager.record.read_text().splitlines()[0] == "\x1b[2m95 claims\x1b[0m"


@pytest.mark.skipif(shutil.which("less") is None, reason="less is not installed (.ci/run installs it)")
def test_less_shows_one_screen_and_q_quits_cleanly():
    code, shown = on_terminal("--facts", str(shipped_facts_dir()), "claims", rows=10, keys=(b"q",))
    assert code == 0
    assert "95 claims" in shown  # the first screen
    assert "wagner" not in shown.casefold()  # the last claims were never shown: less waited, then q
    assert "Traceback" not in shown and "error" not in shown


def test_a_terminal_that_reports_no_size_is_not_paged(pager):
    code, shown = on_terminal("claims", env={"ALLIANCE_PAGER": pager.command()}, rows=0, cols=0)
    assert code == 0 and all(claim in shown for claim in MINI_IDS)
    assert not pager.record.exists()


@pytest.mark.skipif(shutil.which("less") is None, reason="less is not installed (.ci/run installs it)")
def test_ctrl_c_in_less_belongs_to_less():
    code, shown = on_terminal("--facts", str(shipped_facts_dir()), "claims", rows=10, keys=(b"\x03", b"q"))
    assert code == 0
    assert "Aborted" not in shown and "Traceback" not in shown


def test_no_less_on_the_path_falls_back_to_printing(tmp_path):
    code, shown = on_terminal("claims", env={"PATH": str(tmp_path)}, rows=10)
    assert code == 0
    assert shown.startswith("warning: pager 'less' not found; printing directly\n")
    assert all(claim in shown for claim in MINI_IDS)


def test_export_to_the_terminal_by_name_shows_escapes_inertly():
    hostile = str(Path(__file__).parent / "fixtures" / "hostile")
    for target in ("-", "/dev/stdout", "/dev/tty"):
        code, shown = on_terminal("--no-pager", "--facts", hostile, "export", "-f", "csv", "-o", target)
        assert code == 0, shown
        assert "Red \\x1b[31mtext\\x1b[0m" in shown and "\x1b" not in shown, target


def test_paged_only_when_taller_than_the_screen_not_when_exactly_as_tall(pager):
    text = subprocess.run([*ALLIANCE, "claims", "--format", "plain"], capture_output=True, text=True).stdout
    height = len(text.splitlines())  # every line is shorter than 250 columns, so none wraps
    assert max(len(line) for line in text.splitlines()) < 250
    code, shown = on_terminal("claims", "--format", "plain", env={"ALLIANCE_PAGER": pager.command()},
                              rows=height, cols=250)
    assert (code, shown, pager.record.exists()) == (0, text, False)
    code, shown = on_terminal("claims", "--format", "plain", env={"ALLIANCE_PAGER": pager.command()},
                              rows=height - 1, cols=250)
    assert (code, shown, pager.record.read_text()) == (0, "", text)


def test_long_lines_count_as_the_rows_they_wrap_to(pager):
    text = subprocess.run([*ALLIANCE, "claims", "--format", "plain"], capture_output=True, text=True).stdout
    code, shown = on_terminal("claims", "--format", "plain", env={"ALLIANCE_PAGER": pager.command()},
                              rows=len(text.splitlines()), cols=40)
    assert (code, shown, pager.record.read_text()) == (0, "", text)
