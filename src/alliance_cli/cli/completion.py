"""Shell completion for bash, zsh and fish: candidates matched case-insensitively, quoted for the shell.

Typer's own completion classes are used, with three changes: a typed prefix matches candidates in
any case (`islamic` finds `Islamic State`); bash gets values with spaces and other special characters
escaped, so that an inserted alias is one word; zsh gets a script that adds plain candidates with
`compadd` (which quotes what it inserts) and matches case-insensitively.
"""

from __future__ import annotations

import re
from typing import Any

from typer._completion_classes import BashComplete, FishComplete, ZshComplete
from typer._completion_shared import get_completion_script

from ..errors import UsageError

SHELLS = ("bash", "zsh", "fish")

_ZSH_SCRIPT = """\
#compdef %(prog_name)s

%(complete_func)s() {
  local -a candidates
  candidates=("${(@f)$(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" %(autocomplete_var)s=complete_zsh %(prog_name)s)}")
  if [[ -n "${candidates[1]}" ]]; then
    compadd -M 'm:{a-zA-Z}={A-Za-z}' -- "${candidates[@]}"
  else
    _files
  fi
}

compdef %(complete_func)s %(prog_name)s
"""


class _AnyCase:
    """Complete a value from every candidate the parameter offers, matched without regard to case."""

    def get_completions(self, args: list[str], incomplete: str) -> list[Any]:
        from .common import GLOBAL_OPTIONS

        if incomplete.startswith("-"):
            return super().get_completions(args, incomplete)  # type: ignore[misc]  # option names
        if args and GLOBAL_OPTIONS.get(args[-1]):
            return []  # the value of `--facts` after the command: a folder, which the shell completes
        offered = super().get_completions(args, "")  # type: ignore[misc]
        if any(item.type != "plain" for item in offered):
            return []  # a file or folder: nothing from us, so that the shell completes paths itself
        typed = incomplete.casefold()
        return [item for item in offered if item.value.casefold().startswith(typed) and _typable(item.value)]


def _typable(value: str) -> bool:
    """Whether a candidate can be offered: an alias with a control character, an escape or a line
    break in it would reach the terminal raw when the shell lists candidates, or split into two; it
    can still be typed in full, or reached by the entity's id."""
    from ..formats.view import UNSAFE

    return "\n" not in value and UNSAFE.search(value) is None


# What bash would split or act on in an inserted word; escaped with a backslash, as bash's own
# filename completion does (`Islamic\ State`).
_BASH_SPECIAL = re.compile(r"""([\s"'\\$`!&;|<>()*?\[\]{}#~^])""")


class Bash(_AnyCase, BashComplete):
    def format_completion(self, item: Any) -> str:
        return _BASH_SPECIAL.sub(r"\\\1", item.value)


class Zsh(_AnyCase, ZshComplete):
    source_template = _ZSH_SCRIPT

    def complete(self) -> str:
        args, incomplete = self.get_completion_args()
        return "\n".join(item.value for item in self.get_completions(args, incomplete))


class Fish(_AnyCase, FishComplete):
    pass


def register() -> None:
    """Make `_ALLIANCE_COMPLETE=complete_SHELL` use the classes above."""
    from typer._click.shell_completion import add_completion_class

    for cls, shell in ((Bash, "bash"), (Zsh, "zsh"), (Fish, "fish")):
        cls.name = shell
        add_completion_class(cls, shell)


def script(shell: str, prog_name: str = "alliance") -> str:
    """The completion script for a shell, to be sourced from its start-up file."""
    shell = shell.casefold()
    if shell not in SHELLS:
        raise UsageError(f"--show-completion: no completion for {shell!r} (choose {', '.join(SHELLS)})")
    complete_var = f"_{prog_name.replace('-', '_').upper()}_COMPLETE"
    if shell == "zsh":
        cf_name = re.sub(r"[^a-zA-Z0-9_]", "", prog_name.replace("-", "_"))
        return _ZSH_SCRIPT % {"complete_func": f"_{cf_name}_completion", "prog_name": prog_name,
                              "autocomplete_var": complete_var}
    return get_completion_script(prog_name=prog_name, complete_var=complete_var, shell=shell) + "\n"


def detect_shell() -> str:
    """The shell the user runs, from $SHELL (a completion script is installed for a login shell)."""
    import os

    name = os.path.basename(os.environ.get("SHELL", ""))
    if name not in SHELLS:
        raise UsageError("--show-completion: cannot tell your shell from $SHELL; name it: "
                         "--show-completion bash, zsh or fish")
    return name
