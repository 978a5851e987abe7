"""`X-Request-Id` on every response, and in every access-log line.

A well-formed id from the caller (a load balancer's) is kept so one request can be followed
from the proxy's log to ours; anything else is replaced by a fresh random id, so a client
cannot inject text into the log through it.
"""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, g, request

HEADER = "X-Request-Id"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{8,64}")


def request_id_from(header: str | None) -> str:
    """The caller's id when it is 8-64 letters, digits, dots, dashes or underscores."""
    if header and _WELL_FORMED.fullmatch(header):
        return header
    return uuid.uuid4().hex


def _assign() -> None:
    g.request_id = request_id_from(request.headers.get(HEADER))


def _echo(response: Response) -> Response:
    request_id = g.get("request_id") or request_id_from(None)
    response.headers[HEADER] = request_id
    return response


def init_app(app: Flask) -> None:
    # First of all before_request functions, so even a refused Host gets an id.
    app.before_request_funcs.setdefault(None, []).insert(0, _assign)
    app.after_request(_echo)
