"""The HTML pages a browser gets at a feed's URL: what the feed is and how to add it.

A person who opens their private feed link (or the teaser feed's) in a browser reads what
the feed is, the link with a copy button, one-tap app buttons, the other apps' steps and
the episodes; a member without access reads what happened and the one thing to do next,
never an invitation to add the feed. Podcast apps never see these pages: the routes in
`publisher.web.feeds` answer them the RSS (`feed_http.wants_page` decides).

The access decision is the feed's own (`MemberFeeds.ask`), so a page never says more than
the feed would give. Private pages show the token, so they are `no-store`, `no-referrer`
and `noindex`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from flask import Response, abort, current_app, render_template
from sqlalchemy.orm import Session

from auth.access import NOTICE_LAPSED, NOTICE_PAYMENT_PROBLEM, NOTICE_REVOKED, NOTICE_ROTATED
from feeds.all_seasons_feed import ALL_SEASONS_TITLE
from publisher.catalog.public_pages import clock
from publisher.listening.all_seasons import every_season_episodes
from publisher.listening.feed_http import PAGE_VARY
from publisher.listening.inputs import public_episodes, season_episodes
from publisher.members.revoked_words import revoked_explanation
from publisher.models import Episode, Season, Show, utcnow
from publisher.services import services_of
from publisher.web.podcast_apps import OTHER_APPS, podcast_app_links

if TYPE_CHECKING:
    from publisher.listening.member_feeds import MemberFeedRequest

PUBLIC_PAGE_CACHE = "public, max-age=60"
ACCOUNT_PATH = "/account"


@dataclass(frozen=True)
class EpisodeLine:
    """One episode as a feed's page lists it: no audio, just what it is."""

    guid: str
    title: str
    published: datetime
    duration: str


@dataclass(frozen=True)
class ShowDetails:
    title: str
    owner_email: str


def _show(session: Session) -> ShowDetails:
    show = session.get(Show, 1)
    if show is None:
        return ShowDetails("Love TV", "")
    return ShowDetails(show.title or "Love TV", show.owner_email or "")


def _line(episode: Episode) -> EpisodeLine:
    return EpisodeLine(
        episode.guid, episode.title, episode.publish_at, clock(episode.duration or 0)
    )


def _feed_url(path: str) -> str:
    return f"{services_of(current_app).config.base_url}{path}"


def _page(template: str, cache_control: str, **context: object) -> Response:
    response = Response(render_template(template, **context), mimetype="text/html")
    response.headers["Cache-Control"] = cache_control
    response.headers["Vary"] = PAGE_VARY
    return response


def _feed_contents(
    session: Session, season_id: int | None, now: datetime
) -> tuple[str, list[EpisodeLine]]:
    """The feed's title and episodes: one season's, or every season's (`season_id` None)."""
    if season_id is None:
        seasons = every_season_episodes(session, now)
        return ALL_SEASONS_TITLE, [_line(e) for _, episodes in seasons for e in episodes]
    season = session.get(Season, season_id)
    if season is None:  # deleted between the feed's query and this one
        abort(404)
    return season.title, [_line(e) for e in season_episodes(session, season, now)]


def member_page(asked: MemberFeedRequest, token: str, slug: str) -> Response:
    """A member's season feed as a page: the link and apps with access, else what to do."""
    now = utcnow()
    with services_of(current_app).db.session() as session:
        show = _show(session)
        season_title, episodes = _feed_contents(session, asked.found.season_id, now)
    notice = asked.decision.notice
    url = _feed_url(f"/feeds/{token}/{slug}.xml")
    response = _page(
        "feed_member.html",
        "private, no-store",
        show_title=show.title,
        season_title=season_title,
        allowed=asked.decision.allowed,
        notice=notice,
        lapsed=notice == NOTICE_LAPSED,
        payment_problem=notice == NOTICE_PAYMENT_PROBLEM,
        replaced=notice == NOTICE_ROTATED,
        revoked=notice == NOTICE_REVOKED,
        revoked_words=revoked_explanation(show.title, show.owner_email),
        owner_email=show.owner_email,
        account_url=ACCOUNT_PATH,
        feed_url=url,
        apps=podcast_app_links(url) if asked.decision.allowed else [],
        other_apps=OTHER_APPS,
        episodes=episodes if asked.decision.allowed else [],
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def teaser_page() -> Response:
    """The free public feed as a page: what it is, its link and apps, its episodes."""
    now = utcnow()
    with services_of(current_app).db.session() as session:
        show = _show(session)
        episodes = [_line(e) for e, _season in public_episodes(session, now) if e.teaser]
    url = _feed_url("/feeds/teaser.xml")
    return _page(
        "feed_teaser.html",
        PUBLIC_PAGE_CACHE,
        show_title=show.title,
        feed_url=url,
        apps=podcast_app_links(url, private=False),
        other_apps=OTHER_APPS,
        episodes=episodes,
    )
