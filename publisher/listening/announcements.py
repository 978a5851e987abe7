"""Which other seasons a season's feed announces (`feeds.announcements`) and names in its
podroll, read from the rows at render time.

A season is announced from its first published episode's time for `ANNOUNCEMENT_DAYS`, and
only in the feeds of the seasons before it (`feeds.announcements.comes_after`);
the render says when that next changes (an announcement ending, or another season's
scheduled episode coming out), so the cached feed is rendered again then.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feeds.announcements import ANNOUNCEMENT_WINDOW, announced, comes_after
from feeds.model import TOKEN_PLACEHOLDER, OtherSeason, SeasonAnnouncement
from publisher.listening.inputs import Urls, published
from publisher.models import Episode, Season
from publisher.web.podcast_apps import podcast_app_links

_ENCODED_PLACEHOLDER = quote(TOKEN_PLACEHOLDER, safe="")


def first_episodes(session: Session, now: datetime) -> list[tuple[Season, datetime]]:
    """Every season with a published episode, and when its first one came out."""
    first = func.min(Episode.publish_at).label("first")
    query = (
        select(Season, first)
        .join(Episode, Episode.season_id == Season.id)
        .where(published(now))
        .group_by(Season.id)
        .order_by(first, Season.id)
    )
    return [(season, when) for season, when in session.execute(query)]


def app_links(feed_url: str) -> tuple[tuple[str, str], ...]:
    """The one-tap app links of a private feed URL, the token placeholder left intact."""
    return tuple(
        (name, link.replace(_ENCODED_PLACEHOLDER, TOKEN_PLACEHOLDER))
        for name, link in podcast_app_links(feed_url)
    )


def season_news(
    session: Session, season_id: int, urls: Urls, now: datetime
) -> tuple[list[SeasonAnnouncement], list[OtherSeason], datetime | None]:
    """Announcements and podroll entries for `season_id`'s feed, and when they next change."""
    news: list[SeasonAnnouncement] = []
    others: list[OtherSeason] = []
    changes: list[datetime] = []
    seasons = first_episodes(session, now)
    own: tuple[int | None, datetime | None] | None = next(
        ((s.number, first) for s, first in seasons if s.id == season_id), None
    )
    if own is None:  # nothing of this season is out yet
        own = (session.scalar(select(Season.number).where(Season.id == season_id)), None)
    for season, first in seasons:
        if season.id == season_id:
            continue
        feed_url = urls.season_feed(season.slug)
        others.append(OtherSeason(season.title, season.podcast_guid, feed_url))
        if announced(first, now) and comes_after((season.number, first), own):
            changes.append(first + ANNOUNCEMENT_WINDOW)
            news.append(
                SeasonAnnouncement(
                    title=season.title,
                    podcast_guid=season.podcast_guid,
                    feed_url=feed_url,
                    page_url=urls.season_page(season.slug),
                    first_published=first,
                    app_links=app_links(feed_url),
                )
            )
    scheduled = (
        (Episode.publish_at > now)
        & Episode.unpublished_at.is_(None)
        & (Episode.season_id != season_id)
    )
    upcoming = session.scalar(select(func.min(Episode.publish_at)).where(scheduled))
    if upcoming is not None:
        changes.append(upcoming)
    return news, others, min(changes, default=None)
