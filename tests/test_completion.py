"""Shell completion, run in the real shells: bash and zsh through a pseudo-terminal, fish with `complete -C`.

Each test installs the script `alliance --show-completion SHELL` prints, types a line and a TAB, and
reads back the line as the shell left it: what a user would see on their command line.
"""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alliance_cli.store import shipped_facts_dir


@pytest.fixture
def shell_env(tmp_path: Path, mini_facts: Path) -> dict[str, str]:
    """An `alliance` command on PATH (this interpreter, this checkout) and a clean shell environment."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    command = bin_dir / "alliance"
    command.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "from alliance_cli.cli import main; main()" "$@"\n')
    command.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path), "TERM": "dumb",
            "ALLIANCE_FACTS": str(mini_facts), "ALLIANCE_NO_CACHE": "1", "LANG": "C.UTF-8"}


def script(shell: str, env: dict[str, str], tmp_path: Path) -> Path:
    """The script `alliance --show-completion SHELL` prints, in a file to source."""
    path = tmp_path / f"completion.{shell}"
    if not path.exists():
        proc = subprocess.run(["alliance", "--show-completion", shell], capture_output=True, text=True, env=env,
                              timeout=60)
        assert (proc.returncode, proc.stderr) == (0, "")
        path.write_text(proc.stdout)
    return path


def after_tab(shell: str, typed: str, env: dict[str, str], tmp_path: Path) -> str:
    """The command line after typing `typed` and TAB in an interactive shell with the completion installed."""
    source = script(shell, env, tmp_path)
    out = tmp_path / "line.txt"
    out.unlink(missing_ok=True)
    # Ctrl-X writes the line being edited to a file: the shell's own record of what TAB inserted.
    if shell == "zsh":
        argv = ["zsh", "-f", "-i"]
        setup = (f"autoload -Uz compinit && compinit -u -D; source {source}; "
                 f"_dump() {{ print -r -- \"$BUFFER\" > {out}.part && mv {out}.part {out}; BUFFER=''; zle accept-line }}; "
                 "zle -N _dump; bindkey '^X' _dump\n")
    else:
        argv = ["bash", "--norc", "--noprofile", "-i"]
        setup = f"source {source}; bind -x '\"\\C-x\": printf \"%s\\n\" \"$READLINE_LINE\" > {out}.part && mv {out}.part {out}'\n"
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True,
                            start_new_session=True, cwd=tmp_path)
    os.close(slave)
    seen = b""
    try:
        # Typed ahead in one go: the shell reads it in order, so TAB completes before Ctrl-X reads the line.
        os.write(master, setup.encode() + typed.encode() + b"\t\x18")
        deadline = time.monotonic() + 60
        while not out.exists() and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
    assert out.exists(), f"{shell} never reported its line; the terminal showed:\n{seen.decode(errors='replace')[-2000:]}"
    return out.read_text().rstrip("\n")


needs = {shell: pytest.mark.skipif(shutil.which(shell) is None, reason=f"{shell} is not installed (.ci/run installs it)")
         for shell in ("bash", "zsh", "fish")}
INTERACTIVE = [pytest.param("bash", marks=needs["bash"]), pytest.param("zsh", marks=needs["zsh"])]


@pytest.mark.parametrize("shell", INTERACTIVE)
@pytest.mark.parametrize(
    ("typed", "line"),
    [
        # An alias with spaces is inserted as one word, whatever the case of what was typed.
        ("alliance show king", r"alliance show Kingdom\ of\ Ruritania "),
        ("alliance show Bordurian", r"alliance show Bordurian\ Republic "),
        ("alliance show SYL", "alliance show syldavia "),
        ("alliance claims --status AL", "alliance claims --status alleged "),
        ("alliance claims --count-by so", "alliance claims --count-by source "),
        ("alliance claims --sort st", "alliance claims --sort status "),
        ("alliance entities --kind org", "alliance entities --kind organization "),
        ("alliance schema ent", "alliance schema entities "),
        ("alliance source BETA", "alliance source beta-bulletin "),
    ],
)
def test_tab_completes_in_the_shell(shell, typed, line, shell_env, tmp_path):
    assert after_tab(shell, typed, shell_env, tmp_path) == line


@pytest.mark.parametrize("shell", INTERACTIVE)
def test_a_completed_alias_runs(shell, shell_env, tmp_path):
    line = after_tab(shell, "alliance show kingdom", shell_env, tmp_path)
    proc = subprocess.run([shell, "-c", line], capture_output=True, text=True, env=shell_env, timeout=60)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.startswith("borduria-trade-2021\t")


@pytest.mark.parametrize("shell", INTERACTIVE)
def test_completion_honours_facts_given_on_the_line(shell, shell_env, tmp_path):
    shipped = shipped_facts_dir()
    # The mini dataset (from ALLIANCE_FACTS) has no China; the directory named on the line has.
    assert after_tab(shell, "alliance show chin", shell_env, tmp_path) == "alliance show chin"
    assert after_tab(shell, f"alliance --facts {shipped} show chin", shell_env, tmp_path) == (
        f"alliance --facts {shipped} show china ")
    assert after_tab(shell, f"alliance show --facts {shipped} chin", shell_env, tmp_path) == (
        f"alliance show --facts {shipped} china ")


@pytest.mark.parametrize("shell", INTERACTIVE)
def test_folders_complete_as_paths(shell, shell_env, tmp_path):
    (tmp_path / "my-facts").mkdir()
    for typed in ("alliance --facts my-f", "alliance show --facts my-f", "alliance validate my-f"):
        assert after_tab(shell, typed, shell_env, tmp_path) == typed.replace("my-f", "my-facts/")


@needs["fish"]
def test_fish_completes_from_its_script(shell_env, tmp_path):
    source = script("fish", shell_env, tmp_path)

    def candidates(line: str) -> list[str]:
        proc = subprocess.run(["fish", "--no-config", "-c", f"source {source}; complete -C'{line}'"],
                              capture_output=True, text=True, env=shell_env, timeout=60)
        assert proc.stderr == ""
        return proc.stdout.splitlines()

    assert candidates("alliance show king") == ["Kingdom of Ruritania"]
    assert candidates("alliance claims --sort ") == ["date", "id", "kind", "sources", "status"]
    assert candidates("alliance schema ") == ["claims", "dataset", "entities", "sources"]


@pytest.mark.parametrize(("shell", "first_line"), [("bash", "_alliance_completion() {"), ("zsh", "#compdef alliance"),
                                                   ("fish", "complete --command alliance --no-files")])
def test_show_completion_prints_the_named_shells_script(run, shell, first_line):
    for name in (shell, shell.upper()):
        result = run("--show-completion", name, env={"SHELL": "/bin/sh"})
        assert (result.exit_code, result.stderr) == (0, "")
        assert result.stdout.startswith(first_line)
    # Without a name, the shell in $SHELL.
    assert run("--show-completion", env={"SHELL": f"/usr/bin/{shell}"}).stdout.startswith(first_line)


def test_show_completion_for_an_unknown_shell(run):
    result = run("--show-completion", "tcsh")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "error: --show-completion: no completion for 'tcsh' (choose bash, zsh, fish)\n"
    result = run("--show-completion", env={"SHELL": "/bin/tcsh"})
    assert (result.exit_code, result.stderr) == (
        2, "error: --show-completion: cannot tell your shell from $SHELL; name it: --show-completion bash, zsh or fish\n")
