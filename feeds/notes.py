"""Show notes: the producer's Markdown or HTML as safe HTML for apps and pages, and as text.

Notes are rendered at feed (and page) time from the stored text, so nothing in the publish
pipeline changes. Markdown (CommonMark, with the HTML it may contain) becomes HTML, which
`nh3` (the Ammonia sanitizer) cuts down to links, paragraphs, line breaks, lists and
emphasis: no scripts, no event handlers, no styles, and only http(s) and mailto links, so a
`<script>`, `onerror=` or `javascript:` URL never reaches a feed or a page. Apple reads
`content:encoded` as HTML and `description`/`itunes:summary` as text:
https://podcasters.apple.com/support/823-podcast-requirements
"""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt

from feeds.text import clean_text

ALLOWED_TAGS = frozenset({"a", "p", "br", "ul", "ol", "li", "em", "strong", "b", "i"})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
# Links leave for other sites: no referrer, no window.opener, and no endorsement.
_LINK_REL = "nofollow noopener noreferrer"
_MARKDOWN = MarkdownIt("commonmark", {"html": True, "linkify": False})
_BLOCK_END = re.compile(r"</(p|li|ul|ol)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def notes_html(text: str | None) -> str:
    """Sanitized HTML of the notes: links, paragraphs, lists and emphasis only."""
    rendered = _MARKDOWN.render(clean_text(text))
    return nh3.clean(
        rendered,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_SCHEMES),
        link_rel=_LINK_REL,
        strip_comments=True,
    ).strip()


def notes_text(text: str | None) -> str:
    """The notes as plain text: paragraphs and list items on lines of their own."""
    safe = notes_html(text)
    lines = _BLOCK_END.sub("\n", safe)
    plain = html.unescape(_TAG.sub("", lines))
    return "\n".join(line.strip() for line in plain.splitlines() if line.strip())
