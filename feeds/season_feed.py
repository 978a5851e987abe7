"""A member's private feed of one season, rendered once per change with a token placeholder."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from feeds.announcements import announcement_item
from feeds.channel import add_episode, add_podroll, new_feed, season_channel, to_bytes
from feeds.model import (
    EpisodeInfo,
    NoticeLinks,
    OtherSeason,
    SeasonAnnouncement,
    SeasonInfo,
    ShowInfo,
)
from feeds.notice_feed import COMING_SOON, PAYMENT_PROBLEM, notice_item


def render_season_feed(
    show: ShowInfo,
    season: SeasonInfo,
    episodes: Sequence[EpisodeInfo],
    links: NoticeLinks,
    updated: datetime,
    payment_problem: bool = False,
    announcements: Sequence[SeasonAnnouncement] = (),
    other_seasons: Sequence[OtherSeason] = (),
) -> bytes:
    """RSS bytes of the season's published episodes, newest first.

    `episodes` are already filtered to what members may hear now, `announcements` to the
    other seasons announced now. A season with no episodes yet gets a "coming soon" item,
    because apps such as Overcast refuse to subscribe to an empty feed. `payment_problem`
    adds a newest notice (dated per request at the failed renewal) asking for a new card
    while the episodes keep flowing.
    """
    fg = new_feed(show, season_channel(show, season, updated))
    add_podroll(fg, other_seasons)
    news = [announcement_item(show, season.podcast_guid, a, links) for a in announcements]
    items = sorted([*episodes, *news], key=lambda e: (e.published, e.number or 0), reverse=True)
    if payment_problem:
        add_episode(
            fg, notice_item(PAYMENT_PROBLEM, show, season.podcast_guid, season.title, links, None)
        )
    if not episodes and not payment_problem:
        add_episode(
            fg, notice_item(COMING_SOON, show, season.podcast_guid, season.title, links, updated)
        )
    for episode in items:
        add_episode(fg, episode)
    return to_bytes(fg)
