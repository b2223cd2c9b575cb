"""The HTML fact sheet: one self-contained page, data escaped, and every claim and citation rendered
by a real browser (headless Chromium)."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from alliance_cli.store import load, shipped_facts_dir
from conftest import MINI

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (.ci/run installs it)")

SCRIPT = "<script>alert('statement')</script>"
BREAKOUT = '" onmouseover="alert(1)" x="'


class Page(HTMLParser):
    """Every element with its attributes, and the text inside each element that has an id."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[tuple[str, str | None]] = []
        self.text_by_id: dict[str, str] = {}
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag not in ("meta", "br", "link", "img", "input"):
            self.open.append((tag, attributes.get("id")))
            if attributes.get("id"):
                self.text_by_id[attributes["id"]] = ""

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _, element_id in self.open:
            if element_id:
                self.text_by_id[element_id] += data


def _hostile(facts: Path) -> Path:
    claims = facts / "claims" / "borduria.yaml"
    claims.write_text(claims.read_text().replace(
        "statement: Trade between Ruritania and Borduria reached 12.5 billion US dollars in 2023.",
        f'statement: "{SCRIPT} & <b>bold</b>"',
    ).replace(
        "quote: Trade between them reached $12.5 billion in 2023",
        f"quote: '{BREAKOUT}'",
    ))
    sources = facts / "sources.yaml"
    sources.write_text(sources.read_text().replace("url: null", 'url: "javascript:alert(document.cookie)"').replace(
        "title: Beta Bulletin", 'title: "</title><style>body{display:none}</style>"'))
    return facts


def test_html_page_is_self_contained_for_phones_and_print(run):
    result = run("export", "--format", "html")
    assert result.exit_code == 0, result.stderr
    page = Page(result.stdout)
    tags = {tag for tag, _ in page.tags}
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert not any(a.get("src") for _, a in page.tags)
    assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) in page.tags
    style = result.stdout[result.stdout.index("<style>"):result.stdout.index("</style>")]
    assert "@media print" in style and "@media (max-width" in style
    assert "url(" not in style and "@import" not in style and "@font-face" not in style


def test_every_claim_has_an_anchor_its_status_and_numbered_citations(run):
    page = Page(run("export", "-f", "html").stdout)
    ds = load(MINI)
    assert [a["id"] for t, a in page.tags if t == "article"] == [c.id for c in ds.claims]
    alleged = page.text_by_id["borduria-troops-2000"]
    assert "Alleged; asserted by Syldavia; denied by Ruritania." in alleged
    pact = page.text_by_id["borduria-pact-2023"]
    assert pact.strip().startswith("2023-03-03treatyreported#borduria-pact-2023")
    assert page.text_by_id["cite-2"] == (
        "“Beta Bulletin”, podcast, n.d.“Ruritania's pact with Borduria, signed in 2023, covers defense and trade.”"
        "Note: The bulletin gives the year only."
    )
    assert page.text_by_id["cite-1"].startswith("A. Writer, Alpha News, “Alpha Report”, article, 2024-11“On March 3")


def test_hostile_text_stays_text(run, facts_copy):
    result = run("--facts", str(_hostile(facts_copy)), "export", "-f", "html")
    assert result.exit_code == 0, result.stderr
    page = Page(result.stdout)
    assert [t for t, _ in page.tags if t in ("script", "b", "style")] == ["style"]  # only the page's own
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
    assert not any((attrs.get("href") or "").lower().startswith("javascript:") for _, attrs in page.tags)
    assert f"{SCRIPT} & <b>bold</b>" in page.text_by_id["borduria-trade-2023"]
    assert f"“{BREAKOUT}”" in page.text_by_id["borduria-trade-2023"]
    assert "(javascript:alert(document.cookie))" in page.text_by_id["cite-1"]  # shown, not linked
    assert "</title><style>body{display:none}</style>" in page.text_by_id["cite-2"]


def test_footer_names_the_dataset_its_version_and_how_to_cite_it(run, monkeypatch):
    monkeypatch.setenv("ALLIANCE_FACTS", str(shipped_facts_dir()))
    page = run("show", "iran", "-f", "html").stdout
    footer = page[page.index("<footer>"):]
    info = load(shipped_facts_dir()).info
    assert (f"<strong>{html.escape(info.title)}</strong>, version {info.version} of {info.date}. Licence: "
            '<a href="https://creativecommons.org/licenses/by/4.0/">Creative Commons Attribution 4.0 International</a>'
            ) in footer
    cite = run("about").stdout.split("cite as\t")[1].split(" Cite the original")[0]
    assert f"How to cite: {html.escape(cite)} Cite the original sources too" in footer
    assert 'id="russia-iran-treaty-2025"' in page


def test_show_country_as_html_to_stdout(run):
    result = run("show", "borduria", "--format", "html")
    assert result.exit_code == 0
    page = Page(result.stdout)
    assert result.stdout.startswith("<!DOCTYPE html>\n")
    assert page.text_by_id["borduria-pact-2023"]
    assert ("title", {}) in page.tags and "<title>Borduria (country, BO/BOR)</title>" in result.stdout


def test_export_html_to_a_file_takes_the_filters(run, tmp_path):
    out = tmp_path / "sheet.html"
    assert run("export", "-f", "html", "--kind", "trade", "-o", str(out)).exit_code == 0
    page = Page(out.read_text(encoding="utf-8"))
    assert [a["id"] for t, a in page.tags if t == "article"] == ["borduria-trade-2023", "borduria-trade-2021"]


def _render(path: Path, tmp_path: Path) -> str:
    """The DOM after Chromium has loaded and laid out the page."""
    profile = tmp_path / "chromium-profile"
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@needs_chromium
def test_chromium_renders_every_claim_and_citation(run, tmp_path, facts_copy):
    sheet = tmp_path / "sheet.html"
    assert run("--facts", str(_hostile(facts_copy)), "export", "-f", "html", "-o", str(sheet)).exit_code == 0
    dom = Page(_render(sheet, tmp_path))
    assert "script" not in {t for t, _ in dom.tags}
    ds = load(facts_copy)
    n = 0
    for claim in ds.claims:
        text = dom.text_by_id[claim.id]
        assert claim.statement in text, claim.id
        for cit in claim.citations:
            n += 1
            cited = dom.text_by_id[f"cite-{n}"]
            assert cited in text
            assert f"“{cit.quote}”" in cited
            assert ds.sources[cit.source].title in cited
            if cit.note:
                assert f"Note: {cit.note}" in cited
    assert n == sum(len(c.citations) for c in ds.claims)


def test_tables_as_html_escape_their_cells(run):
    from conftest import FIXTURES

    result = run("--facts", str(FIXTURES / "hostile"), "sources", "-f", "html")
    assert result.exit_code == 0
    page = Page(result.stdout)
    cells = [t for t, _ in page.tags if t == "td"]
    assert len(cells) == 5 and "a" not in {t for t, _ in page.tags}
    assert ('<td>=HYPERLINK(&quot;https://evil.example&quot;,&quot;Click&quot;)</td>'
            '<td>\\x1b]8;;https://evil.example\\x07Outlet\\x1b]8;;\\x07</td>') in result.stdout


def test_related_claims_link_within_the_page(run):
    page = run("export", "-f", "html", "--kind", "trade", "--year", "2023").stdout
    assert '<p class="details">12.5 USD billion; related: borduria-trade-2021</p>' in page  # not on this page
    page = run("export", "-f", "html", "--kind", "trade").stdout
    assert '<p class="details">12.5 USD billion; related: <a href="#borduria-trade-2021">borduria-trade-2021</a></p>' in page


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "\tjavascript:alert(1)",
    "java\nscript:alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>", "file:///etc/passwd",
    "https://news.example@evil.example/", "https://user:pass@evil.example/", "https:\\\\evil.example\\x",
    "https://evil.example/\u202egpj.exe", "https://evil.example/\u2028x", "//evil.example/x", "evil.example",
])
def test_only_a_plain_web_address_becomes_a_link(url):
    from alliance_cli.formats.html import _url

    assert _url(url) is None


@pytest.mark.parametrize("url", ["https://news.example/a?b=1&c=2#d", "HTTP://NEWS.EXAMPLE/", "http://news.example:8080/x"])
def test_web_addresses_are_linked(url):
    from alliance_cli.formats.html import _url

    assert _url(url) == url


# Each would set the page's title if the browser ran any of it; a payload per context the page has:
# element text, an attribute value (quoted either way), an href, the <title>, a <style>.
RUNS = [
    "<script>document.title='PWNED'</script>",
    "<img src=x onerror=\"document.title='PWNED'\">",
    "\" onfocus=\"document.title='PWNED'\" autofocus x=\"",
    "' onfocus='document.title=`PWNED`' autofocus x='",
    "</title><script>document.title='PWNED'</script>",
    "</style><script>document.title='PWNED'</script>",
    "<svg onload=\"document.title='PWNED'\">",
    "<!--<script>document.title='PWNED'</script>-->",
    "\u2028<script>document.title='PWNED'</script>",
]


@needs_chromium
def test_chromium_runs_nothing_from_any_field(run, tmp_path, facts_copy):
    sources = facts_copy / "sources.yaml"
    text = sources.read_text()
    for field in ("title: Alpha Report", "outlet: Alpha News", "byline: A. Writer"):
        name = field.split(":")[0]
        text = text.replace(field, f"{name}: {json.dumps(' '.join(RUNS))}")
    sources.write_text(text.replace("url: null", 'url: " JaVaScRiPt:document.title=\'PWNED\'"')
                       .replace("kind: podcast", 'kind: podcast\n    url: "https://news.example@evil.example/\\"onfocus=x"'))
    claims = facts_copy / "claims" / "borduria.yaml"
    claims.write_text(re.sub(r"(statement|quote|note): .*", lambda m: f"{m.group(1)}: {json.dumps(' '.join(RUNS))}",
                             claims.read_text()))
    entities = facts_copy / "entities.yaml"
    entities.write_text(entities.read_text().replace("name: Borduria", f"name: {json.dumps(RUNS[4])}"))
    (facts_copy / "dataset.yaml").write_text(
        f"dataset:\n  title: {json.dumps(RUNS[4] + RUNS[5])}\n  description: x\n  version: '1.0.0'\n"
        "  date: 2024-01-01\n  licence:\n    name: CC-BY-4.0\n"
        f"    title: {json.dumps(RUNS[2])}\n    url: \"https://x.example/\\\"onmouseover=x\"\n  maintainers: [me]\n")
    assert run("--facts", str(facts_copy), "validate").exit_code == 0
    for args in (("export",), ("show", "borduria"), ("sources",), ("entities",), ("about",)):
        sheet = tmp_path / "sheet.html"
        result = run("--facts", str(facts_copy), *args, "-f", "html", "-o", str(sheet)) if args == ("export",) else \
            run("--facts", str(facts_copy), *args, "-f", "html")
        assert result.exit_code == 0, result.stderr
        if args != ("export",):
            sheet.write_text(result.stdout, encoding="utf-8")
        dom = _render(sheet, tmp_path)
        page = Page(dom)
        title = html.unescape(re.search(r"<title>(.*?)</title>", dom, re.S).group(1))
        assert title != "PWNED", args
        assert RUNS[4] in html.unescape(re.sub(r"<[^>]*>", "", dom)), args  # shown as text
        assert [t for t, _ in page.tags if t in ("script", "img", "svg")] == [], args
        assert not any(name.startswith("on") or name == "autofocus" for _, attrs in page.tags for name in attrs), args
        hrefs = [attrs["href"] for t, attrs in page.tags if t == "a"]
        assert all(h.startswith("#") or (h.startswith("https://") and "@" not in h.split("/")[2]) for h in hrefs), hrefs
