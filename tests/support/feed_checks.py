"""Reading feeds the way podcast apps do: gPodder's podcastparser, feedparser and lxml."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import feedparser
import podcastparser
from lxml import etree

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
}


@dataclass
class ParsedFeed:
    """One feed body as three independent parsers read it."""

    gpodder: dict[str, Any]
    feedparser: Any
    root: Any

    def channel(self, path: str) -> list[Any]:
        return self.root.xpath(f"/rss/channel/{path}", namespaces=NS)

    def items(self) -> list[Any]:
        return self.root.xpath("/rss/channel/item")

    def item_text(self, item: Any, path: str) -> str | None:
        found = item.xpath(path, namespaces=NS)
        return found[0].text if found else None


def parse_feed(body: bytes, url: str = "http://podcasts.lovetv.test/feed.xml") -> ParsedFeed:
    """Parse with all three and fail if any of them finds the feed malformed."""
    gpodder = podcastparser.parse(url, io.BytesIO(body))
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    root = etree.fromstring(body)
    return ParsedFeed(gpodder, parsed, root)
