"""The Flask app factory: defaults, then the environment, then test overrides.

Nothing reads configuration at import time. The factory refuses to build an app over a
database that is unreachable or not migrated, so a bad deploy fails at start, not on the
first listener's request.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from publisher.config import Config, load_config
from publisher.services import AppServices

# No route takes more than a form or a Stripe event; anything bigger is refused with 413
# while its length is read, before its body (the webhook has its own, stricter bound).
MAX_CONTENT_LENGTH = 1024 * 1024


class LovetvFlask(Flask):
    """Flask, with its log line for an unhandled error cut free of secrets."""

    def log_exception(self, exc_info) -> None:
        """Flask names the request's path, which may hold a feed token or a sign-in link."""
        from publisher.web.redaction import redact

        self.logger.error(
            "Exception on %s [%s]", redact(request.path), request.method, exc_info=exc_info
        )


def create_app(
    test_config: Mapping[str, str] | None = None,
    config: Config | None = None,
    instance_path: Path | None = None,
    *,
    timed: bool = True,
    record_downloads: bool = True,
) -> Flask:
    """Build the WSGI app; `test_config` overrides environment variables by name.

    `timed=False` (no request or statement timing) and `record_downloads=False` exist for
    `make bench`'s side-by-side comparisons (`bench/app.py`); the service never turns them off.
    """
    config = config or load_config(instance_path=instance_path, overrides=test_config)
    app = LovetvFlask(__name__, instance_path=str(config.instance_path))
    app.config["SECRET_KEY"] = config.secret_key
    app.config["MAX_CONTENT_LENGTH"] = MAX_CONTENT_LENGTH
    services = AppServices.from_config(config)
    services.require_ready()
    app.extensions["lovetv"] = services
    app.config["LOVETV_RECORD_DOWNLOADS"] = record_downloads

    from publisher.metrics import web as metrics_web
    from publisher.metrics.instruments import watch_engine
    from publisher.metrics.middleware import RequestMetrics
    from publisher.web import error_pages, register_blueprints, request_ids, security, unavailable
    from publisher.web.body_limits import BodyLimits

    request_ids.init_app(app)
    security.init_app(app)
    error_pages.init_app(app)
    unavailable.init_app(app)
    # Inside the member feed's fast path (registered with the blueprints), which takes GETs.
    app.wsgi_app = BodyLimits(app.wsgi_app, MAX_CONTENT_LENGTH)  # type: ignore[method-assign]  # Flask's way to add WSGI middleware
    register_blueprints(app)
    metrics_web.init_app(app)
    if timed:
        watch_engine(services.db.engine)
    if config.trusted_proxies > 0:
        # The client address (rate limits, stats) from X-Forwarded-For, trusting exactly
        # as many hops as the operator put in front; 0 means the socket peer.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxies)  # type: ignore[method-assign]  # Flask's way to add WSGI middleware
    if timed:
        app.wsgi_app = RequestMetrics(app.wsgi_app)  # type: ignore[method-assign]  # Flask's way to add WSGI middleware
    return app
