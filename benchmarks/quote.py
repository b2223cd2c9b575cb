"""Time the quote finder on a 1 MB archived text: in process, and as whole `alliance quote` runs.

The text is made of real words in nonsense sentences (deterministic for a seed), one line a
paragraph. Quotes are cut from it and typed loosely four ways: as written, with case and
typography changed, with one word changed, and words that are not in it (the slowest case: the
whole text is aligned and nothing is close). A whole run is compared with the floor of our stack,
`python -c "import typer, rich.table, yaml"`, as benchmarks/run.py does.

    python benchmarks/quote.py                 # 1 MB, 5 rounds
    python benchmarks/quote.py --megabytes 4 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ("Russia Iran China treaty partnership signed military cooperation trade billion dollars troops "
         "sanctions energy oil gas summit Moscow Beijing Tehran Pyongyang agreement defense officials said "
         "according reported alleged denied the a of in on with for and to by from that which was were has "
         "have been its their under between during after before against more than about some").split()
FLOOR = "import typer, rich.table, yaml"


def text_of(megabytes: float, seed: int) -> str:
    rng = random.Random(seed)
    out, size = [], 0
    while size < megabytes * 1_000_000:
        sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30))).capitalize() + "."
                     for _ in range(rng.randint(1, 6))]
        line = " ".join(sentences).replace(" the ", " “the” ", 1)
        out.append(line)
        size += len(line) + 1
    return "\n".join(out) + "\n"


def quotes(text: str, seed: int) -> dict[str, str]:
    rng = random.Random(seed + 1)
    start = text.index(" ", int(len(text) * 0.73)) + 1
    words = text[start:start + 400].split()[:14]
    exact = " ".join(words)
    changed = list(words)
    changed[6] = "zanzibar"
    return {
        "as written": exact,
        "case, quotes, spacing": "  ".join(exact.upper().replace("“", '"').replace("”", '"').split()),
        "one word changed": " ".join(changed),
        "not in the text": " ".join(rng.choice(["zanzibar", "quokka", "marmalade", "xylophone"]) for _ in range(12)),
    }


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    from alliance_cli.curate.matcher import Archive

    text = text_of(args.megabytes, args.seed)
    archive = Archive(text)
    rows = [("normalize the text (once per archive)", best(lambda: Archive(text), args.repeat), "")]
    expected = {"as written": "exact", "case, quotes, spacing": "exact", "one word changed": "close",
                "not in the text": "not found"}
    wrong = []
    for name, quote in quotes(text, args.seed).items():
        found = archive.find(quote)
        verdict = "exact" if found.exact else "close" if found.good else "not found"
        if verdict != expected[name]:
            wrong.append(f"{name}: {verdict}, expected {expected[name]}")
        rows.append((f"find: {name}", best(lambda q=quote: archive.find(q), args.repeat),
                     f"line {found.best.line}, {verdict}"))

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "facts" / "claims").mkdir(parents=True)
        (root / "sources").mkdir()
        (root / "sources" / "big.txt").write_text(text, encoding="utf-8")
        import hashlib

        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        (root / "facts" / "sources.yaml").write_text(
            f"sources:\n  - id: big\n    title: Big\n    kind: report\n    archive: big.txt\n    sha256: {digest}\n")
        (root / "facts" / "entities.yaml").write_text("entities:\n  - id: russia\n    name: Russia\n    kind: organization\n")
        (root / "facts" / "claims" / "none.yaml").write_text(
            "claims:\n  - id: c\n    kind: trade\n    parties: [russia]\n    statement: S.\n    citations:\n"
            "      - source: big\n        quote: the\n")
        command = [sys.executable, "-m", "alliance_cli", "--facts", str(root / "facts"), "quote", "big",
                   quotes(text, args.seed)["one word changed"], "--sources", str(root / "sources")]
        env = {**os.environ, "ALLIANCE_CACHE_DIR": str(root / "cache")}
        env.pop("ALLIANCE_NO_CACHE", None)
        time.sleep(2.1)  # the cache does not trust files changed in the last two seconds
        subprocess.run(command, check=True, capture_output=True, env=env)  # writes the cache of the facts
        floor = best(lambda: subprocess.run([sys.executable, "-c", FLOOR], check=True), args.repeat)
        whole = best(lambda: subprocess.run(command, check=True, capture_output=True, env=env), args.repeat)
    rows.append(("process: python -c 'import typer, rich.table, yaml'", floor, ""))
    rows.append(("process: alliance quote (one word changed, cached facts)", whole, f"{whole / floor:.2f}x the floor"))

    print(f"{len(text):,} characters, {text.count(chr(10)):,} lines; medians of {args.repeat} rounds")
    width = max(len(r[0]) for r in rows)
    for name, seconds, note in rows:
        print(f"{name:<{width}}  {seconds * 1000:8.1f} ms  {note}")
    for line in wrong:
        print(f"error: the matcher found {line}", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
