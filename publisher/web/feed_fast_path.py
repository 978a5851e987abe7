"""Member feeds answered before Flask: the URL podcast apps poll all day, at full speed.

Most of a feed poll's cost was Flask around it, not the feed: the request context, the
URL map, Flask-WTF's hook and the header hooks took longer than the token query, the
access decision and the 304 together. This WSGI middleware answers `GET` and `HEAD` of
`/feeds/<token>/<slug>.xml` itself, with the very code of the Flask route
(`MemberFeeds.answer`), and adds what the app's hooks would have added: the request id
(`request_ids`) and the security headers (`security`). A browser opening the URL
(`feed_http.wants_page`) goes to Flask, whose route renders the feed's HTML page.

It gives up nothing a poll is checked for: the token is looked up and the member's access
decided on every request, as in the route (from the row the worker keeps until a change,
`publisher.listening.hot_rows`, on PostgreSQL). Anything
else goes to Flask unchanged: other paths and methods, a Host the app refuses (Flask
answers 400), a non-ASCII path (Flask decodes it), a browser's page load (a page, with
the app's templates and hooks), and any unexpected error, so a bug here gets Flask's own
500 and logging. A database outage gets the app's 503.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask
from werkzeug.wrappers import Request

from publisher.listening.feed_http import wants_page
from publisher.web.request_ids import HEADER as REQUEST_ID_HEADER
from publisher.web.request_ids import request_id_from
from publisher.web.security import NOSNIFF, host_allowed, secure_headers, trusted_hosts_of
from publisher.web.unavailable import DATABASE_ERRORS, database_unavailable

if TYPE_CHECKING:
    from publisher.listening.member_feeds import MemberFeeds

# The Flask rule `/feeds/<token>/<slug>.xml` as werkzeug compiles it (`[^/]+` per part).
MEMBER_FEED_PATH = re.compile(r"/feeds/([^/]+)/([^/]+)\.xml")
WSGIApp = Any


class MemberFeedFastPath:
    """WSGI middleware: member feed polls answered directly, everything else by `app`."""

    def __init__(self, app: WSGIApp, feeds: MemberFeeds, hosts: frozenset[str]) -> None:
        self.app = app
        self.feeds = feeds
        self.hosts = hosts

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        match = self._member_feed(environ)
        if match is None:
            return self.app(environ, start_response)
        asked = Request(environ)
        if wants_page(asked):  # a person in a browser: the route renders the feed's page
            return self.app(environ, start_response)
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID"))
        try:
            reply = self.feeds.answer(asked, match[1], match[2])
        except DATABASE_ERRORS as exc:
            response = database_unavailable(exc, asked)
            response.headers[REQUEST_ID_HEADER] = request_id
            return secure_headers(response)(environ, start_response)
        except Exception:
            reply = None
        if reply is None:  # a bug: Flask answers it again, with its own 500 and logging
            return self.app(environ, start_response)
        return reply.send(environ, start_response, [(REQUEST_ID_HEADER, request_id), NOSNIFF])

    def _member_feed(self, environ: dict[str, Any]) -> re.Match[str] | None:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        path = environ.get("PATH_INFO", "")
        if not path.isascii() or not host_allowed(environ, self.hosts):
            return None
        return MEMBER_FEED_PATH.fullmatch(path)


def init_app(app: Flask, feeds: MemberFeeds) -> None:
    """Put the fast path in front of the app (inside any proxy middleware added later)."""
    app.wsgi_app = MemberFeedFastPath(app.wsgi_app, feeds, trusted_hosts_of(app))  # type: ignore[method-assign]  # Flask's way to add WSGI middleware
