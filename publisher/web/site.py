"""What browsers and crawlers ask every site for: `/favicon.ico` and `/robots.txt`.

robots.txt keeps crawlers out of private feeds, media, accounts and the welcome page
(whose URLs carry secrets) while leaving the public teaser feed listable.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, send_file

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


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
