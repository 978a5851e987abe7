"""Request bodies bounded before any view reads them: size, chunked or not, and form fields.

Flask refuses a declared `Content-Length` over `MAX_CONTENT_LENGTH`, but a chunked body
(no length up front) was cut at the limit and the rest processed as if nothing happened; and
a form of a few hundred thousand empty fields costs seconds of CPU to parse. This middleware
reads a body that has no declared length up to the limit (413 past it), then hands the view a
body of known length; and it refuses a form with more fields than any page of ours sends.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any

# Our largest form has a handful of fields; a gift form about ten.
MAX_FORM_FIELDS = 100
_FORM = "application/x-www-form-urlencoded"


class BodyLimits:
    """WSGI middleware: 413 for a body over `limit`, 400 for a form of too many fields."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method in ("GET", "HEAD", "OPTIONS"):
            return self.app(environ, start_response)
        declared = environ.get("CONTENT_LENGTH")
        is_form = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower() == _FORM
        if declared and not is_form:
            return self.app(environ, start_response)  # Flask checks a declared length itself
        body = self._read(environ, declared)
        if body is None:
            return _refuse(environ, start_response, 413, f"the body is over {self.limit} bytes")
        if is_form and body.count(b"&") >= MAX_FORM_FIELDS:
            return _refuse(environ, start_response, 400, "the form has too many fields")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)

    def _read(self, environ: dict[str, Any], declared: str | None) -> bytes | None:
        """The whole body, or None once it passes the limit (reading stops there)."""
        stream = environ["wsgi.input"]
        if declared:
            size = int(declared) if declared.isdigit() else self.limit + 1
            return None if size > self.limit else stream.read(size)
        pieces, total = [], 0
        while chunk := stream.read(64 * 1024):
            total += len(chunk)
            if total > self.limit:
                return None
            pieces.append(chunk)
        return b"".join(pieces)


def _refuse(environ: dict[str, Any], start_response: Any, status: int, message: str) -> list[bytes]:
    """One line for people and scripts, JSON for the webhook (as Stripe reads errors)."""
    if environ.get("PATH_INFO", "").startswith("/webhooks/"):
        body, kind = json.dumps({"error": message}).encode(), "application/json"
    else:
        body, kind = (message + "\n").encode(), "text/plain; charset=utf-8"
    reason = "Request Entity Too Large" if status == 413 else "Bad Request"
    start_response(
        f"{status} {reason}",
        [("Content-Type", kind), ("Content-Length", str(len(body))), ("Connection", "close")],
    )
    return [body]
