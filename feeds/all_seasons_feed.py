"""A member's one feed of every season: what Memberful and Supercast call "all content".

Each item is exactly its season feed's item (same GUID, same enclosure), so a member who
moves from the season feeds to this one sees no duplicates in apps that de-duplicate by
GUID. Seasons come in their order, each season's episodes newest first, as in its own feed.
The feed has its own `podcast:guid`, derived from the show's, since it is a podcast of its
own in the member's app.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from feeds.channel import add_episode, new_feed, season_channel, to_bytes
from feeds.model import ALL_SEASONS_SLUG, EpisodeInfo, NoticeLinks, SeasonInfo, ShowInfo
from feeds.notice_feed import COMING_SOON, PAYMENT_PROBLEM, notice_item

ALL_SEASONS_TITLE = "All seasons"


def all_seasons_guid(show_guid: str) -> str:
    """A stable UUIDv5 for the all-seasons feed, named by the show's own guid."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"lovetv:{show_guid}/{ALL_SEASONS_SLUG}"))


def all_seasons_info(show: ShowInfo, feed_url: str) -> SeasonInfo:
    """The all-seasons feed described as a season, so channels and notices treat it alike."""
    return SeasonInfo(
        slug=ALL_SEASONS_SLUG,
        title=ALL_SEASONS_TITLE,
        number=None,
        description=show.description,
        image_url=None,
        podcast_guid=all_seasons_guid(show.podcast_guid),
        feed_url=feed_url,
    )


def render_all_seasons_feed(
    show: ShowInfo,
    feed: SeasonInfo,
    seasons: Sequence[Sequence[EpisodeInfo]],
    links: NoticeLinks,
    updated: datetime,
    payment_problem: bool = False,
) -> bytes:
    """RSS bytes of every season's published episodes, season after season.

    `seasons` holds each season's items in the order the seasons come, already filtered to
    what members may hear now. As in a season feed, `payment_problem` adds a newest notice
    dated per request, and an empty feed gets a "coming soon" item so apps subscribe.
    """
    fg = new_feed(show, season_channel(show, feed, updated))
    guid, title = feed.podcast_guid, feed.title
    if payment_problem:
        add_episode(fg, notice_item(PAYMENT_PROBLEM, show, guid, title, links, None))
    if not any(seasons) and not payment_problem:
        add_episode(fg, notice_item(COMING_SOON, show, guid, title, links, updated))
    for items in seasons:
        for episode in sorted(items, key=lambda e: (e.published, e.number or 0), reverse=True):
            add_episode(fg, episode)
    return to_bytes(fg)
