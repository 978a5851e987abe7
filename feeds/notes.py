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

from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt

from feeds.text import clean_text

ALLOWED_TAGS = frozenset({"a", "p", "br", "ul", "ol", "li", "em", "strong", "b", "i"})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
# Links leave for other sites: no referrer, no window.opener, and no endorsement.
_LINK_REL = "nofollow noopener noreferrer"
_MARKDOWN = MarkdownIt("commonmark", {"html": True, "linkify": False})


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
    """The notes as plain text: paragraphs on lines of their own, list items as "- " (or
    "1. ") bullets, and each link's address after its words: "our site (https://…)"."""
    reader = _PlainText()
    reader.feed(notes_html(text))
    reader.close()
    plain = "".join(reader.parts)
    return "\n".join(line.strip() for line in plain.splitlines() if line.strip())


class _PlainText(HTMLParser):
    """Sanitized notes HTML (`notes_html`: a, p, br, lists, emphasis) read out as text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.lists: list[int | None] = []  # per open list: the next number, None for bullets
        self.link: tuple[str, int] | None = None  # (href, where its words start in parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("ul", "ol"):
            self.lists.append(1 if tag == "ol" else None)
        elif tag == "li":
            number = self.lists[-1] if self.lists else None
            self.parts.append(f"\n{number}. " if number is not None else "\n- ")
            if number is not None:
                self.lists[-1] = number + 1
        elif tag == "a":
            self.link = (dict(attrs).get("href") or "", len(self.parts))
        elif tag in ("p", "br") and not self._after_bullet():
            self.parts.append("\n")

    def _after_bullet(self) -> bool:
        """A loose list's item opens with a paragraph: it stays on the bullet's line."""
        last = next((part for part in reversed(self.parts) if part.strip()), "")
        return last.startswith("\n") and last.endswith(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        if tag in ("p", "li", "ul", "ol"):
            self.parts.append("\n")
        elif tag == "a" and self.link is not None:
            href, start = self.link
            words = "".join(self.parts[start:]).strip()
            shown = href.removeprefix("mailto:")
            if href and shown not in (words, words.removeprefix("https://")):
                self.parts.append(f" ({shown})")
            self.link = None

    def handle_data(self, data: str) -> None:
        if data.strip() or "\n" not in data:  # the line breaks between blocks are not text
            self.parts.append(data)
