"""The public pages of the show: a teaser episode's page, a season's page, the terms and
refund policy.

Server-rendered, no JavaScript framework (the only script is the shared copy button).
Members-only episodes never get a page or a player here: `/episodes/<guid>` answers 404 for
them exactly as for an unknown GUID, so a page reveals nothing a member's feed holds.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, current_app, render_template

from publisher.catalog.public_pages import public_episode, season_view, show_view
from publisher.catalog.show_policies import (
    POLICY_TITLES,
    REFUND_POLICY,
    TERMS,
    policy_html,
    policy_text,
)
from publisher.listening.inputs import Urls
from publisher.models import utcnow
from publisher.services import services_of

bp = Blueprint("public", __name__, template_folder="templates")
PAGE_URLS = Urls("")  # relative links and artwork: pages work on whatever host serves them
PUBLIC_PAGE_CACHE = "public, max-age=60"


def _page(template: str, **context: object) -> Response:
    """A public page, cacheable for a minute (it names nothing personal)."""
    with services_of(current_app).db.session() as session:
        show = show_view(session, PAGE_URLS)
    html = render_template(template, show=show, show_title=show.title, **context)
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = PUBLIC_PAGE_CACHE
    return response


@bp.get("/episodes/<guid>")
def episode_page(guid: str) -> Response:
    """A teaser episode's (or trailer's) page with its player; 404 for anything else."""
    with services_of(current_app).db.session() as session:
        episode = public_episode(session, PAGE_URLS, guid, utcnow())
    if episode is None:
        abort(404)
    return _page("public_episode.html", episode=episode)


@bp.get("/seasons/<slug>")
def season_page(slug: str) -> Response:
    """A season: description, artwork, trailer, and every episode by title."""
    with services_of(current_app).db.session() as session:
        season = season_view(session, PAGE_URLS, slug, utcnow())
    if season is None:
        abort(404)
    return _page("public_season.html", season=season)


def _policy(kind: str) -> Response:
    with services_of(current_app).db.session() as session:
        text = policy_text(session, kind)
    return _page("public_policy.html", title=POLICY_TITLES[kind], body=policy_html(text))


@bp.get("/terms")
def terms() -> Response:
    return _policy(TERMS)


@bp.get("/refunds")
def refund_policy() -> Response:
    return _policy(REFUND_POLICY)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
