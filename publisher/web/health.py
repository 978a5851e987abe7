"""`GET /healthz` (liveness) and `GET /readyz` (readiness) for load balancers and orchestrators.

Liveness touches nothing outside the process: a database or store outage must not make a
load balancer restart or drain every healthy worker at once. Readiness asks the database
(reachable within its time limits, schema current) because no member request works without
it; the store is reported but does not fail readiness, since feeds, presigned media links
and pages keep working while it is away. Neither body carries an error's text (hosts,
ports): the log does.
"""

from __future__ import annotations

import logging
from functools import cache

from flask import Blueprint, Flask, Response, current_app, jsonify

from publisher.db import Database
from publisher.services import services_of

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz() -> Response:
    """200 whenever this process can answer at all."""
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readyz() -> Response:
    """200 when the database answers with the current schema; the store is reported."""
    services = services_of(current_app)
    checks = {"database": _database_check(services.db), "storage": "ok"}
    try:
        services.storage.check()
    except Exception as exc:  # reported, never raised: a store outage alone is not unreadiness
        log.warning("readiness: storage unavailable: %s", _first_line(exc))
        checks["storage"] = "unavailable"
    ready = checks["database"] == "ok"
    response = jsonify(status="ready" if ready else "unavailable", checks=checks)
    response.status_code = 200 if ready else 503
    if not ready:
        response.headers["Retry-After"] = "5"
    return _no_store(response)


def _database_check(db: Database) -> str:
    try:
        current = db.current_revision()
    except Exception as exc:  # any failure is "unavailable"; the details go to the log only
        log.warning("readiness: database unavailable: %s", _first_line(exc))
        return "unavailable"
    if current != _head_revision(db):
        log.warning("readiness: schema at %s, code expects %s", current, _head_revision(db))
        return "schema out of date"
    return "ok"


@cache
def _head_revision(db: Database) -> str | None:
    """The migrations shipped with this code do not change while it runs."""
    return db.head_revision()


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
