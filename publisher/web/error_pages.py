"""Error answers a person can act on: a styled page for browsers, a short line for the rest.

A browser that lands on an unknown address (or a members-only episode's page, which answers
exactly like an unknown one) gets a page in the site's style with the footer and a way home;
a podcast app, a script or an API caller keeps a one-line plain (or JSON) answer it can log.
"""

from __future__ import annotations

import json

from flask import Flask, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from publisher.web.negotiation import wants_html
from publisher.web.responses import page
from publisher.web.show_header import remembered_title, show_title
from publisher.web.unavailable import DATABASE_ERRORS

HOME = ("/", "Go to the show's home page")
SIGN_IN = ("/account/sign-in", "Members: sign in to your account")

# What each answer says to a person: a heading, one sentence, and where to go next.
PAGES: dict[int, tuple[str, str, tuple[tuple[str, str], ...]]] = {
    404: (
        "We couldn't find that page",
        "The address may be mistyped, or the page was moved. Members-only episodes play in "
        "members' podcast apps, not on the website.",
        (HOME, SIGN_IN),
    ),
    405: (
        "That page can't be opened this way",
        "Go back and use the page's own buttons, or start again from the home page.",
        (HOME,),
    ),
    410: (
        "This link has expired",
        "It was good for a limited time, or it was replaced. Ask for a new one where you got it.",
        (HOME, SIGN_IN),
    ),
}
SHORT_ANSWERS = {404: "not found", 405: "method not allowed", 410: "gone"}


def current_title() -> str:
    """The show's title from the database, or the remembered one when it cannot answer."""
    try:
        return show_title()
    except DATABASE_ERRORS:
        return remembered_title()


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status not in SHORT_ANSWERS:
        return error.get_response()
    response: Response  # Flask's own (a page) or werkzeug's
    if wants_html():
        response = page(status, *PAGES[status], title=current_title())
    elif request.accept_mimetypes.best == "application/json":
        body = json.dumps({"error": SHORT_ANSWERS[status]})
        response = Response(body, status=status, mimetype="application/json")
    else:
        response = Response(SHORT_ANSWERS[status] + "\n", status=status, mimetype="text/plain")
    for name, value in error.get_headers():  # `Allow` on a 405
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
