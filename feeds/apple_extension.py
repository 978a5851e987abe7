"""The channel's `itunes:explicit` and `itunes:block` with the values Apple reads today.

feedgen 1.0 writes `yes`/`no`/`clean`; Apple Podcasts now documents `true`/`false` for
explicit and exactly `Yes` for block. Everything else iTunes-namespaced comes from
feedgen's own extension (`fg.load_extension("podcast")`).
https://help.apple.com/itc/podcasts_connect/#/itcb54353390
"""

from __future__ import annotations

from feedgen.ext.base import BaseExtension
from feedgen.util import xml_elem
from lxml import etree

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
EXTENSION_NAME = "apple"


class AppleChannelExtension(BaseExtension):  # type: ignore[misc]  # feedgen ships no types
    """Writes `<itunes:explicit>true|false</itunes:explicit>` and `<itunes:block>Yes`."""

    def __init__(self) -> None:
        self._explicit: bool | None = None
        self._block = False

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS}

    def explicit(self, explicit: bool) -> None:
        self._explicit = bool(explicit)

    def block(self, block: bool) -> None:
        """Keep the feed out of Apple's directory (private member feeds)."""
        self._block = bool(block)

    def extend_rss(self, rss_feed: etree._Element) -> etree._Element:
        channel = rss_feed[0]
        if self._explicit is not None:
            tag = xml_elem(f"{{{ITUNES_NS}}}explicit", channel)
            tag.text = "true" if self._explicit else "false"
        if self._block:
            xml_elem(f"{{{ITUNES_NS}}}block", channel).text = "Yes"
        return rss_feed
