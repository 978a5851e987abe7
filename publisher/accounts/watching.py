"""Watching on the site: a signed-in member's own page of any episode they can hear.

Not every podcast app plays video, so the account page links each video episode to a page
with the episode's player. Its URLs carry the member's own token, exactly as their feeds
do, so `/media/` checks their access on every request; the page itself is shown only while
the member's feeds would play (the same access decision, `Listener.access`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.catalog.public_pages import EpisodeView, episode_view
from publisher.config import Config
from publisher.listening.inputs import Urls, published
from publisher.listening.listeners import find_listener
from publisher.members.members import current_token
from publisher.models import Episode, Member, Season

PAGE_URLS = Urls("")  # relative links: the page works on whatever host serves it
LISTED_VIDEOS = 24


@dataclass(frozen=True)
class VideoLink:
    """A video episode on the account page, linking to its page."""

    title: str
    season: str
    url: str


def may_watch(session: Session, config: Config, member: Member, now: datetime) -> bool:
    """Whether the member's feeds play now: the page follows the feeds' own decision."""
    token = current_token(session, member, config.secret_key)
    listener = find_listener(session.connection(), config.secret_key, token)
    return listener is not None and listener.access(now).allowed


def member_episode(
    session: Session, config: Config, member: Member, guid: str, now: datetime
) -> EpisodeView | None:
    """The episode's page for this member, its media under their token; None if unknown
    or not out yet."""
    row = session.execute(
        select(Episode, Season)
        .join(Season, Season.id == Episode.season_id)
        .where(Episode.guid == guid, published(now))
    ).first()
    if row is None:
        return None
    token = current_token(session, member, config.secret_key)
    view = episode_view(row[0], row[1], PAGE_URLS, True, who=token)
    return replace(view, transcript_page=None)  # the transcript page is the teasers' only


def video_links(session: Session, now: datetime) -> list[VideoLink]:
    """The newest video episodes out now, for the account page."""
    rows = session.execute(
        select(Episode.title, Episode.guid, Season.title)
        .join(Season, Season.id == Episode.season_id)
        .where(published(now), Episode.video_key.is_not(None))
        .order_by(Episode.publish_at.desc(), Episode.id.desc())
        .limit(LISTED_VIDEOS)
    )
    return [VideoLink(title, season, f"/account/episodes/{guid}") for title, guid, season in rows]
