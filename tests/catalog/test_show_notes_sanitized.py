"""Show notes: Markdown or HTML from `--notes`, as clickable, sanitized HTML in the feed's
`content:encoded` and on the episode's page, and as plain text in `description` and
`itunes:summary`. No script, event handler or script URL survives, whatever the payload.
"""

from __future__ import annotations

import lxml.html
import pytest
from support.feed_checks import parse_feed

from feeds.notes import notes_html, notes_text
from publisher.models import Episode

CONTENT = {"content": "http://purl.org/rss/1.0/modules/content/"}
ITUNES = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}
# From the OWASP XSS filter evasion cheat sheet and the sanitizer bypasses people try.
PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//xss.test/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="javascript:alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="java&#x09;script:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    '<a href=" javascript:alert(1)">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
    '<a href="https://ok.test" onclick="alert(1)" onmouseover="alert(1)">ok</a>',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "![x](javascript:alert(1))",
    '<iframe src="https://evil.test"></iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<form action="https://evil.test"><input name=q><button>go</button></form>',
    '<style>body{display:none}</style><p style="color:red">styled</p>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<div onpointerenter="alert(1)">div</div>',
    "<<script>script>alert(1)<</script>/script>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:/">',
    "<!--<img src=x onerror=alert(1)>-->",
    '<details open ontoggle="alert(1)">x</details>',
]
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


def assert_harmless(html: str) -> None:
    """No script element, no event handler, no script URL, nothing but the allowed tags."""
    if not html.strip():
        return
    doc = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in doc.iter():
        if element is doc:
            continue
        assert element.tag in {"a", "p", "br", "ul", "ol", "li", "em", "strong", "b", "i"}, html
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), html
            assert name in ("href", "title", "rel"), html
            if name == "href":
                squashed = "".join(value.split()).lower()
                assert not squashed.startswith(BAD_SCHEMES), html
    assert "<script" not in html.lower() and "onerror=" not in html.lower()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_notes_are_stripped_to_harmless_html(payload: str) -> None:
    assert_harmless(notes_html(f"Before. {payload} After."))
    text = notes_text(payload)
    assert "<script" not in text.lower() and "onerror=" not in text.lower()


def test_links_paragraphs_lists_and_emphasis_survive() -> None:
    notes = (
        "Our guest: [Dr. Ann](https://ann.test/?a=1&b=2).\n\n"
        "*Warm* and **bold**.\n\n1. first\n2. second\n\n<p>HTML <a href='https://x.test'>too</a></p>"
    )
    doc = lxml.html.fragment_fromstring(notes_html(notes), create_parent="div")
    assert doc.xpath("//a/@href") == ["https://ann.test/?a=1&b=2", "https://x.test"]
    assert [e.tag for e in doc.xpath("//em|//strong|//ol/li")] == ["em", "strong", "li", "li"]
    assert notes_text(notes).splitlines() == [
        "Our guest: Dr. Ann (https://ann.test/?a=1&b=2).",
        "Warm and bold.",
        "1. first",
        "2. second",
        "HTML too (https://x.test)",
    ]


def test_plain_text_notes_keep_bullets_and_where_links_lead() -> None:
    notes = (
        "Read [the book](https://book.test/) or <https://book.test/>; write to "
        "[us](mailto:hi@lovetv.example).\n\n- one\n- two\n\n* loose\n\n* list\n"
    )
    assert notes_text(notes).splitlines() == [
        "Read the book (https://book.test/) or https://book.test/; write to us "
        "(hi@lovetv.example).",
        "- one",
        "- two",
        "- loose",
        "- list",
    ]


def test_hostile_notes_never_reach_a_feed_or_a_page(client, catalog) -> None:
    notes = "See [the book](https://book.test/).\n\n" + "\n\n".join(PAYLOADS)
    with catalog.services.db.session() as session:
        session.get(Episode, catalog.teaser.id).description = notes
    for path in ("/feeds/teaser.xml", catalog.feed_path()):
        feed = parse_feed(client.get(path).data)
        (item,) = [i for i in feed.items() if i.findtext("guid") == catalog.teaser.guid]
        content = item.xpath("content:encoded", namespaces=CONTENT)[0].text
        assert_harmless(content)
        assert "https://book.test/" in lxml.html.fromstring(content).xpath("//a/@href")
        for text in (
            item.findtext("description"),
            item.xpath("itunes:summary", namespaces=ITUNES)[0].text,
        ):
            assert "<" not in text and "See the book (https://book.test/)." in text
    page = client.get(f"/episodes/{catalog.teaser.guid}").get_data(as_text=True)
    body = lxml.html.fromstring(page)
    ours = "@src='/static/copy.js' or @src='/static/chapters.js'"
    assert not body.xpath(f"//script[not({ours})]"), "only the service's own scripts load"
    assert not [a for e in body.iter() for a in e.attrib if a.lower().startswith("on")]
    hrefs = body.xpath("//@href") + body.xpath("//@src")
    assert not [h for h in hrefs if "".join(h.split()).lower().startswith(BAD_SCHEMES)]
