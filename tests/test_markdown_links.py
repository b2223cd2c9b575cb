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


# Text that would start a block where it starts a line: a heading, a list, a thematic break, a
# code block. Where data starts a paragraph (a listing's subtitle) or a footnote (its source's
# title), it stays one paragraph of the same text.
BLOCK_STARTS = ["# heading", "###### six", "- item", "+ item", "1. one", "12) twelve", "---", "===", "- [ ] task",
                "    indented code", "> quote", "* star", "```fence", "~~~fence", "<!-- comment", "[^1]: x",
                "[x]: https://evil.example"]


def _text(html: str) -> str:
    import html as html_module

    return html_module.unescape(re.sub(r"<[^>]*>", "", html.replace("<!-- -->", "")))


@pytest.mark.parametrize("text", BLOCK_STARTS)
def test_data_that_starts_a_line_stays_a_paragraph_of_the_same_text(text):
    ds = _dataset("statement")
    source = Source(id="s", title=text, kind="article", archive="s.txt", sha256="0" * 64)
    ds = Dataset.of(ds.claims, {"s": source}, {})
    html = _html(markdown.listing(Listing(ds, list(ds.claims), title="Title", subtitle=text)))
    assert not re.search(r"<(h[13-6]|ul|hr|pre|code|blockquote)\b", html), html
    assert html.count("<ol") == 1 and html.count("<li") == 1  # the footnotes, and nothing else
    subtitle = re.search(r"</h2>\n<p>(.*?)</p>", html, re.S).group(1)
    assert _text(subtitle) == text
    footnote = re.search(r'<li id="fn-1">\n<p>(.*?) <a href="#fnref-1"', html, re.S).group(1)
    assert _text(footnote) == f"{text} (article): “statement” (statement)"


@pytest.mark.parametrize("text", ["Foo #", "Foo ##", "C# and F#"])
def test_a_heading_keeps_a_closing_hash(text):
    html = _html(markdown.rows(Rows(("value",), [], title=text)))
    assert _text(re.search(r"<h2>(.*?)</h2>", html).group(1)) == text


def test_emoji_shortcodes_stay_text():
    # cmark-gfm leaves `:warning:` alone, GitHub draws an emoji for it; the empty comment stops that.
    html = _html(markdown.rows(Rows(("value",), [(":warning: :+1: :white_check_mark: 10:30:00",)])))
    assert not re.search(r":[\w+-]+:", html.replace("\\", "")) and not re.search(r":[\w+-]+:", _text(html).replace(":", ":<>"))
    assert _text(re.search(r"<td>(.*)</td>", html).group(1)) == ":warning: :+1: :white_check_mark: 10:30:00"


def test_no_user_is_mentioned_and_no_issue_referenced():
    # In GitHub issues and comments `@name` notifies a user and `#12` links an issue: data pasted
    # there does neither. Each stays one text to the reader.
    text = "@octocat, cc @SUM(1+1) and a@b.example; see #12 and C# 7"
    html = _html(markdown.rows(Rows(("value",), [(text,)])))
    assert not re.search(r"@\w|#\d", html)
    assert _text(re.search(r"<td>(.*)</td>", html).group(1)) == text
