"""Rendering a season's or the teaser's feed from the database, once per change.

Each function reads the rows, builds `feeds.model` values and calls a `feeds/` renderer.
They also say until when the result holds (`valid_until`: the next scheduled episode), so
the cache renders again the moment a scheduled episode's time comes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feeds.model import TOKEN_PLACEHOLDER
from feeds.notice_feed import LOST_ACCESS, PAYMENT_PROBLEM, render_lost_access_feed
from feeds.personal_items import with_personal_slot
from feeds.season_feed import render_season_feed
from feeds.teaser_feed import render_teaser_feed
from publisher.listening.announcements import season_news
from publisher.listening.inputs import (
    Urls,
    episode_info,
    next_change,
    season_episodes,
    season_info,
    show_info,
    teaser_inputs,
)
from publisher.listening.personal import has_member_items, voiced_notices
from publisher.models import Episode, Season, Show

_BEFORE_ANYTHING = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Rendered:
    body: bytes
    valid_until: datetime | None
    # What the render read (before any other row): the season's revision, or for the
    # teaser (season_id None) the sum of every season's; see feed_invalidation.
    season_id: int | None = None
    revision: int = 0


def revisions_total(session: Session) -> int:
    """The teaser's revision: every season change (and show change) raises it."""
    return int(session.scalar(select(func.coalesce(func.sum(Season.revision), 0))) or 0)


def updated_at(session: Session, *times: datetime | None) -> datetime:
    """lastBuildDate from the rows themselves, so every worker renders the same bytes."""
    show = session.get(Show, 1)
    known = [t for t in (*times, show.updated_at if show else None) if t is not None]
    return max(known, default=_BEFORE_ANYTHING)


def render_season(
    session: Session, season_id: int, urls: Urls, now: datetime, notice: str | None = None
) -> Rendered | None:
    """A season's member feed (or one of its notice variants); None if the season is gone."""
    season = session.get(Season, season_id)
    if season is None:
        return None
    revision = season.revision
    episodes = season_episodes(session, season, now)
    updated = updated_at(session, season.updated_at, *(e.publish_at for e in episodes[:1]))
    show = show_info(session, urls)
    info = season_info(season, urls)
    links = urls.notice_links(show.owner_email, voiced_notices(session, urls))
    valid_until = next_change(session, now, season_id=season.id)
    if notice in LOST_ACCESS:
        body = render_lost_access_feed(notice, show, info, links, updated)
    else:
        news, others, news_change = season_news(session, season.id, urls, now)
        valid_until = min((t for t in (valid_until, news_change) if t), default=None)
        items = [
            episode_info(e, season, TOKEN_PLACEHOLDER, urls, link_of(e, urls, show.website))
            for e in episodes
        ]
        body = render_season_feed(
            show,
            info,
            items,
            links,
            updated,
            payment_problem=notice == PAYMENT_PROBLEM,
            announcements=news,
            other_seasons=others,
        )
        if has_member_items(session):
            body = with_personal_slot(body)
    return Rendered(body, valid_until, season.id, revision)


def link_of(episode: Episode, urls: Urls, website: str) -> str:
    """A teaser episode's item links to its public page; a members-only one to the site."""
    return urls.episode_page(episode.guid) if episode.teaser else website


def render_teaser(session: Session, urls: Urls, now: datetime) -> Rendered:
    """The public teaser feed of every season's teaser episodes and trailers."""
    revision = revisions_total(session)
    items, trailers = teaser_inputs(session, urls, now)
    newest = (e.published for e in items[:1])
    updated = updated_at(session, *newest, *(t.published for t in trailers))
    show = show_info(session, urls)
    body = render_teaser_feed(
        show,
        items,
        trailers,
        urls.notice_links(show.owner_email),
        updated,
        self_url=f"{urls.base}/feeds/teaser.xml",
    )
    return Rendered(body, next_change(session, now), None, revision)
