"""`POST /webhooks/stripe`: verify Stripe's signature, then hand the event on.

The view only verifies and dispatches (the handling is `publisher.billing.events`, over the
`match event["type"]` in `auth.stripe_events`). Answers follow Stripe's retry contract
(https://docs.stripe.com/webhooks#handle-events): 2xx only after the outcome is committed,
400 for anything not signed by Stripe (no retry helps), 5xx on our own failure so Stripe
delivers again.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from auth.stripe_events import EventRejected, verify_event
from publisher.app import services_of
from publisher.billing.events import handle_event
from publisher.billing.refresh import billing_unavailable
from publisher.web.billing import gateway, plain

bp = Blueprint("webhooks", __name__)
log = logging.getLogger(__name__)


@bp.post("/webhooks/stripe")
def stripe_webhook() -> Response | tuple[Response, int]:
    """200 once the event is applied (or was already); 400 unsigned; 500 so Stripe retries."""
    services = services_of(current_app)
    problem = billing_unavailable(services.config, webhook=True)
    if problem:
        return plain(problem, 503)
    try:
        event = verify_event(
            request.get_data(cache=False),
            request.headers.get("Stripe-Signature"),
            services.config.stripe_webhook_secret or "",
        )
    except EventRejected as exc:
        return jsonify(error=str(exc)), 400
    try:
        outcome = handle_event(services.db, gateway(), services.config, event)
    except Exception:
        log.exception("Stripe event %s (%s) failed; Stripe will retry", event["id"], event["type"])
        return jsonify(error="could not apply the event; Stripe will retry"), 500
    return jsonify(received=event["id"], outcome=outcome), 200


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
