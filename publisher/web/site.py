"""What browsers and crawlers ask every site for: `/favicon.ico` and `/robots.txt`; and
what every page's header shows beside the show's name: its artwork.

robots.txt keeps crawlers out of private feeds, media, accounts and the welcome page
(whose URLs carry secrets) while leaving the public teaser feed listable.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, send_file
from sqlalchemy import select

from publisher.models import Show
from publisher.services import services_of

bp = Blueprint("site", __name__)
_FAVICON = Path(__file__).resolve().parent.parent / "static" / "favicon.ico"

ROBOTS = """User-agent: *
Allow: /feeds/teaser.xml
Disallow: /feeds/
Disallow: /media/
Disallow: /account
Disallow: /welcome
Disallow: /join/
"""


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The show's mark, cached for a day."""
    return send_file(_FAVICON, mimetype="image/x-icon", max_age=86400)


@bp.get("/robots.txt")
def robots() -> Response:
    return Response(ROBOTS, mimetype="text/plain")


def site_cover() -> str:
    """The show's artwork for the page header; the bundled cover when the show has none or
    the database cannot answer (an outage page still renders)."""
    from publisher.web.public import PAGE_URLS
    from publisher.web.unavailable import DATABASE_ERRORS

    try:
        with services_of(current_app).db.session() as session:
            key = session.scalar(select(Show.image_key).where(Show.id == 1))
    except DATABASE_ERRORS:
        return remembered_cover()
    cover = (PAGE_URLS.artwork(key) if key else None) or BUNDLED_COVER
    services_of(current_app).show_cover = cover
    return cover


def remembered_cover() -> str:
    """The artwork as last read by any page: an outage page must not wait for the database."""
    return services_of(current_app).show_cover or BUNDLED_COVER


BUNDLED_COVER = "/static/cover.png"


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.context_processor(lambda: {"site_cover": site_cover})
