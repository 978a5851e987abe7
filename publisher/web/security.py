"""Headers every response needs, and the Host header checked against `LOVETV_BASE_URL`.

Pages get a Content-Security-Policy they actually satisfy (scripts only from our own
files, `publisher/static/`; inline styles, which the pages use; images from us or `data:`
for the QR codes; no framing), `X-Content-Type-Options: nosniff` and a Referrer-Policy
unless the page already chose a stricter one (pages carrying secrets send `no-referrer`).

A request whose `Host` is not the base URL's host (or a loopback name, for the machine's
own checks) is refused before routing, so nothing (a `//` path's redirect, an absolute URL
in a page) is ever built on a host an attacker chose.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from werkzeug.wrappers import Response as BaseResponse

from publisher.services import services_of

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        # The teaser player's audio redirects to presigned S3 (or CDN) URLs.
        "media-src 'self' https: http:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
DEFAULT_REFERRER_POLICY = "strict-origin-when-cross-origin"
NOSNIFF = ("X-Content-Type-Options", "nosniff")
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def trusted_hosts(base_url: str) -> frozenset[str]:
    """The host names requests may carry: the base URL's and loopback."""
    host = urlsplit(base_url).hostname
    return LOOPBACK_HOSTS | ({host.lower()} if host else set())


def host_name(host_header: str) -> str:
    """`example.com:8000` -> `example.com`; `[::1]:5000` -> `::1`."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def host_allowed(environ: Mapping[str, Any], allowed: frozenset[str]) -> bool:
    """Whether the request's Host names one of the `allowed` hosts."""
    return host_name(environ.get("HTTP_HOST", "")) in allowed


def trusted_hosts_of(app: Flask) -> frozenset[str]:
    return services_of(app).trusted_hosts


def _refuse_foreign_host() -> Response | None:
    if not host_allowed(request.environ, trusted_hosts_of(current_app)):
        return Response("unknown host\n", status=400, mimetype="text/plain")
    return None


def secure_headers(response: BaseResponse) -> BaseResponse:
    """The headers every response carries; CSP and a Referrer-Policy on pages."""
    response.headers.setdefault(*NOSNIFF)
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Referrer-Policy", DEFAULT_REFERRER_POLICY)
    return response


# Browsers remember for two years to come back over https only (https://hstspreload.org
# asks for at least one); sent only when the service's own address is https.
HSTS = ("Strict-Transport-Security", "max-age=63072000")


def strict_transport(response: BaseResponse) -> BaseResponse:
    response.headers.setdefault(*HSTS)
    return response


def init_app(app: Flask) -> None:
    services = services_of(app)
    base_url = services.config.base_url
    services.trusted_hosts = trusted_hosts(base_url)
    app.before_request(_refuse_foreign_host)
    app.after_request(secure_headers)
    if base_url.startswith("https://"):
        app.after_request(strict_transport)
