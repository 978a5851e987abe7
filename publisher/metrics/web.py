"""`GET /metrics`: Prometheus' text format, for loopback clients or the bearer token.

The numbers say how many members listen and how the service is doing, which is nobody
else's business: a client that is not on this machine (or that came through a proxy, which
adds `X-Forwarded-For`) needs `Authorization: Bearer <LOVETV_METRICS_TOKEN>`; without a
token set, only loopback clients are answered. Anyone else gets the 404 of an unknown page.
"""

from __future__ import annotations

import hmac
import ipaddress
import os

from flask import Blueprint, Flask, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

from publisher.db import Database
from publisher.models import OutboxMessage
from publisher.services import services_of

bp = Blueprint("metrics", __name__)


class OutboxCollector:
    """The outbox as of the scrape: messages waiting, and those already failed at least once."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self):
        with self.db.session() as session:
            pending, failing = session.execute(
                select(
                    func.count(),
                    func.count().filter(OutboxMessage.attempts > 0),
                ).where(OutboxMessage.status == "pending")
            ).one()
        gauge = GaugeMetricFamily(
            "lovetv_outbox_messages",
            "Emails not sent yet, and those whose sending failed.",
            labels=["state"],
        )
        gauge.add_metric(["pending"], pending)
        gauge.add_metric(["failing"], failing)
        yield gauge


def allowed() -> bool:
    """The bearer token, or a loopback client that came through no proxy."""
    token = services_of(current_app).config.metrics_token
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    if "X-Forwarded-For" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
def metrics() -> Response:
    if not allowed():
        abort(404)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        workers = CollectorRegistry()
        MultiProcessCollector(workers)
        body = generate_latest(workers)
    else:
        body = generate_latest(REGISTRY)
    outbox = services_of(current_app).outbox_registry
    if outbox is not None:  # set by init_app below
        body += generate_latest(outbox)
    response = Response(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0])
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    registry = CollectorRegistry(auto_describe=True)
    services = services_of(app)
    registry.register(OutboxCollector(services.db))
    services.outbox_registry = registry
    app.register_blueprint(bp)
