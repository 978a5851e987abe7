"""Members' HLS multivariant playlists answered before Flask, like their feeds.

`/media/<token>/<guid>.m3u8` is the URL apps and players open first for a video. Flask's
request machinery around the media route cost about three times the work itself (the same
finding as for feeds, `publisher.web.feed_fast_path`), so this middleware answers `GET` and
`HEAD` of it directly: one statement finds the episode and the token's holder
(`publisher.listening.playlists`), the access decision is made on every request, and the
answer carries the headers the media route's hooks add.

Only the plain success is answered here. Everything else goes to Flask unchanged, so its
answers stay the route's own: an unknown or lost token (404 or 403 with its sentence), an
episode without a video, a teaser's public playlist, a Host the app refuses, an error of
any kind (Flask's 500 and logging, or the app's 503 for a database outage).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import Flask

from audio.hls_playlists import MIME
from auth.tokens import looks_like_token
from publisher.listening.playlists import PlaylistRequests
from publisher.models import utcnow
from publisher.web.request_ids import HEADER as REQUEST_ID_HEADER
from publisher.web.request_ids import request_id_from
from publisher.web.security import NOSNIFF, host_allowed, trusted_hosts_of

# `/media/<token>/<guid>.m3u8`: a GUID has no dot, so rendition playlists never match.
MULTIVARIANT_PATH = re.compile(r"/media/([^/]+)/([^/.]+)\.m3u8")
MEMBER_CACHE = "private, no-cache"
WSGIApp = Any


class PlaylistFastPath:
    """WSGI middleware: a member's multivariant playlist, everything else by `app`."""

    def __init__(self, app: WSGIApp, playlists: PlaylistRequests, hosts: frozenset[str]) -> None:
        self.app = app
        self.playlists = playlists
        self.hosts = hosts

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        match = self._multivariant(environ)
        if match is None or match[1] == "teaser" or not looks_like_token(match[1]):
            return self.app(environ, start_response)
        try:
            now = utcnow()
            found = self.playlists.find(match[2], match[1], now)
            if found is None or found.listener is None or not found.listener.access(now).allowed:
                return self.app(environ, start_response)
        except Exception:
            return self.app(environ, start_response)
        body = found.text.encode()
        headers = [
            ("Content-Type", MIME),
            ("Content-Length", str(len(body))),
            ("Cache-Control", MEMBER_CACHE),
            ("Referrer-Policy", "no-referrer"),
            (REQUEST_ID_HEADER, request_id_from(environ.get("HTTP_X_REQUEST_ID"))),
            NOSNIFF,
        ]
        start_response("200 OK", headers)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]

    def _multivariant(self, environ: dict[str, Any]) -> re.Match[str] | None:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        path = environ.get("PATH_INFO", "")
        if not path.endswith(".m3u8") or not path.isascii():  # feeds and audio pass at once
            return None
        if not host_allowed(environ, self.hosts):
            return None
        return MULTIVARIANT_PATH.fullmatch(path)


def init_app(app: Flask, playlists: PlaylistRequests) -> None:
    """Put the fast path in front of the app (inside any proxy middleware added later)."""
    app.wsgi_app = PlaylistFastPath(app.wsgi_app, playlists, trusted_hosts_of(app))  # type: ignore[method-assign]  # Flask's way to add WSGI middleware
