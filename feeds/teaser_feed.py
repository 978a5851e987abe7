"""The public teaser feed: free episodes from every season, trailers, and where to join.

Unlike member feeds it is not blocked, so directories may list it: it is the shop window.
It carries no token and names only what the shell passed in (teaser episodes and
trailers), never a members-only episode.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from feeds.channel import Channel, add_episode, new_feed, to_bytes
from feeds.model import EpisodeInfo, NoticeLinks, ShowInfo, Trailer
from feeds.notice_feed import COMING_SOON, notice_item
from feeds.podcast_extension import EXTENSION_NAME
from feeds.text import clean_text, one_line


def render_teaser_feed(
    show: ShowInfo,
    episodes: Sequence[EpisodeInfo],
    trailers: Sequence[Trailer],
    links: NoticeLinks,
    updated: datetime,
    self_url: str,
) -> bytes:
    """RSS bytes of the teaser feed; each trailer becomes a `podcast:trailer` element."""
    title = f"{one_line(show.title)}: free episodes"
    description = (
        f"{clean_text(show.description).strip()}\n\n"
        f"Free episodes from every season. Members hear them all, each season in their own "
        f"podcast app: join at {show.join_url}"
    ).strip()
    channel = Channel(
        title=title,
        description=description,
        link=show.join_url,
        self_url=self_url,
        image_url=show.image_url,
        podcast_guid=show.podcast_guid,
        updated=updated,
        private=False,
    )
    fg = new_feed(show, channel)
    ext = getattr(fg, EXTENSION_NAME)
    for trailer in trailers:
        ext.podcast_trailer(
            one_line(trailer.title),
            trailer.enclosure.url,
            trailer.published,
            trailer.enclosure.length,
            trailer.enclosure.mime,
            season=trailer.season_number,
        )
    items = sorted(episodes, key=lambda e: e.published, reverse=True)
    if not items:
        add_episode(fg, notice_item(COMING_SOON, show, show.podcast_guid, title, links, updated))
    for episode in items:
        add_episode(fg, episode)
    return to_bytes(fg)
