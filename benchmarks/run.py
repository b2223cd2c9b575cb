"""Time `alliance` commands, cold and cached, against the floor of its stack, and print a table.

For each dataset size it times, as whole processes and in interleaved rounds so that machine load
hits every row alike:

  floor   python -c "import typer, rich.table, yaml"   (the least any run of ours can cost)
  parse   PyYAML's C loader parsing the same facts files and doing nothing else
  cold    each command with an empty cache directory (it loads, validates and writes the cache)
  warm    each command with the cache in place
  checks  validate and lint, which read every file on every run: cold only, lint as a ratio to validate

and reports medians, the ratios cold/parse and warm/floor, and each command's peak memory (max RSS).
Each warm run follows a floor run of its own, and warm/floor is the median of those pairs' ratios.
Absolute times on a shared machine are noise; the ratios, measured in one run, are the result.
A command the installed `alliance` does not have is reported as skipped, not failed.

    python benchmarks/run.py                      # shipped set, 1k, 10k, 100k claims; 5 rounds (15 below 10k)
    python benchmarks/run.py --sizes 1000 --repeat 3
    python benchmarks/run.py --smoke              # a few seconds: tiny data, one round (CI)
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import GENERATOR_VERSION  # noqa: E402

FLOOR_CODE = "import typer, rich.table, yaml"
PARSE_CODE = """\
import sys, yaml
from pathlib import Path
d = Path(sys.argv[1])
claims = sorted(p for p in (d / "claims").iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
for path in [d / "sources.yaml", d / "entities.yaml", *claims]:
    with open(path, "rb") as f:
        yaml.load(f, Loader=yaml.CSafeLoader)
"""
COMMANDS = [
    ("show iran", ["show", "iran"]),
    ("treaties --year 2024", ["treaties", "--year", "2024"]),
    ("claims --search drone", ["claims", "--search", "drone"]),
    ("export --format csv", ["export", "--format", "csv"]),
    ("search drone -n 10", ["search", "drone", "-n", "10"]),
    ("claims -s drone -n 10", ["claims", "-s", "drone", "-n", "10"]),
    ("claims --count-by kind", ["claims", "--count-by", "kind"]),
    ("claims --count-by party", ["claims", "--count-by", "party"]),
]
# Commands that never use the cache (they read every file, as a check must): timed cold only.
CHECKS = [
    ("validate", ["validate"]),
    ("lint", ["lint"]),
]
DEFAULT_SIZES = "shipped,1000,10000,100000"
SETTLE_SECONDS = 2.1  # the cache does not trust files changed in the last 2 s (see cache.SETTLE_NS)

# The targets: (what, size, command, measure, limit)
TARGETS = [
    ("show on the shipped set, cached", "shipped", "show iran", "warm/floor", 1.3),
    ("100k, first run without a cache", 100_000, "show iran", "cold/parse", 1.5),
    ("100k, later runs: show", 100_000, "show iran", "warm/floor", 3.0),
    ("100k, later runs: treaties --year", 100_000, "treaties --year 2024", "warm/floor", 3.0),
    ("100k, later runs: export csv (s)", 100_000, "export --format csv", "warm s", 5.0),
    ("100k, later runs: peak memory (MiB)", 100_000, "*", "warm MiB", 500.0),
    ("100k, lint vs validate on the same files", 100_000, "lint", "cold/validate", 1.5),
    ("100k, later runs: search drone -n 10", 100_000, "search drone -n 10", "warm/floor", 1.5),
    ("100k, later runs: claims -s drone -n 10", 100_000, "claims -s drone -n 10", "warm/floor", 1.5),
    ("100k, later runs: claims --count-by kind", 100_000, "claims --count-by kind", "warm/floor", 1.5),
    ("100k, later runs: claims --count-by party", 100_000, "claims --count-by party", "warm/floor", 1.5),
    ("100k, first run of a search (builds the index)", 100_000, "search drone -n 10", "cold/parse", 1.5),
]


@dataclass
class Run:
    seconds: float
    peak_mib: float | None
    returncode: int
    error: str


@dataclass
class Row:
    label: str
    cold: list[Run] = field(default_factory=list)
    warm: list[Run] = field(default_factory=list)
    floor: list[Run] = field(default_factory=list)  # a floor run just before each warm run, to pair with it
    note: str = ""

    def failed(self) -> str:
        for r in self.cold + self.warm:
            if r.returncode != 0:
                return f"failed (exit {r.returncode}): {r.error}"
        return ""


def timed(argv: list[str], env: dict[str, str]) -> Run:
    """Run a process with its output discarded; its wall time and peak resident memory."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        if hasattr(os, "posix_spawnp") and hasattr(os, "wait4"):
            # posix_spawn, not fork: a forked child's peak memory would start at this process's size.
            pid = os.posix_spawnp(argv[0], argv, env, file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
            ])
            _, status, usage = os.wait4(pid, 0)
            seconds = time.perf_counter() - start
            returncode = os.waitstatus_to_exitcode(status)
            # ru_maxrss is KiB on Linux, bytes on macOS.
            peak: float | None = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        else:  # pragma: no cover - Windows
            returncode = subprocess.call(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
            seconds, peak = time.perf_counter() - start, None
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").strip().splitlines()
    return Run(seconds, peak, returncode, lines[-1] if lines else "")


def median(runs: list[Run]) -> float | None:
    return statistics.median(r.seconds for r in runs) if runs and all(r.returncode == 0 for r in runs) else None


def peak(runs: list[Run]) -> float | None:
    values = [r.peak_mib for r in runs if r.peak_mib is not None]
    return max(values) if values else None


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.python = args.python
        self.alliance = shlex.split(args.alliance) if args.alliance else default_command(self.python)
        self.repeat = args.repeat
        self.work = Path(tempfile.mkdtemp(prefix="alliance-bench-run-"))
        # PYTHONDONTWRITEBYTECODE too: with it, a source checkout recompiles every module on every run,
        # which an installed package (compiled at install) never does; the floor's modules are compiled.
        drop = ("ALLIANCE_NO_CACHE", "ALLIANCE_DEBUG", "ALLIANCE_CACHE_DIR", "ALLIANCE_FACTS", "PYTHONDONTWRITEBYTECODE")
        self.base_env = {k: v for k, v in os.environ.items() if k not in drop}

    def env(self, facts: Path, cache: Path) -> dict[str, str]:
        # Where XDG applies, point XDG_CACHE_HOME at a scratch directory, so the runs find their cache
        # as a user's run does (in the user cache directory); elsewhere use the tool's own override.
        where = "XDG_CACHE_HOME" if sys.platform not in ("darwin", "win32") else "ALLIANCE_CACHE_DIR"
        return {**self.base_env, "ALLIANCE_FACTS": str(facts), where: str(cache)}

    def probe(self, code: str) -> str:
        out = subprocess.run([self.python, "-c", code], capture_output=True, text=True, env=self.base_env)
        return out.stdout.strip() if out.returncode == 0 else ""

    def available(self) -> dict[str, bool]:
        """Which benchmarked commands the installed `alliance` has (its `COMMAND --help` succeeds)."""
        names = {argv[0] for _, argv in COMMANDS + CHECKS}
        found = {}
        for name in sorted(names):
            result = subprocess.run([*self.alliance, name, "--help"], capture_output=True, env=self.base_env)
            found[name] = result.returncode == 0
        return found

    def measure(self, facts: Path, available: dict[str, bool], progress: str, rounds: int) -> list[Row]:
        floor, parse = Row("floor: " + FLOOR_CODE), Row("parse: PyYAML C loader, same files")
        rows = {label: Row(label) for label, _ in COMMANDS + CHECKS}
        for label, argv in COMMANDS + CHECKS:
            if not available[argv[0]]:
                rows[label].note = "skipped: command not available"
        checks = [(label, argv) for label, argv in CHECKS if not rows[label].note]
        warm_cache = self.work / "warm"
        shutil.rmtree(warm_cache, ignore_errors=True)
        measured = [(label, argv) for label, argv in COMMANDS if not rows[label].note]
        # Once, untimed: fill the cache, and bring the interpreter, the code and the files into memory.
        timed([self.python, "-c", FLOOR_CODE], self.base_env)
        timed([self.python, "-c", PARSE_CODE, str(facts)], self.base_env)
        for label, argv in measured:
            timed([*self.alliance, *argv], self.env(facts, warm_cache))
        if measured and not any(warm_cache.rglob("*.sqlite")):
            for label, _ in measured:
                rows[label].note = "warm runs found no cache"
        for i in range(rounds):
            print(f"  {progress}: round {i + 1}/{rounds}", file=sys.stderr, flush=True)
            parse.cold.append(timed([self.python, "-c", PARSE_CODE, str(facts)], self.base_env))
            for label, argv in measured:
                cold_cache = self.work / f"cold-{i}"
                rows[label].cold.append(timed([*self.alliance, *argv], self.env(facts, cold_cache)))
                shutil.rmtree(cold_cache, ignore_errors=True)
                # Each warm run right after a floor run: their ratio is what a burst of load spares least.
                rows[label].floor.append(timed([self.python, "-c", FLOOR_CODE], self.base_env))
                rows[label].warm.append(timed([*self.alliance, *argv], self.env(facts, warm_cache)))
            for label, argv in checks:  # one after the other: their ratio is what the load spares least
                rows[label].cold.append(timed([*self.alliance, *argv], self.env(facts, self.work / "checks")))
            if not measured:
                floor.warm.append(timed([self.python, "-c", FLOOR_CODE], self.base_env))
        floor.warm += [run for row in rows.values() for run in row.floor]
        return [floor, parse, *rows.values()]


def default_command(python: str) -> list[str]:
    """The `alliance` entry point installed beside `python`, as a user runs it; else `python -m alliance_cli`."""
    script = Path(python).parent / ("alliance.exe" if sys.platform == "win32" else "alliance")
    return [str(script)] if script.is_file() else [python, "-m", "alliance_cli"]


def dataset(data: Path, n: int) -> Path:
    """A generated facts directory of n claims, reused when the generator has not changed."""
    facts, stamp = data / f"facts-{n}", data / f"facts-{n}.stamp"
    expected = f"generator {GENERATOR_VERSION}, {n} claims\n"
    if facts.is_dir() and stamp.is_file() and stamp.read_text() == expected:
        return facts
    stamp.unlink(missing_ok=True)
    # In a process of its own: the generator's memory would otherwise stay with this one.
    script = Path(__file__).with_name("generate.py")
    subprocess.run([sys.executable, str(script), str(n), str(facts)], check=True, stdout=subprocess.DEVNULL)
    stamp.write_text(expected)
    return facts


def settle(facts: Path) -> None:
    """Wait until no facts file changed in the last 2 s: the tool trusts none younger to its cache."""
    newest = max((max(p.stat().st_mtime, p.stat().st_ctime) for p in facts.rglob("*.y*ml")), default=0)
    time.sleep(max(0.0, newest + SETTLE_SECONDS - time.time()))


def shipped(bench: Bench, override: Path | None) -> tuple[Path | None, str]:
    """The facts directory the installed package resolves, and its claim count; or a reason to skip it."""
    where = override or Path(bench.probe("from alliance_cli.store import shipped_facts_dir; print(shipped_facts_dir())"))
    result = subprocess.run([*bench.alliance, "--facts", str(where), "validate"], capture_output=True, text=True,
                            env=bench.base_env)
    words = result.stdout.split()
    if result.returncode != 0 or not words or not words[0].isdigit():
        why = (result.stderr.strip().splitlines() or ["no output"])[0]
        return None, f"skipped: the shipped facts directory {where} does not load ({why})"
    if words[0] == "0":
        return None, f"skipped: the shipped facts directory {where} has no claims"
    return where, words[0]


def fmt_s(x: float | None) -> str:
    return "" if x is None else f"{x:.3f}"


def fmt_x(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}x"


def fmt_mib(x: float | None) -> str:
    return "" if x is None else f"{x:.0f}"


def table(results: list[tuple[str, list[Row]]]) -> tuple[list[str], list[list[str]], dict]:
    header = ["claims", "what", "cold s", "cold/parse", "warm s", "warm/floor", "MiB cold", "MiB warm", "note"]
    lines: list[list[str]] = []
    measures: dict = {}
    for size, rows in results:
        floor = median(rows[0].warm) if rows else None
        parse = median(rows[1].cold) if len(rows) > 1 else None
        validate = next((median(r.cold) for r in rows if r.label == "validate" and not r.note and not r.failed()), None)
        for row in rows:
            failed = row.failed()
            if row.note or failed:
                lines.append([size, row.label, "", "", "", "", "", "", row.note or failed])
                continue
            cold, warm = median(row.cold), median(row.warm)
            cold_ratio = cold / parse if cold and parse and not row.label.startswith("parse") else None
            warm_ratio = None
            if warm and row.floor and not row.label.startswith("floor"):
                warm_ratio = statistics.median(w.seconds / f.seconds for w, f in zip(row.warm, row.floor))
            measures[(size, row.label)] = {"cold/parse": cold_ratio, "warm/floor": warm_ratio, "warm s": warm,
                                           "warm MiB": peak(row.warm),
                                           "cold/validate": cold / validate if cold and validate else None}
            note = f"{cold / validate:.2f}x validate" if row.label == "lint" and cold and validate else ""
            lines.append([size, row.label, fmt_s(cold), fmt_x(cold_ratio), fmt_s(warm), fmt_x(warm_ratio),
                          fmt_mib(peak(row.cold)), fmt_mib(peak(row.warm)), note])
    return header, lines, measures


def verdicts(measures: dict) -> list[list[str]]:
    out = []
    for what, size, command, measure, limit in TARGETS:
        key = "shipped" if size == "shipped" else f"{size:,}"
        labels = [label for label, _ in COMMANDS] if command == "*" else [command]
        values = [measures[(key, label)][measure] for label in labels if (key, label) in measures]
        values = [v for v in values if v is not None]
        if not values:
            out.append([what, f"<= {limit:g}", "not measured", ""])
            continue
        worst = max(values)
        shown = fmt_x(worst) if "/" in measure else f"{worst:.1f}" if "MiB" in measure else f"{worst:.2f}"
        out.append([what, f"<= {limit:g}", shown, "met" if worst <= limit else "MISSED"])
    return out


def render_text(header: list[str], lines: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *lines]) for i in range(len(header))]
    out = []
    for i, r in enumerate([header, *lines]):
        out.append("  ".join(c.ljust(w) if j < 2 or j == len(r) - 1 else c.rjust(w)
                             for j, (c, w) in enumerate(zip(r, widths))).rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def render_markdown(header: list[str], lines: list[list[str]]) -> str:
    align = ["---" if i < 2 or i == len(header) - 1 else "---:" for i in range(len(header))]
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in lines]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"comma-separated claim counts and/or 'shipped' (default {DEFAULT_SIZES})")
    parser.add_argument("--repeat", type=int, default=5,
                        help="rounds (three times as many below 10,000 claims); the table shows medians (default 5)")
    parser.add_argument("--smoke", action="store_true", help="a quick check that everything runs: 50 claims and the shipped set, one round")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "alliance-bench",
                        help="where generated facts directories are kept and reused (default: %(default)s)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter with alliance-cli installed (default: this one)")
    parser.add_argument("--alliance", help="the command to benchmark (default: PYTHON -m alliance_cli)")
    parser.add_argument("--shipped", type=Path, help="facts directory to use as the shipped set (default: the package's)")
    parser.add_argument("--markdown", type=Path, help="also write the results as Markdown to this file")
    args = parser.parse_args(argv)
    if args.smoke:
        args.sizes, args.repeat = "shipped,50", 1

    bench = Bench(args)
    versions = bench.probe(
        "import importlib.metadata as m, platform, yaml; "
        "print(platform.python_version(), *(m.version(p) for p in ('alliance-cli', 'typer', 'rich', 'PyYAML', 'pydantic')),"
        " yaml.__with_libyaml__)"
    ).split()
    if len(versions) != 7:
        print(f"error: cannot run {bench.python} with alliance-cli installed", file=sys.stderr)
        return 2
    env_line = (f"Python {versions[0]} ({platform.python_implementation()}), {platform.system()} {platform.machine()}, "
                f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start; alliance-cli {versions[1]}, "
                f"typer {versions[2]}, rich {versions[3]}, PyYAML {versions[4]} (libyaml: {versions[6]}), "
                f"pydantic {versions[5]}; command: {shlex.join(bench.alliance)}; "
                f"{args.repeat} round{'s' * (args.repeat != 1)}"
                f"{'' if args.smoke else f' ({3 * args.repeat} below 10,000 claims)'}, medians")
    print(env_line, file=sys.stderr)

    available = bench.available()
    results: list[tuple[str, list[Row]]] = []
    notes: list[str] = []
    try:
        for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
            if size == "shipped":
                facts, count = shipped(bench, args.shipped)
                if facts is None:
                    notes.append(f"shipped set: {count}")
                    results.append(("shipped", [Row("all commands", note="skipped: see above")]))
                    continue
                notes.append(f"shipped set: {count} claims in {facts}")
            else:
                n = int(size)
                print(f"{n:,} claims: generating (or reusing) under {args.data}", file=sys.stderr, flush=True)
                facts = dataset(args.data, n)
                size = f"{n:,}"
            settle(facts)
            # Small sets get three times the rounds: their runs are short, so noise weighs more and costs little.
            small = size == "shipped" or int(size.replace(",", "")) < 10_000
            rounds = args.repeat * (3 if small and not args.smoke else 1)
            results.append((size, bench.measure(facts, available, f"{size} claims", rounds)))
    finally:
        shutil.rmtree(bench.work, ignore_errors=True)

    header, lines, measures = table(results)
    targets = verdicts(measures)
    target_header = ["target", "limit", "measured (worst)", ""]
    print()
    print(env_line)
    for note in notes:
        print(note)
    print()
    print(render_text(header, lines))
    if any(t[-1] for t in targets):  # a smoke run measures none of them
        print()
        print(render_text(target_header, targets))
    if args.markdown:
        args.markdown.write_text(
            f"{env_line}.\n\n" + "".join(f"- {n}\n" for n in notes) + "\n" + render_markdown(header, lines)
            + "\n\n" + render_markdown(target_header, targets) + "\n",
            encoding="utf-8",
        )
    failures = [line for line in lines if line[-1].startswith("failed")]
    for line in failures:
        print(f"error: {line[1]} at {line[0]} claims {line[-1]}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
