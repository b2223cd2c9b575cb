"""A self-contained HTML fact sheet: one page, no external scripts, fonts or styles; for phones and print.

Every text from the data goes through `_h()` (html.escape after making controls visible), and a
source's URL becomes a link only when it is http or https: a `javascript:` URL stays text.
"""

from __future__ import annotations

import html

from .. import __version__
from ..model import Citation, Claim, Dataset, Source
from ..query import citation
from .datapackage import UNTITLED
from .view import Listing, Rows, entity_name, json_array, quantity_text, treaty_text, visible, web_address, when

STYLE = """
:root { color-scheme: light; --ink: #1b1b1b; --muted: #555; --rule: #d6d6d6; --alleged: #8a4b00;
  --alleged-bg: #fff4e0; --denied: #9b1c1c; --denied-bg: #fde8e8; }
* { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  background: #fff; overflow-wrap: anywhere; }
header, main, footer { max-width: 46rem; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1.5rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 2px solid var(--ink); }
.subtitle { color: var(--muted); margin: 0 0 1rem; }
article { border-top: 1px solid var(--rule); padding: 1rem 0; }
article:target { background: #fffbd6; }
.meta { font-size: .9rem; color: var(--muted); margin: 0 0 .35rem; display: flex; flex-wrap: wrap; gap: .25rem .75rem; }
.meta a { color: inherit; }
.status { font-weight: 700; text-transform: uppercase; letter-spacing: .03em; color: var(--alleged); }
.status-reported .status { font-weight: 400; text-transform: none; letter-spacing: 0; color: var(--muted); }
.status-denied .status, .status-disputed .status { color: var(--denied); }
.contest { border-left: 4px solid var(--alleged); background: var(--alleged-bg); padding: .4rem .6rem; margin: .5rem 0;
  font-size: .95rem; }
.status-denied .contest, .status-disputed .contest { border-color: var(--denied); background: var(--denied-bg); }
.statement { font-size: 1.05rem; margin: .25rem 0; }
.details { color: var(--muted); font-size: .95rem; margin: .25rem 0; }
sup { line-height: 0; }
sup a { text-decoration: none; }
ol.citations { margin: .5rem 0 0; padding-left: 2.2rem; font-size: .92rem; }
ol.citations li { margin: .4rem 0; }
blockquote { margin: .2rem 0; padding-left: .6rem; border-left: 3px solid var(--rule); font-style: italic; }
.note { color: var(--muted); margin: .1rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid var(--rule); }
footer { margin-top: 2rem; padding-bottom: 2rem; font-size: .9rem; color: var(--muted); }
footer > div { border-top: 2px solid var(--ink); padding-top: .75rem; }
@media (max-width: 30rem) { body { font-size: .97rem; } h1 { font-size: 1.35rem; } ol.citations { padding-left: 1.6rem; } }
@media print {
  body { font-size: 10.5pt; }
  header, main, footer { max-width: none; padding: 0; }
  article { break-inside: avoid; }
  article:target { background: none; }
  article.claim .contest { background: none; }
  a { color: inherit; text-decoration: none; }
  li a[href^="http"]::after { content: " <" attr(href) ">"; font-size: .85em; }
}
"""


def _h(text: object) -> str:
    """Data as HTML text: controls shown as escapes, then <, >, & and both quotes escaped."""
    return html.escape(visible("" if text is None else str(text)), quote=True)


def _url(url: str | None) -> str | None:
    """A URL safe to link to, else None: `javascript:` and `data:` stay text (see `web_address`)."""
    return url if url and web_address(url) else None


def _names(ds: Dataset, ids: tuple[str, ...]) -> str:
    return ", ".join(_h(entity_name(ds, i)) for i in ids)


def _status(ds: Dataset, claim: Claim) -> str:
    """The status as words a reader cannot miss: an allegation says so, with who asserts and who denies."""
    if claim.status == "reported" and not claim.denied_by:
        return ""
    parts = [f"<strong>{_h(claim.status.capitalize())}</strong>"]
    if claim.asserted_by:
        parts.append(f"asserted by {_names(ds, claim.asserted_by)}")
    if claim.denied_by:
        parts.append(f"denied by {_names(ds, claim.denied_by)}")
    return f'<p class="contest">{"; ".join(parts)}.</p>'


def _source(source: Source) -> str:
    title = f"“{_h(source.title)}”"
    url = _url(source.url)
    if url:
        title = f'<a href="{_h(url)}" rel="noreferrer noopener">{title}</a>'
    elif source.url:
        title += f" ({_h(source.url)})"
    bits = [_h(b) for b in (source.byline, source.outlet) if b]
    bits.append(title)
    bits.append(_h(f"{source.kind}, {source.published or 'n.d.'}"))
    return ", ".join(bits)


def _citation(ds: Dataset, n: int, cit: Citation) -> str:
    note = f'<p class="note">Note: {_h(cit.note)}</p>' if cit.note else ""
    return (f'<li id="cite-{n}" value="{n}">{_source(ds.sources[cit.source])}'
            f"<blockquote>“{_h(cit.quote)}”</blockquote>{note}</li>")


def _claim(ds: Dataset, claim: Claim, numbered: list[tuple[int, Citation]], on_page: set[str]) -> str:
    marks = "".join(f'<a href="#cite-{n}">[{n}]</a>' for n, _ in numbered)
    details = "; ".join(_h(d) for d in (quantity_text(claim), treaty_text(claim)) if d)
    if claim.related:
        # A related claim on this page is a link; one the filters left out is named by its id.
        related = ", ".join(f'<a href="#{_h(r)}">{_h(r)}</a>' if r in on_page else _h(r) for r in claim.related)
        details += f"{'; ' if details else ''}related: {related}"
    return "\n".join(filter(None, [
        f'<article id="{_h(claim.id)}" class="claim status-{_h(claim.status)}">',
        f'<p class="meta"><time>{_h(when(claim))}</time><span>{_h(claim.kind)}</span>'
        f'<span class="status">{_h(claim.status)}</span><a href="#{_h(claim.id)}">#{_h(claim.id)}</a></p>',
        _status(ds, claim),
        f'<p class="statement">{_h(claim.statement)} <sup>{marks}</sup></p>',
        f'<p class="details">{details}</p>' if details else "",
        f'<ol class="citations">{"".join(_citation(ds, n, cit) for n, cit in numbered)}</ol>',
        "</article>",
    ]))


def cite_as(ds: Dataset) -> str:
    """How to cite the dataset (as `alliance about` says), and the sources too."""
    if ds.info is None:
        return f"A facts directory without a dataset.yaml, read with alliance-cli {__version__}. Cite the original sources too."
    return f"{citation(ds.info)} Cite the original sources too: each claim's are listed under it."


_MADE_WITH = f"<p>Made with alliance-cli {_h(__version__)}.</p>"


def _footer(ds: Dataset) -> str:
    info = ds.info
    title = info.title if info else UNTITLED
    version = f"version {info.version} of {info.date}" if info else "no version"
    licence = ""
    if info:
        url = _url(info.licence.url)
        name = _h(info.licence.title or info.licence.name)
        licence = f' Licence: <a href="{_h(url)}">{name}</a>.' if url else f" Licence: {name}."
    return (f"<footer><div><p><strong>{_h(title)}</strong>, {_h(version)}.{licence}</p>"
            f'<p class="cite">How to cite: {_h(cite_as(ds))}</p>'
            f"{_MADE_WITH}</div></footer>")


def _page(title: str, subtitle: str | None, body: str, footer: str) -> str:
    sub = f'<p class="subtitle">{_h(subtitle)}</p>' if subtitle else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_h(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<header><h1>{_h(title)}</h1>{sub}</header>
<main>
{body}
</main>
{footer}
</body>
</html>
"""


def listing(view: Listing) -> str:
    ds = view.dataset
    info = ds.info
    by_claim: dict[str, list[tuple[int, Citation]]] = {c.id: [] for c in view.claims}
    for n, claim, cit in view.numbered_citations():
        by_claim[claim.id].append((n, cit))
    out = []
    for heading, claims in view.groups():
        if heading:
            out.append(f"<section><h2>{_h(heading)}</h2>")
        out += [_claim(ds, c, by_claim[c.id], set(by_claim)) for c in claims]
        if heading:
            out.append("</section>")
    if not view.claims:
        out.append("<p>No claims match.</p>")
    title = view.title or (info.title if info else "Claims")
    return _page(title, view.subtitle, "\n".join(out), _footer(ds))


def rows(view: Rows) -> str:
    head = "".join(f"<th scope=\"col\">{_h(c)}</th>" for c in view.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_h(json_array(v) if isinstance(v, (list, tuple)) else v)}</td>" for v in row) + "</tr>"
        for row in view.rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return _page(view.title or "alliance-cli", None, table, f"<footer><div>{_MADE_WITH}</div></footer>")
