"""Routes only the bench's own server has (`bench.app --routes`), to compare against.

`/bench/constant/<token>/<season>.xml` answers with the very bytes and ETag the member
route gave the first time, from memory, with no database work (the ceiling the member route
is measured against). `/bench/naive/<token>/<season>.xml` renders with feedgen on every
request (the design the cache replaces).
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.wrappers import Response as BaseResponse

from feeds.model import TOKEN_PLACEHOLDER
from publisher.listening.cache import body_etag
from publisher.listening.feed_http import RSS
from publisher.listening.inputs import Urls
from publisher.listening.rendering import render_season
from publisher.models import utcnow
from publisher.services import services_of
from publisher.web.feeds import member_feed, not_found, season_requests

bp = Blueprint("bench", __name__)
_constants: dict[tuple[str, str], tuple[bytes, str]] = {}


@bp.get("/bench/constant/<token>/<slug>.xml")
def constant_feed(token: str, slug: str) -> Response:
    """The member feed's bytes as a constant; 304 on a matching If-None-Match."""
    if (token, slug) not in _constants:
        first = member_feed(token, slug)
        _constants[(token, slug)] = (first.get_data(), first.headers["ETag"])
    body, etag = _constants[(token, slug)]
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if request.headers.get("If-None-Match") == etag:
        return Response(status=304, headers=headers)
    return Response(body, headers=headers, content_type=RSS)


@bp.get("/bench/naive/<token>/<slug>.xml")
def naive_feed(token: str, slug: str) -> BaseResponse:
    """Look the token up, then load rows and render with feedgen on every request."""
    services = services_of(current_app)
    now = utcnow()
    found = season_requests().find(slug, token)
    if found is None or found.listener is None or found.season_id is None:
        return not_found()
    with services.db.session() as session:
        rendered = render_season(
            session, found.season_id, Urls(services.config.base_url), now, None
        )
    assert rendered is not None
    body = rendered.body.replace(TOKEN_PLACEHOLDER.encode(), token.encode())
    return Response(body, headers={"ETag": f'"{body_etag(body)[:40]}"'}, content_type=RSS)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
