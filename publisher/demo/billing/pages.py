"""The pages Stripe hosts, as the demo's: Checkout (`checkout_page`) and the Customer Portal
(`portal_page`), served by one small app.

Each page says plainly that it is a demo and charges nothing. What a button does is the
billing engine's own method (`engine.StandInAccount`), and the events it returns are
delivered to the service's webhook before the browser moves on, so the service sees what
Stripe would have sent. Forms carry a `csrf_token` bound to their own action.
"""

from __future__ import annotations

from flask import Flask, Response, render_template
from werkzeug.exceptions import HTTPException

from publisher.demo.billing import checkout_page, portal_page
from publisher.demo.billing.engine import StandInAccount
from publisher.demo.billing.page_kit import Deliver, demo_clock, form_token

__all__ = ["create_pages_app", "form_token"]


def create_pages_app(account: StandInAccount, secret: str, deliver: Deliver) -> Flask:
    """The demo's hosted pages for `account`; `deliver` sends (and saves) what they cause."""
    app = Flask(__name__, static_folder=None)
    app.extensions["demo_billing"] = (account, secret, deliver)
    app.register_blueprint(checkout_page.bp)
    app.register_blueprint(portal_page.bp)
    app.after_request(_headers)
    app.context_processor(demo_clock)
    for status in (400, 404, 405):
        app.register_error_handler(status, _error_page)
    return app


def _error_page(error: HTTPException) -> tuple[str, int]:
    """A refused form or an unknown page, said in a sentence on a page like the others."""
    sentence = error.description if error.code in (400, 404) else "This page does not do that."
    return render_template("demo_error.html", sentence=sentence), error.code or 400


def _headers(response: Response) -> Response:
    """The headers Stripe's pages send too: no framing, no sniffing, no Referer to others."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
