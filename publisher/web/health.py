"""`GET /healthz`: tells a load balancer whether this worker can reach database and storage."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify

from publisher.app import services_of

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    """200 when both answer; 503 naming the one that does not."""
    services = services_of(current_app)
    checks: dict[str, str] = {}
    for name, probe in (("database", services.db.ping), ("storage", services.storage.check)):
        try:
            probe()
            checks[name] = "ok"
        except Exception as exc:  # any failure is a failed check, reported not raised
            checks[name] = f"error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    response = jsonify(status="ok" if healthy else "unavailable", checks=checks)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
