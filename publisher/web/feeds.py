"""`GET /feeds/teaser.xml` and `GET /feeds/<token>/<season>.xml`: the podcasts apps poll.

`/feeds/<token>/all.xml` is the member's feed of every season, answered the same way (a
season may not be slugged `all`: `publisher.catalog.seasons.add_season` refuses it).

The member feed itself is a listening service (`publisher.listening.member_feeds`); these
views only hand it the request. A member who lost access gets 200 and a notice feed; an
unknown token or season gets 404.

A browser opening either URL (`feed_http.wants_page`) gets an HTML page about the feed
instead (`publisher.web.feed_pages`), built from the same lookup and access decision.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, request
from werkzeug.wrappers import Response

from publisher.listening.cache import FeedCache
from publisher.listening.feed_http import feed_response, public_etag, wants_page
from publisher.listening.inputs import Urls
from publisher.listening.member_feeds import NOT_FOUND, MemberFeeds
from publisher.listening.requests import SeasonRequests, teaser_state
from publisher.models import utcnow
from publisher.services import services_of
from publisher.web import feed_fast_path, feed_pages

bp = Blueprint("feeds", __name__, template_folder="templates")


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
    """The app's `MemberFeeds` (the listening service this route and the fast path call)."""
    return app.extensions["lovetv_member_feeds"]


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
