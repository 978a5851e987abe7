"""Rendering a member's all-seasons feed (`/feeds/<token>/all.xml`) once per change.

Every season's published episodes, built with the same `episode_info` as the season feeds,
so each item keeps its season feed's GUID and URLs. It is stored like the teaser under one
key shared by every member; any season's change deletes every stored feed
(`publisher.listening.invalidation`), this one with them, and its revision is the sum of
every season's, as the teaser's is.
"""

from __future__ import annotations

from datetime import datetime
from itertools import groupby

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feeds.all_seasons_feed import all_seasons_info, render_all_seasons_feed
from feeds.model import ALL_SEASONS_SLUG, TOKEN_PLACEHOLDER
from feeds.notice_feed import LOST_ACCESS, PAYMENT_PROBLEM, render_lost_access_feed
from feeds.personal_items import with_personal_slot
from publisher.listening.inputs import Urls, episode_info, published, show_info
from publisher.listening.personal import has_member_items, voiced_notices
from publisher.listening.rendering import Rendered, link_of, revisions_total, updated_at
from publisher.models import Episode, Season

SEASON_ORDER = (Season.number.asc().nulls_last(), Season.created_at, Season.id)


def all_seasons_feed_url(urls: Urls) -> str:
    return f"{urls.base}/feeds/{TOKEN_PLACEHOLDER}/{ALL_SEASONS_SLUG}.xml"


def every_season_episodes(session: Session, now: datetime) -> list[tuple[Season, list[Episode]]]:
    """Each season with an episode out now, in season order, with its episodes newest first."""
    query = (
        select(Season, Episode)
        .join(Episode, Episode.season_id == Season.id)
        .where(published(now))
        .order_by(*SEASON_ORDER, Episode.publish_at.desc(), Episode.id.desc())
    )
    rows = session.execute(query).all()
    return [
        (season, [episode for _, episode in group])
        for season, group in groupby(rows, key=lambda row: row[0])
    ]


def next_member_change(session: Session, now: datetime) -> datetime | None:
    """When the next scheduled episode of any season comes out."""
    scheduled = (Episode.publish_at > now) & Episode.unpublished_at.is_(None)
    return session.scalar(select(func.min(Episode.publish_at)).where(scheduled))


def render_all_seasons(
    session: Session, urls: Urls, now: datetime, notice: str | None = None
) -> Rendered:
    """The all-seasons member feed (or one of its notice variants)."""
    revision = revisions_total(session)
    seasons = every_season_episodes(session, now)
    newest = max((episodes[0].publish_at for _, episodes in seasons), default=None)
    updated = updated_at(session, session.scalar(select(func.max(Season.updated_at))), newest)
    show = show_info(session, urls)
    feed = all_seasons_info(show, all_seasons_feed_url(urls))
    links = urls.notice_links(show.owner_email, voiced_notices(session, urls))
    if notice in LOST_ACCESS:
        body = render_lost_access_feed(notice, show, feed, links, updated)
    else:
        website = show.website
        items = [
            [episode_info(e, s, TOKEN_PLACEHOLDER, urls, link_of(e, urls, website)) for e in eps]
            for s, eps in seasons
        ]
        body = render_all_seasons_feed(
            show, feed, items, links, updated, payment_problem=notice == PAYMENT_PROBLEM
        )
        if has_member_items(session):
            body = with_personal_slot(body)
    return Rendered(body, next_member_change(session, now), None, revision)
