"""Write a synthetic facts directory of N valid claims with the shape of the real dataset.

Many partners (a few large, most small), claims split into one file per partner, one to four
citations per claim, partial dates, quantities, treaties, contested claims and related claims.
The text is nonsense, but with the word frequencies of prose (Zipf's law over a vocabulary of 3,000,
the real words below among made-up ones), so that a search for a word such as "drones" matches a
realistic share of the claims (about 9%) rather than most of them; the output is deterministic for a
given N and seed.

    python benchmarks/generate.py 100000 /tmp/alliance-bench/facts-100000
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from pathlib import Path

MARKER = "GENERATED-BY-BENCHMARKS"  # a directory holding it may be replaced; any other is left alone
GENERATOR_VERSION = "2"  # bump when the output changes, so run.py regenerates its datasets

# The real partners the benchmark looks up, and how much more often each appears than a synthetic one.
MAIN_PARTNERS = [
    ("iran", "Iran", "IR", "IRN", ["Islamic Republic of Iran", "Tehran"]),
    ("north-korea", "North Korea", "KP", "PRK", ["DPRK", "Pyongyang"]),
    ("china", "China", "CN", "CHN", ["PRC", "Beijing"]),
    ("belarus", "Belarus", "BY", "BLR", ["Minsk"]),
    ("india", "India", "IN", "IND", ["New Delhi"]),
    ("syria", "Syria", "SY", "SYR", ["Damascus"]),
]
MAIN_WEIGHT = 3
OBSERVERS = [  # who alleges and who denies
    ("united-states", "United States", "US", "USA", ["USA", "Washington"]),
    ("ukraine", "Ukraine", "UA", "UKR", ["Kyiv"]),
    ("south-korea", "South Korea", "KR", "KOR", ["ROK", "Seoul"]),
    ("united-kingdom", "United Kingdom", "GB", "GBR", ["UK", "Britain"]),
]
SYLLABLES = "ba be bo da de do ka ke ko la le lo ma me mo na ne no ra re ro sa se so ta te to va ve vo za zo".split()
WORDS = (
    "agreement arms artillery shells drones missiles oil gas pipeline trade turnover billion sanctions "
    "exercise naval joint summit visit minister president delegation cooperation memorandum partnership "
    "strategic military technical supply deliveries payment rouble yuan export import grain fertilizer "
    "nuclear reactor satellite launch training advisers troops brigade border port railway corridor bank "
    "loan investment ammunition tanks aircraft fighter helicopters components microchips dual-use goods "
    "officials reported according intelligence estimates analysts said announced signed agreed confirmed"
).split()
KINDS = [
    ("trade", 14), ("energy", 10), ("economic-support", 6), ("arms", 12), ("technology", 6), ("troops", 5),
    ("military-cooperation", 12), ("military-presence", 4), ("membership", 3), ("vote", 4), ("diplomacy", 10),
    ("summit", 6), ("sanctions", 4), ("defense-policy", 3), ("treaty", 5),
]
UNITS = ["USD billion", "USD million", "troops", "drones", "artillery shells", "tonnes", "barrels per day"]
OUTLETS = ["The Wire", "Reuters", "Global Times", "Kyiv Independent", "Meduza", "The Diplomat", "RksNews", None]
SOURCE_KINDS = ["article", "article", "article", "report", "essay", "blog-post", "podcast", "slideshow"]


def _slug_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) + rng.choice(["ia", "land", "stan", "a"])
        if name not in used:
            used.add(name)
            return name


def _codes(rng: random.Random, used: set[str]) -> tuple[str, str]:
    # Unique ISO-like codes for synthetic countries that clash with no real code or alias above.
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    codes = []
    for size in (2, 3):
        while True:
            code = "".join(rng.choice(letters) for _ in range(size))
            if code not in used:
                used.add(code)
                codes.append(code)
                break
    return codes[0], codes[1]


def _vocabulary(size: int = 3000, spacing: int = 17) -> tuple[list[str], list[float]]:
    """Words and the cumulative weights of Zipf's law (the k-th commonest word weighs 1/k): the real words
    at every `spacing`-th rank from the top, made-up words of two or three syllables at the others."""
    rng = random.Random(0)
    made_up: list[str] = []
    seen = set(WORDS)
    while len(made_up) < size - len(WORDS):
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
        if word not in seen:
            seen.add(word)
            made_up.append(word)
    real, invented = iter(WORDS), iter(made_up)
    words = [next(real) if rank % spacing == 0 and rank // spacing < len(WORDS) else next(invented)
             for rank in range(size)]
    weights, total = [], 0.0
    for rank in range(1, size + 1):
        total += 1 / rank
        weights.append(total)
    return words, weights


VOCABULARY, CUMULATIVE_WEIGHTS = _vocabulary()


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = rng.choices(VOCABULARY, cum_weights=CUMULATIVE_WEIGHTS, k=rng.randint(low, high))
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def _date(rng: random.Random) -> str | None:
    r = rng.random()
    year = rng.randint(1992, 2025)
    if r < 0.08:
        return None
    if r < 0.28:
        return str(year)
    if r < 0.48:
        return f"{year}-{rng.randint(1, 12):02d}"
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _flow(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def generate(n_claims: int, out: Path, seed: int = 6) -> dict[str, int]:
    """Write `out/{sources,entities}.yaml` and `out/claims/*.yaml`; return counts."""
    rng = random.Random(seed)
    if out.exists():
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise SystemExit(f"{out} exists and was not written by this generator; not replacing it")
        shutil.rmtree(out)
    (out / "claims").mkdir(parents=True)
    (out / MARKER).write_text("Synthetic facts written by benchmarks/generate.py; safe to delete.\n")

    # Partners grow with the dataset (a user adding countries), from 20 to 300.
    n_synthetic = max(20, min(300, n_claims // 300))
    used_names = {p[0] for p in MAIN_PARTNERS + OBSERVERS}
    used_codes = {c.upper() for p in MAIN_PARTNERS + OBSERVERS for c in (*p[2:4], *p[4])} | {"SCO", "CSTO", "BRICS", "RU", "RUS"}
    entities = [("russia", "Russia", "RU", "RUS", ["Russian Federation", "Moscow"])]
    entities += MAIN_PARTNERS + OBSERVERS
    synthetic = []
    for i in range(n_synthetic):
        slug = _slug_name(rng, used_names)
        iso2, iso3 = _codes(rng, used_codes)
        synthetic.append((slug, slug.capitalize(), iso2, iso3, [f"Republic of {slug.capitalize()}"]))
    entities += synthetic
    organizations = [("brics", "BRICS", None, None, []), ("csto", "Collective Security Treaty Organization", None, None, ["CSTO"]),
                     ("sco", "Shanghai Cooperation Organisation", None, None, ["SCO"])]
    entities += organizations

    lines = ["entities:"]
    for slug, name, iso2, iso3, aliases in entities:
        lines += [f"  - id: {slug}", f"    name: {_q(name)}", f"    kind: {'country' if iso2 else 'organization'}"]
        if iso2:
            lines += [f"    iso2: {_q(iso2)}", f"    iso3: {_q(iso3)}"]
        lines.append(f"    aliases: {_flow([_q(a) for a in aliases])}")
    (out / "entities.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    # Sources grow too: one for every 40 claims, at least 10.
    n_sources = max(10, n_claims // 40)
    lines = ["sources:"]
    source_ids = []
    for i in range(n_sources):
        sid = f"source-{i:05d}-{rng.choice(WORDS).replace('-', '')}"
        source_ids.append(sid)
        outlet = rng.choice(OUTLETS)
        published = _date(rng)
        lines += [
            f"  - id: {sid}",
            f"    title: {_q(_sentence(rng, 5, 12)[:-1])}",
            f"    outlet: {_q(outlet) if outlet else 'null'}",
            f"    kind: {rng.choice(SOURCE_KINDS)}",
            f"    byline: {_q('A. ' + rng.choice(SYLLABLES).capitalize() + 'vić') if rng.random() < 0.5 else 'null'}",
            f"    published: {published or 'null'}",
            f"    url: {'https://example.org/' + sid if rng.random() < 0.7 else 'null'}",
            f"    cites: {_flow([_q(rng.choice(OUTLETS[:-1])) for _ in range(rng.randint(0, 2))])}",
            f"    archive: {i:03d}_{rng.getrandbits(64):016x}.txt",
            f"    sha256: {rng.getrandbits(256):064x}",
        ]
    (out / "sources.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    partners = MAIN_PARTNERS * MAIN_WEIGHT + synthetic
    observer_ids = [o[0] for o in OBSERVERS]
    kinds, weights = zip(*KINDS)
    per_file: dict[str, list[str]] = {}
    ids_per_file: dict[str, list[str]] = {}
    for i in range(n_claims):
        partner = rng.choice(partners)[0]
        kind = rng.choices(kinds, weights)[0]
        parties = ["russia", partner]
        if rng.random() < 0.12:
            other = rng.choice(partners)[0]
            if other != partner:
                parties.append(other)
        if rng.random() < 0.05:
            parties.append(rng.choice(organizations)[0])
        cid = f"{partner}-{kind}-{i:06d}"
        date = _date(rng)
        status = rng.choices(["reported", "alleged", "denied", "disputed"], [70, 18, 5, 7])[0]
        rec = [f"  - id: {cid}", f"    kind: {kind}", f"    parties: {_flow(parties)}", f"    date: {date or 'null'}"]
        if date and rng.random() < 0.05:
            rec.append(f"    end: {int(date[:4]) + rng.randint(1, 5)}")
        rec.append(f"    statement: {_q(_sentence(rng, 10, 24))}")
        if kind == "treaty":
            rec += [
                "    treaty:",
                f"      name: {_q('Treaty on ' + _sentence(rng, 2, 4)[:-1])}",
                f"      signed: {date or 'null'}",
                f"      place: {_q(rng.choice(['Moscow', 'Tehran', 'Pyongyang', 'Minsk', 'Beijing']))}",
                f"      obligations: {_flow(rng.sample(['defense', 'consultation', 'nonaggression'], rng.randint(0, 2)))}",
                f"      mutual_defense: {rng.choice(['true', 'false', 'null'])}",
            ]
        if kind in ("trade", "energy", "arms", "troops", "economic-support") and rng.random() < 0.6:
            amount = round(rng.uniform(1, 5000), rng.choice([0, 1]))
            q = f"amount: {amount:g}, unit: {_q(rng.choice(UNITS))}"
            if rng.random() < 0.2:
                q += f", lower: {amount * 0.8:g}, upper: {amount * 1.5:g}"
            if rng.random() < 0.3:
                q += ", approximate: true"
            rec.append(f"    quantity: {{{q}}}")
        rec.append(f"    status: {status}")
        if status == "alleged":
            rec.append(f"    asserted_by: {_flow(rng.sample(observer_ids, rng.randint(1, 2)))}")
        if status in ("denied", "disputed") or (status == "alleged" and rng.random() < 0.3):
            rec.append(f"    denied_by: {_flow(['russia'])}")
        earlier = ids_per_file.get(partner)
        if earlier and rng.random() < 0.05:
            rec.append(f"    related: [{rng.choice(earlier)}]")
        rec.append("    citations:")
        for _ in range(rng.choices([1, 2, 3, 4], [35, 35, 20, 10])[0]):
            rec.append(f"      - source: {rng.choice(source_ids)}")
            rec.append(f"        quote: {_q(_sentence(rng, 12, 30))}")
            if rng.random() < 0.1:
                rec.append(f"        note: {_q(_sentence(rng, 4, 10))}")
        per_file.setdefault(partner, []).append("\n".join(rec))
        ids_per_file.setdefault(partner, []).append(cid)
    for partner, records in per_file.items():
        (out / "claims" / f"{partner}.yaml").write_text("claims:\n" + "\n".join(records) + "\n", encoding="utf-8")
    return {"claims": n_claims, "sources": n_sources, "entities": len(entities), "files": len(per_file) + 2}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("claims", type=int, help="how many claims to write")
    parser.add_argument("out", type=Path, help="the facts directory to (re)create")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    counts = generate(args.claims, args.out, args.seed)
    print(", ".join(f"{v} {k}" for k, v in counts.items()), "written to", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
