"""What browsers and crawlers ask every site for: `/favicon.ico` and `/robots.txt`; and
what every page's header shows beside the show's name: its artwork.

robots.txt keeps crawlers out of private feeds, media, accounts and the welcome page
(whose URLs carry secrets) while leaving the public teaser feed listable.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, send_file

from publisher.web.show_header import remembered_cover, show_cover
from publisher.web.unavailable import DATABASE_ERRORS

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
    try:
        return show_cover()
    except DATABASE_ERRORS:
        return remembered_cover()


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.context_processor(lambda: {"site_cover": site_cover})
