"""Checks a curator should look at beyond validation: one small function per rule, in one table.

`lint()` runs them over a validated Dataset and returns Findings, each naming the file and line of
the claim, the rule, what is wrong and the words that triggered it. A claim may accept a finding in
its YAML (`lint: {ignore: [rule-id], reason: ...}`); the rules never change the data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from ..errors import UsageError, suggest
from ..model import LINT_RULES, Claim, Dataset


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a curator should look at: `file:line: claim-id: rule-id: message (evidence)`."""

    file: str
    line: int
    claim: str
    rule: str
    message: str
    evidence: str = ""

    def __str__(self) -> str:
        evidence = f" ({self.evidence})" if self.evidence else ""
        return f"{self.file}:{self.line}: {self.claim}: {self.rule}: {self.message}{evidence}"


# ---- text helpers -----------------------------------------------------------------------------

# Curly quotes and apostrophes, and dashes, as a curator types them: "Russia’s" is "Russia's".
_FOLD = (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2013", "-"), ("\u2014", "-"))
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_DIGIT = re.compile(r"[0-9]").search


def _fold(text: str) -> str:
    """Curly quotes and dashes made straight; every offset kept. ASCII text (the most) is left as it is."""
    if not text.isascii():
        for curly, straight in _FOLD:  # str.replace, six times over, is quicker than str.translate
            text = text.replace(curly, straight)
    return text


# Plain ASCII text without apostrophes splits into the same words far faster at the byte level.
_PUNCTUATION = bytes(c for c in range(128) if not chr(c).isalnum())
_TO_SPACE = bytes.maketrans(_PUNCTUATION, b" " * len(_PUNCTUATION))


def _words(text: str) -> list[str]:
    """Lower-cased words, punctuation dropped: `Russia’s “no limits”` -> ['russia's', 'no', 'limits']."""
    text = _fold(text)
    if text.isascii() and "'" not in text:
        return text.lower().encode().translate(_TO_SPACE).decode().split()
    return _WORD.findall(text.casefold())


def _span(text: str, first: int, count: int) -> str:
    """Words first..first+count of `text` (as _words counts them), as the text writes them."""
    spans = [m.span() for m in _WORD.finditer(_fold(text))]
    return text[spans[first][0] : spans[first + count - 1][1]]


def _quoted(text: str) -> str:
    return f"“{' '.join(text.split())}”"


# ---- the rules --------------------------------------------------------------------------------

# Attribution and hedging: the source does not say it in its own voice. Single words, and phrases
# (checked only when their first word is there).
_HEDGE_WORDS = frozenset(
    "reportedly report reports allege alleges alleged allegedly allegation allegations accuse accuses accused "
    "accusation accusations claim claims claimed deny denies denied denial denials purportedly unconfirmed "
    "rumor rumors rumour rumours".split())
_HEDGE_PHRASES = {"according": (("according", "to"),), "reported": (("reported", "by"),),
                  "said": tuple((verb, "said", "to") for verb in ("is", "are", "was", "were"))}
_PHRASE_FIRSTS = frozenset(_HEDGE_PHRASES)
_DENIAL_WORDS = frozenset({"deny", "denies", "denied", "denial", "denials"})


def _hedges(words: list[str]) -> list[str]:
    """The hedging words and phrases among `words`, in order of first appearance."""
    present = _HEDGE_WORDS.intersection(words)
    firsts = _HEDGE_PHRASES.keys() & present.union(words) if not _PHRASE_FIRSTS.isdisjoint(words) else ()
    if not present and not firsts:
        return []
    joined = f" {' '.join(words)} "
    found = [(joined.find(f" {w} "), w) for w in present]
    for first in firsts:
        for phrase in _HEDGE_PHRASES[first]:
            at = joined.find(f" {' '.join(phrase)} ")
            if at >= 0:
                found.append((at, " ".join(phrase)))
    return [w for _, w in sorted(found)]


def hedged_as_reported(claim: Claim, ctx: _Context) -> Iterator[tuple[str, str]]:
    """A quote attributes or hedges what the claim states as `reported` (in the source's own voice)."""
    if claim.status != "reported":
        return
    for cit in claim.citations:
        hedges = _hedges(ctx.words(cit.quote))
        if hedges:
            yield ("status is reported, but a quote attributes or hedges it: consider alleged or disputed",
                   f"{', '.join(repr(h) for h in hedges)} in {cit.source}: {_quoted(cit.quote)}")


_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
_MONTH_NAMES = "|".join(_MONTHS)
# "June 19, 2024", "19 June 2024", "June 2024", "2024-06-19", "2024-06": the forms a date is written in.
_DATE = re.compile(
    rf"\b(?:(?P<m1>{_MONTH_NAMES})\s+(?P<d1>\d{{1,2}}),?\s+(?P<y1>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})\s+(?P<m2>{_MONTH_NAMES}),?\s+(?P<y2>\d{{4}})"
    rf"|(?P<m3>{_MONTH_NAMES}),?\s+(?P<y3>\d{{4}})"
    rf"|(?P<iso>\d{{4}}-\d{{2}}(?:-\d{{2}})?))\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"[0-9]{4}").search  # every date form has one: no year, no date to look for
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
# 11,000 / 244.8 / 1.5 million; a number glued to letters (G7, 5G) is a name, not a figure.
_NUMBER = re.compile(
    r"(?<![\w.])(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\w])"
    r"(?:\s+(?P<scale>(?i:thousand|million|billion|trillion))\b)?"
)


def _dates(text: str) -> tuple[list[str], str]:
    """Every date written in `text`, in ISO form at the precision written, and the text without them."""
    found: list[str] = []
    if not _YEAR(text):
        return found, text

    def take(m: re.Match[str]) -> str:
        if m["iso"]:
            found.append(m["iso"])
        else:
            day = m["d1"] or m["d2"]
            month = _MONTHS[(m["m1"] or m["m2"] or m["m3"]).lower()]
            found.append(f"{m['y1'] or m['y2'] or m['y3']}-{month:02d}" + (f"-{int(day):02d}" if day else ""))
        return " "

    return found, _DATE.sub(take, text)


def _numbers(text: str) -> list[tuple[str, set[float]]]:
    """Each number written in digits in `text` (dates taken out), as written and the values it may stand for."""
    out = []
    for m in _NUMBER.finditer(text):
        value, scale = float(m["n"].replace(",", "")), m["scale"]
        out.append((m.group(), {value, value * _SCALES[scale.lower()]} if scale else {value}))
    return out


def _word_numbers(words: list[str]) -> set[float]:
    """The values of numbers written in words: "eight", "two million"."""
    values: set[float] = set()
    if not _NUMBER_WORDS.keys().isdisjoint(words):
        for i, w in enumerate(words):
            if w in _NUMBER_WORDS:
                values.add(float(_NUMBER_WORDS[w]))
                if i + 1 < len(words) and words[i + 1] in _SCALES:
                    values.add(_NUMBER_WORDS[w] * _SCALES[words[i + 1]])
    return values


def _figure(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def unsupported_number(claim: Claim, ctx: _Context) -> Iterator[tuple[str, str]]:
    """A number, year or date in the statement, quantity or treaty that no quote of the claim gives."""
    written: list[tuple[str, str, set[float] | None, str | None]] = []  # (field, as written, values, date)
    for field, text in (("statement", claim.statement), ("treaty.name", claim.treaty and claim.treaty.name)):
        if text and _DIGIT(text):
            dates, rest = _dates(text)
            written += [(field, d, None, d) for d in dates]
            # Digits only: "one source" and "the two countries" are language, not figures.
            written += [(field, shown, values, None) for shown, values in _numbers(rest)]
    q = claim.quantity
    if q is not None:
        for name in ("amount", "lower", "upper"):
            x = getattr(q, name)
            if x is not None:
                written.append((f"quantity.{name}", _figure(x), {x}, None))
    if claim.treaty is not None and claim.treaty.signed:
        written.append(("treaty.signed", claim.treaty.signed, None, claim.treaty.signed))
    if not written:
        return
    quote_dates: set[str] = set()  # each date and what it implies: 2024-06-19, 2024-06 and 2024
    quote_values: set[float] = set()
    for cit in claim.citations:
        quote_values |= _word_numbers(ctx.words(cit.quote))
        if _DIGIT(cit.quote):
            dates, rest = _dates(cit.quote)
            for d in dates:
                quote_dates.update((d, d[:7], d[:4]))
                quote_values.add(float(d[:4]))  # "2024" in a statement is given by "June 19, 2024"
            quote_values.update(v for _, values in _numbers(rest) for v in values)
    seen: set[tuple[str, str]] = set()
    for field, shown, values, date in written:
        if date is not None:  # a bare year may be written as a number: "In 1971, they signed"
            supported = date in quote_dates or (len(date) == 4 and float(date) in quote_values)
        else:
            supported = not values.isdisjoint(quote_values)
        if not supported and (field, shown) not in seen:
            seen.add((field, shown))
            yield f"{field}: no quote of the claim gives this figure in any written form", shown


# A statement repeats a quote when this share of its words follow the quote in the same order (a word
# or two changed, dropped or added), or when it copies a whole clause: this many words in a row.
NEAR_COPY_SHARE = 0.8
NEAR_COPY_RUN = 12
NEAR_COPY_MIN_WORDS = 4  # "Russia has a base." may share every word with its quote and still be ours


def near_copy(claim: Claim, ctx: _Context) -> Iterator[tuple[str, str]]:
    """The statement repeats a quote nearly word for word instead of saying it in our own words."""
    statement = ctx.words(claim.statement)
    if len(statement) < NEAR_COPY_MIN_WORDS:
        return
    for cit in claim.citations:
        quote = ctx.words(cit.quote)
        # At most this many statement words can match: those in the quote, and every repeat of one.
        unique = set(statement)
        shared = len(unique.intersection(quote)) + len(statement) - len(unique)
        if shared < min(NEAR_COPY_RUN, NEAR_COPY_SHARE * len(statement)):
            continue  # too few words in common for either test: spare the matcher
        blocks = [b for b in SequenceMatcher(None, statement, quote, autojunk=False).get_matching_blocks() if b.size]
        covered, run = sum(b.size for b in blocks), max((b.size for b in blocks), default=0)
        if covered >= NEAR_COPY_SHARE * len(statement) or run >= NEAR_COPY_RUN:
            # The shared words as the statement writes them, "…" where the statement leaves the quote.
            shown = " … ".join(_span(claim.statement, b.a, b.size) for b in blocks if b.size > 1 or len(blocks) == 1)
            yield (f"the statement repeats {covered} of its {len(statement)} words in order from a quote in "
                   f"{cit.source}, {run} in a row; say it in our own words", _quoted(shown))


def unlisted_party(claim: Claim, ctx: _Context) -> Iterator[tuple[str, str]]:
    """The statement names an entity that is not among the claim's parties, asserted_by or denied_by."""
    statement = _fold(claim.statement)
    if ctx.name_starts.isdisjoint(_WORD.findall(statement)):
        return  # no word that begins a name: spare the regex
    listed = {*claim.parties, *claim.asserted_by, *claim.denied_by}
    reported: set[str] = set()
    for m in ctx.names.finditer(statement):
        entity = ctx.owner.get(m.group())
        if entity is None or entity in listed or entity in reported:
            continue  # a phrase that is not an entity ("Latin America"), or one already listed
        reported.add(entity)
        yield (f"the statement names entity {entity!r}, which is not in parties, asserted_by or denied_by",
               repr(m.group()))


def one_way_related(claim: Claim, ctx: _Context) -> Iterator[tuple[str, str]]:
    """A claim lists another in `related`, but the other does not list it back."""
    for other_id in claim.related:
        other = ctx.dataset.claims_by_id.get(other_id)
        if other is not None and claim.id not in other.related:
            yield f"lists {other_id!r} in related, but {other_id!r} does not list it back", ""


def unlinked_denial(claim: Claim, ctx: _Context) -> Iterator[tuple[str, str]]:
    """Two claims cite the same denial sentence but neither lists the other in `related`."""
    for key in ctx.denials_of.get(claim.id, ()):
        for other_id in ctx.denial_claims[key]:
            if other_id != claim.id and not ctx.linked(claim.id, other_id):
                yield (f"cites the same denial as {other_id!r} but neither lists the other in related",
                       f"{key[0]}: {_quoted(ctx.denial_quote[key])}")


def denied_elsewhere(claim: Claim, ctx: _Context) -> Iterator[tuple[str, str]]:
    """A `reported` claim about the same parties and kind as a claim whose citations carry a denial."""
    if claim.status != "reported":
        return
    for other_id, quote in ctx.denied_by_subject.get((claim.kind, frozenset(claim.parties)), ()):
        if other_id != claim.id and not ctx.linked(claim.id, other_id):
            yield (f"reported, but {other_id!r} (same kind and parties) cites a denial; relate the two or "
                   "change the status", f"{quote[0]}: {_quoted(quote[1])}")


Rule = Callable[[Claim, "_Context"], Iterable[tuple[str, str]]]
# Every rule, in the order its findings are listed within a claim. model.LINT_RULES names the same.
RULES: dict[str, Rule] = {
    "hedged-as-reported": hedged_as_reported,
    "unsupported-number": unsupported_number,
    "near-copy": near_copy,
    "unlisted-party": unlisted_party,
    "one-way-related": one_way_related,
    "unlinked-denial": unlinked_denial,
    "denied-elsewhere": denied_elsewhere,
}
assert tuple(RULES) == LINT_RULES, "model.LintRule and lint.RULES must name the same rules"

# Phrases that contain an entity's name or alias but name something else: "Latin America" is not the
# United States (alias "America"). Matched first, as the longest name wins, and then skipped.
NOT_ENTITIES = ("Latin America", "South America", "North America", "Central America")


class _Context:
    """What rules share, built once per run: the names regex, denial indexes and related links."""

    def __init__(self, dataset: Dataset, active: set[str]) -> None:
        self.dataset = dataset
        self._words: dict[str, list[str]] = {}
        if "unlisted-party" in active:
            self.owner: dict[str, str | None] = {p: None for p in NOT_ENTITIES}
            for e in dataset.entities.values():
                for name in (e.name, *e.aliases):  # not ids or ISO codes: `in`, `car` and `us` are words
                    self.owner.setdefault(_fold(name), e.id)
            names = sorted(self.owner, key=len, reverse=True)  # the longest name wins: "South Korea's NIS"
            self.name_starts = frozenset(_WORD.match(n)[0] for n in names if _WORD.match(n))
            self.names = re.compile(r"(?<![\w'])(?:" + "|".join(map(re.escape, names)) + r")(?![\w])")
        # A denial sentence, by source and its words (the same sentence with other quote marks or
        # spacing is the same denial): the claims citing it, and the quote as first written.
        self.denial_claims: dict[tuple[str, str], list[str]] = {}
        self.denial_quote: dict[tuple[str, str], str] = {}
        self.denials_of: dict[str, list[tuple[str, str]]] = {}
        self.denied_by_subject: dict[tuple[str, frozenset[str]], list[tuple[str, tuple[str, str]]]] = {}
        if active & {"unlinked-denial", "denied-elsewhere"}:
            for claim in dataset.claims:
                first = None
                for cit in claim.citations:
                    words = self.words(cit.quote)
                    if _DENIAL_WORDS.isdisjoint(words):
                        continue
                    key = (cit.source, " ".join(words))
                    group = self.denial_claims.setdefault(key, [])
                    self.denial_quote.setdefault(key, cit.quote)
                    if claim.id not in group:
                        group.append(claim.id)
                        self.denials_of.setdefault(claim.id, []).append(key)
                    first = first or (cit.source, cit.quote)
                if first:
                    subject = (claim.kind, frozenset(claim.parties))
                    self.denied_by_subject.setdefault(subject, []).append((claim.id, first))

    def words(self, text: str) -> list[str]:
        """_words(text), once per text: rules share them, and a quote is often cited by several claims."""
        words = self._words.get(text)
        if words is None:
            words = self._words[text] = _words(text)
        return words

    def linked(self, a: str, b: str) -> bool:
        ca, cb = self.dataset.claims_by_id.get(a), self.dataset.claims_by_id.get(b)
        return (ca is not None and b in ca.related) or (cb is not None and a in cb.related)


def check_rule_names(names: Iterable[str], option: str) -> list[str]:
    """Rule ids as given on the command line, or a UsageError naming the unknown one with a suggestion."""
    out = []
    for name in names:
        if name not in RULES:
            raise UsageError(f"{option}: unknown rule {name!r}{suggest(name, RULES)}; rules: {', '.join(RULES)}")
        out.append(name)
    return out


def lint(
    dataset: Dataset,
    facts_dir: Path,
    *,
    rules: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    claim_ids: Iterable[str] | None = None,
    places: Mapping[str, tuple[str, int]] | None = None,
) -> list[Finding]:
    """Run the rules (all, or `rules`, less `ignore`) over the dataset's claims (all, or `claim_ids`).

    Findings a claim accepts in its `lint:` block are left out. `places` maps a claim id to the file
    and line it is written at (store.check gives it); without it they are read from `facts_dir`.
    Returns the findings sorted by file and line.
    """
    chosen = check_rule_names(rules if rules is not None else RULES, "--rule")
    dropped = set(check_rule_names(ignore, "--ignore"))
    active = [name for name in RULES if name in chosen and name not in dropped]  # the table's order
    if places is None:
        from ..store import claim_places

        places = claim_places(facts_dir)
    ctx = _Context(dataset, set(active))
    wanted = None if claim_ids is None else set(claim_ids)
    findings: list[Finding] = []
    for claim in dataset.claims:
        if wanted is not None and claim.id not in wanted:
            continue
        accepted = set(claim.lint.ignore) if claim.lint is not None else set()
        file, line = places.get(claim.id, ("?", 0))
        for name in active:
            if name in accepted:
                continue
            for message, evidence in RULES[name](claim, ctx):
                findings.append(Finding(file, line, claim.id, name, message, evidence))
    findings.sort(key=lambda f: (f.file, f.line))  # stable: rule order within a claim is kept
    return findings
