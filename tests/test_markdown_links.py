"""Markdown output rendered by GitHub's own renderer (cmark-gfm): text from the data never becomes a
link, an image or HTML, bare addresses included; the only links are the footnote marks."""

from __future__ import annotations

import re

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from hypothesis import given
from hypothesis import strategies as st

from alliance_cli.formats import markdown
from alliance_cli.formats.view import Listing, Rows
from alliance_cli.model import Citation, Claim, Dataset, Source
from test_properties import FUZZ

LINKY = [
    "see https://evil.example/x now",
    "HTTP://EVIL.EXAMPLE and ftp://files.example",
    "www.evil.example and WWW.Evil.Example/path",
    "write to someone@evil.example or mailto:x@evil.example or xmpp:x@evil.example/r",
    "<https://evil.example> <someone@evil.example>",
    "[a](javascript:alert(1)) ![i](https://evil.example/i.png) [r]: https://evil.example",
    "<img src=x onerror=alert(1)> <script>alert(1)</script> &amp; &#64;",
    "a\\://b and www\\.c and d\\@e.example",
]


def _html(text: str) -> str:
    # GitHub's pipeline: GFM with autolinks and tables; unsafe, so raw HTML would show if let through.
    return cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES)


def _links(html: str) -> list[str]:
    return re.findall(r"<(?:a|img|script)\b[^>]*>", html)


def _dataset(text: str) -> Dataset:
    source = Source(id="s", title=text, kind="article", archive="s.txt", sha256="0" * 64, outlet=text)
    claim = Claim(id="c", kind="trade", parties=("p",), statement=text, citations=(Citation("s", text, text),))
    return Dataset.of((claim,), {"s": source}, {})


@pytest.mark.parametrize("text", LINKY)
def test_markdown_listing_renders_no_link_from_the_data(text):
    ds = _dataset(text)
    html = _html(markdown.listing(Listing(ds, list(ds.claims), title=text)))
    # Only the footnote mark and its way back are links.
    assert all(re.fullmatch(r'<a href="#fn(?:ref)?-1"[^>]*>', link) for link in _links(html)), _links(html)
    assert len(_links(html)) == 2


@pytest.mark.parametrize("text", LINKY)
def test_markdown_rows_render_the_text_itself(text):
    html = _html(markdown.rows(Rows(("value",), [(text,)])))
    assert _links(html) == []
    cell = re.search(r"<td>(.*)</td>", html).group(1)
    # What a reader sees is the data: comments and entities aside, the same characters.
    import html as html_module

    assert html_module.unescape(cell.replace("<!-- -->", "")) == text


@FUZZ
@given(st.lists(st.sampled_from(["www.", "WwW.", "https://", "http://", "ftp://", "@", "mailto:", "xmpp:", "a", "b.c",
                                 ".", ":", "/", "\\", "<", ">", "[", "]", "(", ")", "!", "_", "*", " ", "&", "#"]),
                max_size=25).map("".join))
def test_no_text_becomes_a_link(text):
    html = _html(markdown.rows(Rows(("value",), [(text,)])))
    assert _links(html) == []
