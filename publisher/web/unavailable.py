"""503 with Retry-After when the database or the store cannot answer in time.

Those are outages, not bugs: the request may work in a few seconds, so it gets a short
answer a client or load balancer understands (JSON for API callers, plain text for the
rest, a page in the site's style for a person's browser), never the error's text (hosts,
ports, SQL). The full error goes to the log.
"""

from __future__ import annotations

import json
import logging
from typing import cast

from flask import Flask, has_request_context, request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.wrappers import Request, Response

from audio.storage_errors import StorageUnavailable
from publisher.web.negotiation import wants_html
from publisher.web.responses import page

log = logging.getLogger(__name__)

# Seconds a client should wait before trying again: about one failed database attempt.
RETRY_AFTER_SECONDS = 5
# Connection refused or lost, statement timeouts, a locked SQLite, no free pool slot.
DATABASE_ERRORS = (OperationalError, InterfaceError, PoolTimeout)
UNAVAILABLE = (
    "We'll be right back",
    "This page is briefly unavailable. Wait a few seconds and reload it.",
    (("/", "Go to the show's home page"),),
)


def unavailable(what: str, asked: Request | None = None) -> Response:
    """The 503 every outage answers with (`asked` defaults to Flask's current request)."""
    # Flask types its proxies as the objects they stand for, without the proxy's own methods.
    asked = asked if asked is not None else cast(Request, request._get_current_object())  # type: ignore[attr-defined]
    message = f"the {what} is briefly unavailable; try again in a few seconds"
    response: Response  # Flask's own (a page) or werkzeug's
    if asked is _current_request() and not asked.path.startswith("/webhooks/") and wants_html():
        response = page(503, *UNAVAILABLE)  # a person's browser: the site's own page
    elif asked.path.startswith("/webhooks/") or asked.accept_mimetypes.best == "application/json":
        response = Response(json.dumps({"error": message}), mimetype="application/json")
    else:
        response = Response(message + "\n", mimetype="text/plain")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _current_request() -> Request | None:
    """Flask's request, when there is one (the feed fast path answers outside Flask)."""
    return request._get_current_object() if has_request_context() else None  # type: ignore[attr-defined]  # as above


def database_unavailable(exc: Exception, asked: Request | None = None) -> Response:
    """Log the outage in one line (never the SQL's parameters) and answer 503."""
    log.warning("database unavailable: %s", _first_line(exc))
    return unavailable("database", asked)


def _storage_error(exc: StorageUnavailable) -> Response:
    log.warning("storage unavailable: %s", _first_line(exc))
    return unavailable("storage")


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


def init_app(app: Flask) -> None:
    for kind in DATABASE_ERRORS:
        app.register_error_handler(kind, database_unavailable)
    app.register_error_handler(StorageUnavailable, _storage_error)
