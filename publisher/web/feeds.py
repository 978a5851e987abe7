"""`GET /feeds/teaser.xml` and `GET /feeds/<token>/<season>.xml`: the podcasts apps poll.

`/feeds/<token>/all.xml` is the member's feed of every season, answered the same way (a
season may not be slugged `all`: `publisher.catalog.catalog.add_season` refuses it).

Per request: one query (token and stored feed together), the access decision, then bytes
from this worker's cache with the token substituted. A member who lost access gets 200
and a notice feed; an unknown token or season gets 404. Nothing about a member is kept
between requests: a revoked token is refused on its very next poll.

A browser opening either URL (`feed_http.wants_page`) gets an HTML page about the feed
instead (`publisher.web.feed_pages`), built from the same lookup and access decision.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from flask import Blueprint, Flask, abort, current_app, request
from werkzeug.wrappers import Request, Response

from auth.access import AccessDecision
from auth.tokens import looks_like_token
from feeds.model import ALL_SEASONS_SLUG, MEMBER_NAME_PLACEHOLDER, PERSONAL_ITEMS_PLACEHOLDER
from feeds.text import for_member
from publisher.listening.cache import FeedCache
from publisher.listening.inputs import Urls
from publisher.listening.listeners import Listener
from publisher.listening.personal import filled_items
from publisher.listening.requests import SeasonRequest, SeasonRequests, teaser_state
from publisher.metrics.instruments import FEED_OUTCOMES
from publisher.models import utcnow
from publisher.services import services_of
from publisher.web import feed_fast_path, feed_pages
from publisher.web.feed_http import (
    FeedReply,
    feed_response,
    member_etag,
    notice_event,
    public_etag,
    wants_page,
)

bp = Blueprint("feeds", __name__, template_folder="templates")


_NOT_FOUND_TEXT = b"no such feed\n"
NOT_FOUND = FeedReply(
    404,
    [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(_NOT_FOUND_TEXT)))],
    _NOT_FOUND_TEXT,
)


def not_found() -> Response:
    return NOT_FOUND.response()


def feed_cache(app: Flask | None = None) -> FeedCache:
    return (app or current_app).extensions["lovetv_feed_cache"]


def season_requests() -> SeasonRequests:
    return current_app.extensions["lovetv_season_requests"]


@bp.get("/feeds/teaser.xml")
def teaser_feed() -> Response:
    """The public feed of free episodes and trailers; no token, listed by directories."""
    if wants_page(request):
        return feed_pages.teaser_page()
    now = utcnow()
    with services_of(current_app).db.engine.connect() as conn:
        state = teaser_state(conn)
    variant = feed_cache().teaser(state, now)
    return feed_response(request, variant, public_etag(variant), None, private=False).response()


@bp.get("/feeds/<token>/<slug>.xml")
def member_feed(token: str, slug: str) -> Response:
    """A member's private feed of one season (usually answered before Flask, by
    `publisher.web.feed_fast_path`, with this same `MemberFeeds.answer`); a browser gets
    the feed's page, or Flask's 404 for an unknown token or season."""
    feeds = member_feeds(current_app)
    if not wants_page(request):
        return feeds.answer(request, token, slug).response()
    asked = feeds.ask(token, slug, utcnow())
    if asked is None:
        abort(404)
    return feed_pages.member_page(asked, token, slug)


def member_feeds(app: Flask) -> MemberFeeds:
    return app.extensions["lovetv_member_feeds"]


@dataclass(frozen=True)
class MemberFeedRequest:
    """A known token asking for a known season, and what it may hear there right now."""

    found: SeasonRequest
    listener: Listener
    decision: AccessDecision


@dataclass(frozen=True)
class MemberFeeds:
    """The member feed, answerable from the Flask route or straight from WSGI.

    `publisher.web.feed_fast_path` calls `answer` without Flask around it (podcast apps
    poll this URL all day); the route above is the same answer inside Flask.
    """

    cache: FeedCache
    requests: SeasonRequests
    grace_days: int

    def ask(self, token: str, slug: str, now: datetime) -> MemberFeedRequest | None:
        """The season and the token's holder with their access decision; None if unknown.

        The one place both the feed and the feed's page learn who may hear what.
        """
        if not looks_like_token(token):
            return None
        if slug == ALL_SEASONS_SLUG:
            found = self.requests.find_all_seasons(token)
        else:
            found = self.requests.find(slug, token)
        if found is None or found.listener is None:
            return None
        return MemberFeedRequest(found, found.listener, found.listener.access(now))

    def answer(self, asked: Request, token: str, slug: str) -> FeedReply:
        """The season's feed, or the notice feed if they lost access; 404 if unknown."""
        now = utcnow()
        member = self.ask(token, slug, now)
        if member is None:
            FEED_OUTCOMES["404"].inc()
            return NOT_FOUND
        found, listener, decision = member.found, member.listener, member.decision
        try:
            if found.season_id is None:
                variant = self.cache.all_seasons(found.state, decision.notice, now)
            else:
                variant = self.cache.season(found.season_id, found.state, decision.notice, now)
        except LookupError:  # the season vanished between the query and the render
            FEED_OUTCOMES["404"].inc()
            return NOT_FOUND
        moment = listener.notice_moment(decision.notice, self.grace_days)
        event = notice_event(moment or variant.last_modified if decision.notice else None)
        if variant.template.names_member:  # the show puts members' names in feed titles
            event[MEMBER_NAME_PLACEHOLDER] = for_member(listener.name)
        changed_at = listener.changed_at(decision.notice, self.grace_days)
        seed, fill = "", None
        if variant.personal is not None:  # welcome and anniversary items, if theirs now
            shown, seed, moment = variant.personal.for_member(listener.started_at, now)
            changed_at = max((t for t in (changed_at, moment) if t), default=None)
            fill = {PERSONAL_ITEMS_PLACEHOLDER: partial(filled_items, shown)}
        etag = member_etag(variant, listener.lookup_hash, event, seed)
        reply = feed_response(
            asked, variant, etag, token, private=True, event=event, changed_at=changed_at,
            fill=fill,
        )  # fmt: skip
        outcome = "304" if reply.status == 304 else ("notice" if decision.notice else "200")
        FEED_OUTCOMES[outcome].inc()
        return reply


def init_app(app: Flask) -> None:
    services = services_of(app)
    app.extensions["lovetv_feed_cache"] = FeedCache(services.db, Urls(services.config.base_url))
    app.extensions["lovetv_season_requests"] = requests = SeasonRequests(
        services.db.engine, services.config.secret_key
    )
    app.extensions["lovetv_member_feeds"] = feeds = MemberFeeds(
        feed_cache(app), requests, services.config.past_due_grace_days
    )
    app.register_blueprint(bp)
    feed_fast_path.init_app(app, feeds)
    if os.environ.get("LOVETV_BENCH_ROUTES") == "1":  # `make bench` only; see docs/benchmarks.md
        from publisher.web import bench_routes

        bench_routes.init_app(app)
