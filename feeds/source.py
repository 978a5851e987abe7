"""Reading another host's podcast feed into plain data, for moving a podcast in.

`feedparser` reads the RSS itself: it survives the feeds real hosts write (undeclared HTML
entities, odd encodings, dates in every RFC 822 dialect) and knows the iTunes tags and
Podlove Simple Chapters. Three things it loses are read by a second, strict pass with the
standard library's XML parser, paired with feedparser's entries item by item: a GUID as
written (feedparser turns `ep-12` into a URL against the feed's), every
`podcast:transcript` (it keeps the last of a namespace it does not know, and hosts list one
per format, often HTML last), and `podcast:locked` when it has an `owner` attribute (it
keeps the attributes instead of the text). Where the strict pass cannot read the feed,
feedparser's readings are used.

An item's identity is what apps used: its `<guid>`, else its enclosure URL (Apple's rule:
https://podcasters.apple.com/support/823-podcast-requirements).
"""

from __future__ import annotations

import calendar
import html
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

# The namespace's URI, and the GitHub address early feeds (and podcastparser) used.
PODCAST_NAMESPACES = (
    "https://podcastindex.org/namespace/1.0",
    "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
    "https://github.com/podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
)
EPISODE_TYPES = ("full", "trailer", "bonus")
# Video enclosures an imported item may have (Apple's: MOV, MP4 and M4V).
VIDEO_TYPES = ("video/mp4", "video/x-m4v", "video/quicktime")
_ATOM = "http://www.w3.org/2005/Atom"


class SourceFeedError(ValueError):
    """The document is not a podcast feed we can read; the message is one plain line."""


@dataclass(frozen=True)
class Link:
    """A file an item points to (transcript, chapters), with the MIME type the feed gives."""

    url: str
    mime: str = ""


@dataclass(frozen=True)
class SourceEpisode:
    """One item of the old feed, as the import needs it."""

    guid: str
    title: str
    notes_html: str
    published: datetime | None
    audio: Link | None
    number: int | None = None
    episode_type: str = "full"
    # Podlove Simple Chapters written in the feed itself, as (start, title) pairs.
    inline_chapters: tuple[tuple[str, str], ...] = ()
    chapters: Link | None = None
    transcripts: tuple[Link, ...] = ()


@dataclass(frozen=True)
class SourceFeed:
    title: str
    # `podcast:locked yes`: the owner asked hosts not to import the feed.
    locked: bool
    episodes: list[SourceEpisode] = field(default_factory=list)


def read_source_feed(data: bytes, url: str) -> SourceFeed:
    """Parse `data`, the document found at `url` (relative links are resolved against it)."""
    refuse_declarations(data, url)
    # No base URL for feedparser: it would "resolve" a GUID like `ep-12` into a URL, and
    # apps knew the episode by the GUID as written. Links are resolved here instead.
    parsed = feedparser.parse(data)
    if not parsed.get("version") or not parsed.get("feed"):
        raise SourceFeedError(f"{url} is not an RSS or Atom feed")
    strict = _strict_pass(data, url)
    if strict is not None and len(strict.items) != len(parsed.entries):
        strict = None  # cannot pair the two readings item by item: trust feedparser's
    episodes = [
        _episode(entry, url, strict.items[i] if strict is not None else None)
        for i, entry in enumerate(parsed.entries)
    ]
    if strict is not None:
        locked = strict.locked
    else:  # feedparser keeps the text only when the element has no attributes
        locked = str(parsed.feed.get("podcast_locked") or "").strip().lower() == "yes"
    return SourceFeed(title=parsed.feed.get("title", ""), locked=locked, episodes=episodes)


# A document type with an internal subset (`<!DOCTYPE rss [ … ]>`) or any entity declaration.
# Both parsers would expand internal entities (expat stops only above a 100x amplification,
# so a 2.6 MB feed took 233 MB); no podcast feed needs one. A bare `<!DOCTYPE rss PUBLIC …>`
# (old RSS 0.91 feeds) declares nothing and is left alone: neither parser fetches its DTD.
_DECLARATION = re.compile(rb"<!ENTITY|<!DOCTYPE[^>\[]*\[", re.IGNORECASE)
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def refuse_declarations(data: bytes, url: str) -> None:
    """Refuse a feed that declares entities before any parser sees it: one pass over the
    bytes as they are, no copy, so the check costs no memory beyond the input."""
    text = data
    if data.startswith(_WIDE_BOMS) or b"\x00" in data[:4]:
        # UTF-16 or UTF-32: the markup is not ASCII bytes; read it as text to look
        # (memory stays a small multiple of the input, which is size-limited before this).
        text = data.decode(_wide_encoding(data), errors="replace").encode("utf-8")
    if _DECLARATION.search(text):
        raise SourceFeedError(
            f"{url} declares a document type or entities, which no podcast feed needs: "
            "nothing was read (remove the <!DOCTYPE …> or <!ENTITY …> from the feed)"
        )


def _wide_encoding(data: bytes) -> str:
    if data.startswith((b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")) or data[:4] in (
        b"\x00\x00\x00<",
        b"<\x00\x00\x00",
    ):
        return "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return "utf-16-be" if data[:1] == b"\x00" else "utf-16-le"


@dataclass(frozen=True)
class _StrictItem:
    guid: str | None
    transcripts: tuple[Link, ...]


@dataclass(frozen=True)
class _StrictReading:
    locked: bool
    items: list[_StrictItem]


def _episode(entry: Any, base: str, strict: _StrictItem | None) -> SourceEpisode:
    audio = _audio(entry, base)
    if strict is not None:
        guid, transcripts = strict.guid or "", strict.transcripts
    else:
        guid = (entry.get("id") or "").strip()
        kept = entry.get("podcast_transcript") or {}
        url = kept.get("url")
        transcripts = (Link(urljoin(base, url), kept.get("type", "").lower()),) if url else ()
    chapters = entry.get("podcast_chapters") or {}
    return SourceEpisode(
        guid=guid or (audio.url if audio else ""),
        title=(entry.get("title") or "").strip(),
        notes_html=_notes(entry),
        published=_published(entry),
        audio=audio,
        number=_number(entry.get("itunes_episode")),
        episode_type=_episode_type(entry.get("itunes_episodetype")),
        inline_chapters=tuple(
            (str(c.get("start", "")), str(c.get("title", "")))
            for c in (entry.get("psc_chapters") or {}).get("chapters", [])
        ),
        chapters=Link(urljoin(base, chapters["url"]), chapters.get("type", ""))
        if chapters.get("url")
        else None,
        transcripts=transcripts,
    )


def _audio(entry: Any, base: str) -> Link | None:
    """The first audio enclosure, else the first video one: a video episode, whose sound
    becomes the audio enclosure here and whose video rides beside it (other files are not
    episodes)."""
    enclosures = [
        (urljoin(base, href), (enclosure.get("type") or "").strip().lower())
        for enclosure in entry.get("enclosures", [])
        if (href := (enclosure.get("href") or "").strip())
    ]
    for url, mime in enclosures:
        if mime.startswith("audio/") or not mime:
            return Link(url, mime)
    for url, mime in enclosures:
        if mime in VIDEO_TYPES:
            return Link(url, mime)
    return None


def _notes(entry: Any) -> str:
    """The fullest notes the item has, as HTML: `content:encoded`, else its description."""
    details = [*entry.get("content", []), entry.get("summary_detail") or {}]
    for detail in details:
        value = (detail.get("value") or "").strip()
        if value:
            return value if detail.get("type") != "text/plain" else _text_as_html(value)
    return ""


def _text_as_html(text: str) -> str:
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.splitlines()) + "</p>"
        for p in paragraphs
    )


def _published(entry: Any) -> datetime | None:
    moment = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(moment), UTC) if moment else None


def _number(text: Any) -> int | None:
    try:
        number = int(str(text).strip())
    except ValueError:
        return None
    return number if number > 0 else None


def _episode_type(text: Any) -> str:
    value = str(text or "").strip().lower()
    return value if value in EPISODE_TYPES else "full"


def _strict_pass(data: bytes, base: str) -> _StrictReading | None:
    """What feedparser loses, read strictly: each item's GUID as written and all its
    `podcast:transcript` links, and the channel's `podcast:locked`; None if not strict XML.

    The standard library's parser expands no external entities, and a feed that declares
    internal ones never gets here (`refuse_declarations`), so a hostile feed costs no more
    than its size.
    """
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return None
    channel = root.find("channel")
    items = root.findall("./channel/item") or root.findall(f"{{{_ATOM}}}entry")
    return _StrictReading(
        locked=any(
            (element.text or "").strip().lower() == "yes"
            for namespace in PODCAST_NAMESPACES
            for element in (channel if channel is not None else root).findall(
                f"{{{namespace}}}locked"
            )
        ),
        items=[_strict_item(item, base) for item in items],
    )


def _strict_item(item: ElementTree.Element, base: str) -> _StrictItem:
    guid = item.find("guid")
    if guid is None:
        guid = item.find(f"{{{_ATOM}}}id")
    transcripts = tuple(
        Link(urljoin(base, element.get("url", "").strip()), element.get("type", "").lower())
        for namespace in PODCAST_NAMESPACES
        for element in item.findall(f"{{{namespace}}}transcript")
        if element.get("url", "").strip()
    )
    text = (guid.text or "").strip() if guid is not None else ""
    return _StrictItem(guid=text or None, transcripts=transcripts)
