"""HTTP around rendered feeds: strong ETags, 304s, gzip and the privacy headers.

Kept free of any database work so a conditional request that matches costs nothing here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from werkzeug.http import HTTP_STATUS_CODES, parse_date
from werkzeug.wrappers import Request, Response

from feeds.model import MEMBER_NAME_PLACEHOLDER, NOTICE_DATE_PLACEHOLDER, NOTICE_ID_PLACEHOLDER
from feeds.template import Value
from publisher.listening.cache import Variant

RSS = "application/rss+xml; charset=utf-8"
# A feed URL answers a browser's page load with an HTML page about the feed and everything
# else with the RSS, so both depend on these request headers (and the RSS on gzip).
VARY = "Accept-Encoding, Accept, Sec-Fetch-Mode"
PAGE_VARY = "Accept, Sec-Fetch-Mode"
# What a feed URL can answer, feed types first: HTML only when preferred to every one of them.
_FEED_OR_PAGE = ("application/rss+xml", "application/xml", "text/xml", "text/html")
# Status lines as werkzeug writes them.
_STATUS_LINES = {code: f"{code} {HTTP_STATUS_CODES[code].upper()}" for code in (200, 304, 404)}


def member_etag(
    variant: Variant, lookup_hash: str, event: Mapping[str, str] | None = None, personal: str = ""
) -> str:
    """Differs between members, versions, notice events and the member's personal items
    (`personal` names them); reveals nothing about the token."""
    event = event or {}
    seed = f"{variant.etag}:{lookup_hash}:{event.get(NOTICE_ID_PLACEHOLDER, '')}"
    if event.get(MEMBER_NAME_PLACEHOLDER):  # a renamed member's title changes
        seed += f":{event[MEMBER_NAME_PLACEHOLDER]}"
    if personal:
        seed += f":{personal}"
    return '"' + hashlib.sha256(seed.encode()).hexdigest()[:40] + '"'


def notice_event(moment: datetime | None) -> dict[str, str]:
    """The per-request values of a notice dated at `moment`: its pubDate and GUID suffix."""
    if moment is None:
        return {}
    return {
        NOTICE_DATE_PLACEHOLDER: format_datetime(moment.astimezone(UTC)),
        NOTICE_ID_PLACEHOLDER: f"{moment:%Y%m%dT%H%M%S%fZ}",
    }


def public_etag(variant: Variant) -> str:
    return f'"{variant.etag[:40]}"'


def not_modified(request: Request, etag: str, last_modified: datetime) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return etag in tags or "*" in tags
    since = request.headers.get("If-Modified-Since")
    if since:
        parsed = parse_date(since)
        return parsed is not None and last_modified.replace(microsecond=0) <= parsed
    return False


def _next_second(moment: datetime) -> datetime:
    """`moment` rounded up to a whole second.

    HTTP dates have whole seconds: a member change in the same second as the copy a client
    holds must still read as later than it, or an If-Modified-Since poll would get 304.
    """
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + timedelta(seconds=1)


@dataclass(frozen=True)
class FeedReply:
    """A feed answer as its status, final headers and body.

    The member route sends it straight to WSGI (`publisher.web.feed_fast_path`, with no
    `Response` object, whose header bookkeeping cost more than the 304 itself) or through
    Flask (`response()`). The headers are already what werkzeug would send: a 304 carries
    no entity headers (RFC 9110 15.4.5), a 200 its Content-Type and Content-Length.
    """

    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""

    def response(self) -> Response:
        return Response(self.body, status=self.status, headers=self.headers)

    def send(
        self, environ: Mapping[str, Any], start_response: Any, extra: list[tuple[str, str]]
    ) -> list[bytes]:
        """Start the WSGI response with `extra` headers added; the body unless HEAD."""
        start_response(_STATUS_LINES[self.status], self.headers + extra)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [self.body]


def feed_response(
    request: Request,
    variant: Variant,
    etag: str,
    token: str | None,
    private: bool,
    event: Mapping[str, Value] | None = None,
    changed_at: datetime | None = None,
    fill: Mapping[str, Callable[[], Value]] | None = None,
) -> FeedReply:
    """The feed personalised with `token` and `event` (if any), or a 304 when the client has it.

    `changed_at` is the member's latest change: Last-Modified is the later of it and the
    feed's, so a client that polls with If-Modified-Since alone sees a notice the moment the
    member's state changes what the feed says. `fill` gives values made only for a 200
    (the member's personal items), so a 304 never builds them.
    """
    last_modified, http_date = variant.last_modified, variant.http_last_modified
    member_second = _next_second(changed_at) if changed_at is not None else None
    if member_second is not None and member_second > last_modified:
        last_modified, http_date = member_second, ""  # formatted only for a 200
    headers = [
        ("ETag", etag),
        ("Cache-Control", "private, no-cache" if private else "public, max-age=300"),
        ("Referrer-Policy", "no-referrer"),
        ("Vary", VARY),
    ]
    if not_modified(request, etag, last_modified):
        return FeedReply(304, headers)
    template = variant.template
    if fill:
        event = {**(event or {}), **{slot: make() for slot, make in fill.items()}}
    if request.accept_encodings["gzip"] > 0:  # `gzip;q=0` means "not gzip" (RFC 9110 12.5.3)
        headers.append(("Content-Encoding", "gzip"))
        body = template.personalise_gzip(token or "", event)
    else:
        body = template.personalise(token or "", event)
    headers += [
        ("Last-Modified", http_date or format_datetime(last_modified.astimezone(UTC), usegmt=True)),
        ("Content-Type", RSS),
        ("Content-Length", str(len(body))),
    ]
    return FeedReply(200, headers, body)


def wants_page(request: Request) -> bool:
    """A browser opening the feed URL (a navigation, or Accept preferring text/html).

    Podcast apps send `*/*`, an RSS or XML type (perhaps with HTML at a lower quality), or
    nothing, and no `Sec-Fetch-Mode`: they always get the RSS. Cheap when it is no: a
    poll's Accept is parsed only when it names text/html.
    """
    environ = request.environ
    if environ.get("HTTP_SEC_FETCH_MODE") == "navigate":
        return True
    if "text/html" not in environ.get("HTTP_ACCEPT", "").lower():  # named, not just `*/*`
        return False
    return request.accept_mimetypes.best_match(_FEED_OR_PAGE) == "text/html"
