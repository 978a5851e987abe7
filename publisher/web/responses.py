"""The answers every blueprint shares: a line for apps and scripts, a page for people.

A refusal (joining closed, too many tries, a failed payment page) is a short page in the
site's style for a browser and one plain line for anything else; whatever carries a
member's token is `no-store` and `no-referrer`, so it stays out of caches and other sites'
logs.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, render_template

from publisher.web.negotiation import wants_html
from publisher.web.show_header import remembered_cover, remembered_title, show_title


def plain(message: str, status: int) -> Response:
    """A one-line text answer, never cached."""
    response = Response(message + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def private(response: Response) -> Response:
    """Headers for anything that carries a member's token."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@dataclass(frozen=True)
class Refusal:
    """Why a page cannot do what was asked: a page for people, a line for the rest."""

    status: int
    heading: str
    sentence: str
    line: str  # the one-line answer for apps and scripts
    links: tuple[tuple[str, str], ...] = (("/", "Listen to the free episodes"),)

    def response(self) -> Response:
        if not wants_html():
            return plain(self.line, self.status)
        html = render_template(
            "billing_message.html",
            show_title=show_title(),
            heading=self.heading,
            sentence=self.sentence,
            links=self.links,
        )
        response = Response(html, status=self.status, mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"
        return response


def page(
    status: int,
    heading: str,
    sentence: str,
    links: tuple[tuple[str, str], ...],
    title: str | None = None,
) -> Response:
    """A message page that asks the database nothing, never cached: the same address may
    work a moment later. Without `title` (the database is down) it shows the remembered one."""
    html = render_template(
        "billing_message.html",
        show_title=title or remembered_title(),
        header_cover=None if title else remembered_cover(),  # no title: the database is down
        heading=heading,
        sentence=sentence,
        links=links,
    )
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response
