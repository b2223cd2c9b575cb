"""How counts read in English: `1 claim`, `2 claims`, `1 entity`, `3 entities`."""

from __future__ import annotations


def plural(noun: str) -> str:
    """`claim` as `claims`, `entity` as `entities`, `quote` as `quotes`."""
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun + "s"


def counted(n: int, noun: str) -> str:
    """`1 claim`, `0 claims`, `2000 claims`: the number and the noun, agreeing."""
    return f"{n} {noun if n == 1 else plural(noun)}"
