"""Check every citation against the archived source texts: checksum, then the quote itself."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .curate.matcher import Archive, describe, differences, normalize
from .errors import AllianceError
from .files import MAX_ARCHIVE_BYTES, is_inside, read_limited
from .model import Dataset


@dataclass(frozen=True, slots=True)
class Failure:
    claim: str | None
    source: str
    reason: str
    quote: str | None = None


@dataclass(frozen=True, slots=True)
class Report:
    quotes_checked: int
    sources_matched: int
    failures: list[Failure]


def verify(dataset: Dataset, sources_dir: Path) -> Report:
    texts: dict[str, str] = {}
    archived: dict[str, str] = {}
    failures: list[Failure] = []
    for source in dataset.sources.values():
        path = sources_dir / source.archive
        if not is_inside(path, sources_dir):
            # `archive: ../../etc/hostname`, or a link in the folder pointing out of it: never read.
            failures.append(Failure(None, source.id, f"archive {source.archive} leads out of {sources_dir}; "
                                                     "only files inside it are read"))
            continue
        try:
            data = read_limited(path, MAX_ARCHIVE_BYTES, str(path))
        except AllianceError as e:
            reason = e.problems[0].message
            if reason.startswith("cannot read file: No such file"):
                reason = f"archive {source.archive} not found in {sources_dir}"
            else:
                reason = f"archive {source.archive}: {reason}"
            failures.append(Failure(None, source.id, reason))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest != source.sha256:
            failures.append(Failure(None, source.id, f"archive {source.archive} has sha256 {digest}, "
                                                     f"the source record says {source.sha256}"))
            continue
        archived[source.id] = data.decode("utf-8", errors="replace")
        texts[source.id] = normalize(archived[source.id])
    archives: dict[str, Archive] = {}  # built for a source only when one of its quotes is missing
    checked = 0
    for claim in dataset.claims:
        for cit in claim.citations:
            text = texts.get(cit.source)
            if text is None:
                continue  # the archive's own failure is reported once, above
            checked += 1
            if normalize(cit.quote) not in text:
                archive = archives.get(cit.source) or archives.setdefault(cit.source, Archive(archived[cit.source]))
                failures.append(Failure(claim.id, cit.source, _miss(archive, cit.quote), cit.quote))
    return Report(checked, len(texts), failures)


def _miss(archive: Archive, quote: str) -> str:
    """Why a quote is not in the text, with the closest passage: `...at line 12 differs: 'a' -> 'b'`."""
    found = archive.find(quote)
    changes = differences(quote, found.best.text, case=True) if found.passages else ()
    if not changes:
        return "quote not found in the archived text"
    return f"quote not found; closest passage at line {found.best.line} differs: {describe(changes)}"
