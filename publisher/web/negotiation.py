"""Who is asking: a person's browser loading a page, or an app, a script or Stripe."""

from __future__ import annotations

from flask import request


def wants_html() -> bool:
    """A browser loading a page (not an app, a script or Stripe): it gets HTML answers."""
    if request.headers.get("Sec-Fetch-Mode") == "navigate":
        return True
    accept = request.accept_mimetypes
    return (
        "text/html" in accept.values()
        and accept.best_match(("application/json", "text/plain", "text/html")) == "text/html"
    )
