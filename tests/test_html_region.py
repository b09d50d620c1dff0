"""Reading only the content of a well-formed page gives the text the whole-page parse gave.

`html-extract-digests.json` holds, for each page and selector below (and each page read as a
NICE chapter), the digest of the sections, title and meta the extractors produced before they
learnt to skip the page's furniture (recorded with the code of commit a7b444a): the same page
must keep the same text hash, or every watched page would show a spurious new version on
upgrade.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest

from scrapers.html import HtmlExtractor
from scrapers.model import DocumentSpec, Fetched, SuspectError
from scrapers.nice import NiceChapterExtractor

# The "pi" page opens with <?xml ...?>: bs4 warns when it parses such a page whole, as before.
pytestmark = pytest.mark.filterwarnings("ignore::bs4.XMLParsedAsHTMLWarning")
FIXTURES = Path(__file__).parent / "fixtures"
DIGESTS = FIXTURES / "pages" / "html-extract-digests.json"
SELECTORS = (None, "main", "article .entry-content", "#content", "div.chapter", ".entry-content")
_WORDS = "rest pacing energy symptoms exercise graded therapy patients care review".split()


def publisher_page(seed: int) -> str:
    """A page shaped like a publisher's: menus, scripts and a footer around a <main>."""
    rng = random.Random(seed)
    nav = "".join(
        f'<li><a href="/p/{n}?a=1&amp;b=2">{rng.choice(_WORDS)}</a></li>' for n in range(40)
    )
    main = "".join(
        f"<h2>{rng.choice(_WORDS)} {n}</h2><p>{' '.join(rng.choices(_WORDS, k=30))}.</p>"
        f"<ul><li>{rng.choice(_WORDS)}</li><li>{rng.choice(_WORDS)} <em>now</em></li></ul>"
        for n in range(8)
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Page &amp; title</title>"
        '<meta property="og:title" content="OG &quot;title&quot;">'
        '<meta property="article:modified_time" content="2024-01-02T03:04:05+00:00">'
        "<script>window.x={a:1};</script><link rel=stylesheet href=/style.css></head><body>"
        f"<header><nav><ul>{nav}</ul></nav></header><main><h1>Guidance {seed}</h1>{main}</main>"
        f"<footer><ul>{nav}</ul><p>Copyright</p></footer></body></html>"
    )


# Pages to try the scanner on: well-formed ones it must read, and the markup where html.parser's
# tree is not the nesting of the tags (it must then parse the whole page).
SNIPPETS = {
    "publisher-0": publisher_page(0),
    "publisher-1": publisher_page(1),
    "unclosed-li-p": "<html><body><main><ul><li>a<li>b</ul><p>one<p>two</main></body></html>",
    "self-closed-div": "<html><body><main><div/><p>a</p><div class=x/>b</main></body></html>",
    "script-markup": '<html><body><script>document.write("</main>")</script>'
    "<main><p>kept</p></main></body></html>",
    "comment-dashes": "<html><body><!-- a -- b -->"
    "<main><p>x</p><!--><p>y</p>--></main></body></html>",
    "class-entity": '<html><body><main class="a&amp;b"><p>x</p></main></body></html>',
    "uppercase": "<HTML><BODY><MAIN><P>Upper</P>"
    "<BR><Table><TR><TD>a<TD>b</TABLE></MAIN></BODY></HTML>",
    "void-end": "<html><body><main><p>a<br></br>b</p></main></body></html>",
    "unquoted-slash": "<html><body><main><a href=/x/>link</a><p>after</p></main></body></html>",
    "nested-picks": "<html><body><main><main><p>inner</p></main><p>outer</p></main>"
    "<main><p>second</p></main></body></html>",
    "svg-title": "<html><body><main><svg><title>Chart</title></svg><p>x</p></main></body></html>",
    "title-markup": "<html><head><title>a <b>b</b></title></head>"
    "<body><main><p>x</p></main></body></html>",
    "stray-lt": "<html><body><main><p>a < b and c<d</p></main></body></html>",
    "stray-end": "<html><body></div><main><p>x</p></main></body></html>",
    "cdata": "<html><body><main><![CDATA[x]]><p>y</p></main></body></html>",
    "pi": '<?xml version="1.0"?><html><body><main><p>y</p></main></body></html>',
    "textarea": "<html><body><main><textarea><p>no</p></textarea><p>y</p></main></body></html>",
    "pre": "<html><body><main><pre>  a\n   b  </pre><p>y  z</p></main></body></html>",
    "charrefs": "<html><body><main>"
    "<p>&#147;q&#148; &rsquo;s &copy &nbsp;x &amp b</p></main></body></html>",
    "attr-gt": '<html><body><main title="a>b"><p>x</p></main></body></html>',
    "attr-lt": '<html><body><main title="<p>"><p>x</p></main></body></html>',
    "double-equals": "<html><body><div class==entry-content><p>a</p></div></body></html>",
    "in-pre": "<html><body><pre><main><p>a</p> \n <b>x</b>  <i>y</i></main></pre></body></html>",
    "open-comment": "<html><body><main><p>a</p></main><!-- <p>b</p></body></html>",
    "slash-value": "<html><body><main><div class=x/><p>a</p></main></body></html>",
    "in-template": "<html><body><template><main><pre>a <b>b</b></pre></main></template>"
    "<main><p>x</p></main></body></html>",
    "entry-content": '<html><body><div class="entry-content"><p>not in article</p></div>'
    '<article><div><div class="post entry-content"><p>yes</p></div></div></article>'
    '<article id=content><p class="entry-content">two</p></article></body></html>',
    "no-end": "<html><body><main><p>x</p></main></body>",
    "fragment": "<main><p>only a fragment</p></main>",
    "nothing": "<html><body><div><p>no main</p></div></body></html>",
    "empty-main": "<html><body><main><nav>menu</nav></main>"
    "<article><p>a</p></article></body></html>",
}


def pages() -> list[tuple[str, str]]:
    """(name, html) of every fixture page and snippet."""
    found = [
        (str(path.relative_to(FIXTURES)), path.read_text("utf-8", errors="replace"))
        for path in sorted(FIXTURES.rglob("*.htm*"))
    ]
    return found + sorted(SNIPPETS.items())


def digest(html: str, selector: str | None, kind: str = "html") -> str:
    """What an extractor makes of a page: its sections, title and meta, or its error."""
    spec = DocumentSpec(
        id="d", source="s", title="T", kind=kind, url="http://x/", selector=selector
    )
    fetched = Fetched(
        url="http://x/",
        final_url="http://x/",
        status=200,
        headers={"content-type": "text/html; charset=utf-8"},
        body=html.encode("utf-8"),
        content_kind="html",
    )
    try:
        extractor = HtmlExtractor() if kind == "html" else NiceChapterExtractor()
        document = extractor.extract(spec, fetched)
    except SuspectError as error:
        return "error: " + str(error)
    except RecursionError:
        return "error: RecursionError"
    payload = [
        [list(s.__dict__.values()) for s in document.sections],
        document.title,
        document.meta,
    ]
    return hashlib.sha256(json.dumps(payload, default=list).encode()).hexdigest()


def digests() -> dict[str, str]:
    """Every page under every selector, and read as a NICE chapter."""
    found = {
        f"{name} | {selector}": digest(html, selector)
        for name, html in pages()
        for selector in SELECTORS
    }
    return found | {
        f"{name} | nice-chapter": digest(html, None, "nice-chapter") for name, html in pages()
    }


def test_same_text_as_before() -> None:
    """Each page keeps the digest recorded with the whole-page parser."""
    recorded = json.loads(DIGESTS.read_text())
    now = digests()
    assert now.keys() == recorded.keys()
    changed = [key for key in now if now[key] != recorded[key]]
    assert changed == []


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_region_agrees_with_whole_parse(name: str) -> None:
    """Where the scanner answers, its elements hold what the whole-page parse selects."""
    from scrapers.html import page_title, parse_content, sections_from_html

    html = SNIPPETS[name]
    for selector in SELECTORS:
        soup, content = parse_content(html, selector, whole=True)
        head, region = parse_content(html, selector)
        assert [str(e) for e in region] == [str(e) for e in content]
        if content:
            assert sections_from_html(*region) == sections_from_html(*content)
            assert page_title(head, region) == page_title(soup, content)


def test_scanner_reads_well_formed_pages_only() -> None:
    """Publisher-like pages are scanned; pages html.parser nests otherwise are parsed whole."""
    from scrapers.region import find_region

    assert find_region(SNIPPETS["publisher-0"], ("main",)) is not None
    assert find_region(SNIPPETS["entry-content"], ("article .entry-content",)) is not None
    assert find_region(SNIPPETS["double-equals"], (".entry-content",)) is None
    for name in (
        "unclosed-li-p",
        "script-markup",
        "comment-dashes",
        "void-end",
        "title-markup",
        "stray-lt",
        "stray-end",
        "cdata",
        "textarea",
        "no-end",
        "attr-lt",
        "in-pre",
        "open-comment",
        "slash-value",
        "in-template",
    ):
        assert find_region(SNIPPETS[name], ("main",)) is None, name


_BALANCED = (
    "<p>x</p>",
    "<div class=x><p>y &amp; z</p></div>",
    "<br/>",
    "<!-- c -->",
    "<main><h2>M</h2><p>m</p></main>",
    "<pre> a\n  b </pre>",
    "<template><p>t</p></template>",
    "<article><div class=entry-content><p>e</p></div></article>",
    '<span class="x y">s</span>',
    "<div/>",
    "<a href=/x/>a</a>",
    "<title>T2</title>",
    "<meta name=og:title content=N>",
    "<table><tr><td>1</td><td>2</td></tr></table>",
    "<ul><li>a</li><li>b<ul><li>c</li></ul></li></ul>",
    "<div id=content><p>c</p></div>",
    "<script>var a = 1 < 2;</script>",
    "<div class='a&amp;b x'>amp</div>",
    "<rt>r</rt>",
    '<svg><path d="M0"/><title>s</title></svg>',
    "<MAIN><p>U</p></MAIN>",
    "</p>",
    "<li>",
    "<",
)


def test_scanner_agrees_on_altered_pages() -> None:
    """Pages with tags inserted at random (seeded) read the same scanned or parsed whole."""
    from scrapers.html import DEFAULT_SELECTORS, page_title, parse_content, sections_from_html
    from scrapers.region import find_region

    rng = random.Random(13)
    names = [name for name in sorted(SNIPPETS) if find_region(SNIPPETS[name], DEFAULT_SELECTORS)]
    checked = scanned = 0
    for _ in range(200):
        html = SNIPPETS[rng.choice(names)]
        for _ in range(rng.randint(1, 3)):
            ends = [k + 1 for k, char in enumerate(html) if char == ">"]
            at = rng.choice(ends)
            html = html[:at] + rng.choice(_BALANCED) + html[at:]
        selector = rng.choice(SELECTORS)
        scanned += find_region(html, (selector,) if selector else DEFAULT_SELECTORS) is not None
        soup, content = parse_content(html, selector, whole=True)
        head, region = parse_content(html, selector)
        assert [str(e) for e in region] == [str(e) for e in content], html
        if content:
            assert sections_from_html(*region) == sections_from_html(*content), html
            assert page_title(head, region) == page_title(soup, content), html
            checked += 1
    assert checked > 50 and scanned > 40
