"""CSRF protection for every form: Flask-WTF checks a hidden `csrf_token` field on each POST.

Stripe's webhook is the one POST without a form; it is exempt because its signature is
checked instead. The token lives in Flask's signed session cookie, which is `SameSite=Lax`
and `HttpOnly` (and `Secure` when the base URL is https).
"""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    from publisher.app import services_of

    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SECURE"] = services_of(app).config.base_url.startswith("https://")
    # A token lives as long as the browser's session, so a page left open still posts.
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    csrf.init_app(app)
