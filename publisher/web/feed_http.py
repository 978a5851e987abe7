"""HTTP around rendered feeds: strong ETags, 304s, gzip and the privacy headers.

Kept free of any database work so a conditional request that matches costs nothing here.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import Request, Response
from werkzeug.http import parse_date

from publisher.feed_cache import Variant

RSS = "application/rss+xml; charset=utf-8"


def member_etag(variant: Variant, lookup_hash: str) -> str:
    """Differs between members and between versions; reveals nothing about the token."""
    return '"' + hashlib.sha256(f"{variant.etag}:{lookup_hash}".encode()).hexdigest()[:40] + '"'


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


def feed_response(
    request: Request, variant: Variant, etag: str, token: str | None, private: bool
) -> Response:
    """The feed personalised with `token` (if any), or a 304 when the client has it."""
    headers = {
        "ETag": etag,
        "Last-Modified": variant.http_last_modified,
        "Cache-Control": "private, no-cache" if private else "public, max-age=300",
        "Referrer-Policy": "no-referrer",
        "Vary": "Accept-Encoding",
    }
    if not_modified(request, etag, variant.last_modified):
        return Response(status=304, headers=headers)
    template = variant.template
    if request.accept_encodings["gzip"] > 0:  # `gzip;q=0` means "not gzip" (RFC 9110 12.5.3)
        headers["Content-Encoding"] = "gzip"
        body = template.personalise_gzip(token or "")
    else:
        body = template.personalise(token or "")
    return Response(body, status=200, headers=headers, content_type=RSS)
