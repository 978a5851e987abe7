"""`POST /webhooks/stripe`: verify Stripe's signature, then hand the event on.

The view only verifies and dispatches (the handling is `publisher.billing.units`, over the
`match event["type"]` in `auth.stripe_events`). Answers follow Stripe's retry contract
(https://docs.stripe.com/webhooks#handle-events): 2xx only after the outcome is committed,
400 for anything not signed by Stripe (no retry helps), 5xx on our own failure so Stripe
delivers again.

Bodies are bounded before they are read: Stripe's events are a few kilobytes, so anything
over `MAX_WEBHOOK_BYTES` (by its Content-Length, or while a chunked body streams in) is
answered 413 without being buffered, before any signature work.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import RequestEntityTooLarge

from audio.storage_errors import StorageUnavailable
from auth.stripe_events import EventRejected, verify_event
from publisher.billing.gateway import billing_unavailable
from publisher.billing.units import handle_event
from publisher.metrics.instruments import WEBHOOK_EVENTS
from publisher.services import services_of
from publisher.web.billing import gateway
from publisher.web.responses import plain

bp = Blueprint("webhooks", __name__)
log = logging.getLogger(__name__)

MAX_WEBHOOK_BYTES = 1024 * 1024
# The database or store away: an outage, answered 503, not a failure of ours worth a trace.
UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout, StorageUnavailable)


class BodyTooLarge(ValueError):
    """The request body is over `MAX_WEBHOOK_BYTES`."""


def bounded_body(limit: int = MAX_WEBHOOK_BYTES) -> bytes:
    """The request body, refusing (before reading) a declared length over `limit`.

    A chunked body has no length up front, so it is read in pieces and abandoned as soon
    as it passes the limit: memory never holds more than `limit` plus one piece.
    """
    declared = request.content_length
    if declared is not None and declared > limit:
        raise BodyTooLarge
    pieces: list[bytes] = []
    total = 0
    try:
        stream = request.stream
        while chunk := stream.read(64 * 1024):
            total += len(chunk)
            if total > limit:
                raise BodyTooLarge
            pieces.append(chunk)
    except RequestEntityTooLarge:  # the app-wide MAX_CONTENT_LENGTH noticed first
        raise BodyTooLarge from None
    return b"".join(pieces)


@bp.post("/webhooks/stripe")
def stripe_webhook() -> Response | tuple[Response, int]:
    """200 once the event is applied (or was already); 400 unsigned; 500 so Stripe retries."""
    services = services_of(current_app)
    problem = billing_unavailable(services.config, webhook=True)
    if problem:
        return plain(problem, 503)
    try:
        body = bounded_body()
    except BodyTooLarge:
        response = jsonify(error=f"the body is over {MAX_WEBHOOK_BYTES} bytes")
        response.headers["Connection"] = "close"
        return response, 413
    try:
        event = verify_event(
            body,
            request.headers.get("Stripe-Signature"),
            services.config.stripe_webhook_secret or "",
        )
    except EventRejected as exc:
        WEBHOOK_EVENTS.labels("unknown", "refused").inc()
        return jsonify(error=str(exc)), 400
    kind = str(event.get("type", "unknown"))[:60]
    try:
        outcome = handle_event(services.db, gateway(), services.config, event)
    except UNAVAILABLE:
        WEBHOOK_EVENTS.labels(kind, "failed").inc()
        raise  # 503 with Retry-After (publisher.web.unavailable); Stripe retries those too
    except Exception:
        WEBHOOK_EVENTS.labels(kind, "failed").inc()
        log.exception("Stripe event %s (%s) failed; Stripe will retry", event["id"], event["type"])
        return jsonify(error="could not apply the event; Stripe will retry"), 500
    WEBHOOK_EVENTS.labels(kind, outcome).inc()
    return jsonify(received=event["id"], outcome=outcome), 200


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
