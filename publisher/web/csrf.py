"""CSRF protection for every form: Flask-WTF checks a hidden `csrf_token` field on each POST.

Stripe's webhook is the one POST without a form; it is exempt because its signature is
checked instead. The token lives in Flask's signed session cookie, which is `SameSite=Lax`
and `HttpOnly` (and `Secure` when the base URL is https).

Flask-WTF's extra check for https ("the Referer must name this host") is off: every page
sends `Referrer-Policy: no-referrer`, so that tokens in our URLs never travel in a Referer,
and with it browsers send no Referer at all. Behind nginx (which tells gunicorn the request
was https) that check refused every form. In its place, a form posted with an `Origin`
header (browsers send one with every POST) must come from the service's own origin.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    from publisher.services import services_of

    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SECURE"] = services_of(app).config.base_url.startswith("https://")
    # A token lives as long as the browser's session, so a page left open still posts.
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    app.config["WTF_CSRF_SSL_STRICT"] = False
    csrf.init_app(app)
    own = _origin(services_of(app).config.base_url)

    @app.before_request
    def same_origin_forms() -> None:
        """A POST another site's page made (its Origin names that site) is refused."""
        sent = request.headers.get("Origin")
        if (
            request.method != "POST"
            or not sent
            or sent == "null"
            or request.path.startswith("/webhooks/")
        ):
            return
        if sent.rstrip("/") != own:
            abort(400, "this form was posted from another site")


def _origin(url: str) -> str:
    """`scheme://host[:port]` of a URL, as browsers write an Origin header."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
