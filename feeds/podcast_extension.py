"""The Podcasting 2.0 namespace as a feedgen extension (feed level and item level).

https://podcastindex.org/namespace/1.0 and its docs:
https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md
Setters validate and raise `ValueError` with a plain message, the way feedgen's own
extensions do; `extend_rss` writes every element in one step.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem
from lxml import etree

from feeds.model import AlternateEnclosure

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
# feedgen keeps its iTunes extension under the name "podcast", so ours registers as this.
EXTENSION_NAME = "podcastindex"
CHAPTERS_MIME = "application/json+chapters"
TRANSCRIPT_MIMES = ("text/vtt", "application/x-subrip", "application/json", "text/html")


def _tag(name: str) -> str:
    return f"{{{PODCAST_NS}}}{name}"


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


class PodcastIndexExtension(BaseExtension):  # type: ignore[misc]  # feedgen ships no types
    """Channel elements: guid, locked, block, funding and trailers."""

    def __init__(self) -> None:
        self._guid: str | None = None
        self._locked: tuple[bool, str] | None = None
        self._block: bool | None = None
        self._funding: tuple[str, str] | None = None
        self._trailers: list[dict[str, str]] = []
        self._podroll: list[tuple[str, str]] = []

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def podcast_guid(self, guid: str) -> None:
        """The feed's permanent identity, kept across URL changes (`podcast:guid`)."""
        if not guid or any(c.isspace() for c in guid):
            raise ValueError("podcast:guid must be a non-empty string without spaces")
        self._guid = guid

    def podcast_locked(self, locked: bool, owner: str = "") -> None:
        """Whether other platforms may import this feed (`podcast:locked`)."""
        self._locked = (bool(locked), owner)

    def podcast_block(self, block: bool) -> None:
        """Ask every platform not to list this feed (`podcast:block`)."""
        self._block = bool(block)

    def podcast_funding(self, url: str, label: str) -> None:
        """Where listeners support the show (`podcast:funding`)."""
        if not url.startswith(("http://", "https://")):
            raise ValueError("podcast:funding needs an http(s) URL")
        self._funding = (url, label)

    def podcast_podroll(self, feeds: list[tuple[str, str]]) -> None:
        """Other feeds the listener may follow, as (podcast:guid, feed URL).

        `podcast:podroll` holds one `podcast:remoteItem` per feed, named by its guid.
        """
        for guid, url in feeds:
            if not guid or any(c.isspace() for c in guid):
                raise ValueError("podcast:remoteItem needs a feed guid without spaces")
            if not url.startswith(("http://", "https://")):
                raise ValueError("podcast:remoteItem needs an http(s) feed URL")
        self._podroll = list(feeds)

    def podcast_trailer(
        self,
        title: str,
        url: str,
        published: datetime,
        length: int,
        mime: str,
        season: int | None = None,
    ) -> None:
        """Add one trailer; `season` ties it to a season number (`podcast:trailer`)."""
        if published.tzinfo is None:
            raise ValueError("podcast:trailer needs a timezone-aware publish time")
        if length < 0:
            raise ValueError("podcast:trailer length cannot be negative")
        trailer = {
            "title": title,
            "url": url,
            "pubdate": format_datetime(published),
            "length": str(length),
            "type": mime,
        }
        if season is not None:
            trailer["season"] = str(int(season))
        self._trailers.append(trailer)

    def extend_rss(self, rss_feed: etree._Element) -> etree._Element:
        channel = rss_feed[0]
        if self._guid is not None:
            xml_elem(_tag("guid"), channel).text = self._guid
        if self._locked is not None:
            locked = xml_elem(_tag("locked"), channel)
            locked.text = _yes_no(self._locked[0])
            if self._locked[1]:
                locked.set("owner", self._locked[1])
        if self._block is not None:
            xml_elem(_tag("block"), channel).text = _yes_no(self._block)
        if self._funding is not None:
            funding = xml_elem(_tag("funding"), channel, url=self._funding[0])
            funding.text = self._funding[1]
        for trailer in self._trailers:
            attrs = {k: v for k, v in trailer.items() if k != "title"}
            xml_elem(_tag("trailer"), channel, **attrs).text = trailer["title"]
        if self._podroll:
            podroll = xml_elem(_tag("podroll"), channel)
            for guid, url in self._podroll:
                xml_elem(_tag("remoteItem"), podroll, feedGuid=guid, feedUrl=url, medium="podcast")
        return rss_feed


class PodcastIndexEntryExtension(BaseEntryExtension):  # type: ignore[misc]  # feedgen: no types
    """Item elements: season, episode, chapters, transcripts and alternate enclosures."""

    def __init__(self) -> None:
        self._season: tuple[int, str] | None = None
        self._episode: int | None = None
        self._chapters: str | None = None
        self._transcripts: list[tuple[str, str]] = []
        self._alternates: list[tuple[dict[str, str], str]] = []

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def podcast_season(self, number: int, name: str = "") -> None:
        if int(number) < 0:
            raise ValueError("podcast:season must be a whole number of 0 or more")
        self._season = (int(number), name)

    def podcast_episode(self, number: int) -> None:
        if int(number) < 0:
            raise ValueError("podcast:episode must be a number of 0 or more")
        self._episode = int(number)

    def podcast_chapters(self, url: str) -> None:
        """JSON chapters served at `url` (type application/json+chapters)."""
        if not url:
            raise ValueError("podcast:chapters needs a URL")
        self._chapters = url

    def podcast_transcript(self, url: str, mime: str) -> None:
        if mime not in TRANSCRIPT_MIMES:
            raise ValueError(
                f"podcast:transcript type must be one of {', '.join(TRANSCRIPT_MIMES)}"
            )
        self._transcripts.append((url, mime))

    def podcast_alternate_enclosure(self, alternate: AlternateEnclosure) -> None:
        """One more file of the episode, with its one `podcast:source`."""
        if not alternate.mime or "/" not in alternate.mime:
            raise ValueError("podcast:alternateEnclosure needs a MIME type")
        if not alternate.url.startswith(("http://", "https://")):
            raise ValueError("podcast:source needs an http(s) URL")
        attrs = {"type": alternate.mime}
        optional = {
            "length": alternate.length,
            "bitrate": alternate.bitrate,
            "height": alternate.height,
            "title": alternate.title,
            "codecs": alternate.codecs,
        }
        attrs.update({name: str(value) for name, value in optional.items() if value})
        if alternate.default:
            attrs["default"] = "true"
        self._alternates.append((attrs, alternate.url))

    def extend_rss(self, entry: etree._Element) -> etree._Element:
        if self._season is not None:
            season = xml_elem(_tag("season"), entry)
            season.text = str(self._season[0])
            if self._season[1]:
                season.set("name", self._season[1])
        if self._episode is not None:
            xml_elem(_tag("episode"), entry).text = str(self._episode)
        if self._chapters is not None:
            xml_elem(_tag("chapters"), entry, url=self._chapters, type=CHAPTERS_MIME)
        for url, mime in self._transcripts:
            attrs = {"url": url, "type": mime}
            if mime in ("text/vtt", "application/x-subrip"):
                attrs["rel"] = "captions"
            xml_elem(_tag("transcript"), entry, **attrs)
        for attrs, url in self._alternates:
            alternate = xml_elem(_tag("alternateEnclosure"), entry, **attrs)
            xml_elem(_tag("source"), alternate, uri=url)
        return entry
