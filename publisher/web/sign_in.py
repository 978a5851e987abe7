"""Sign-in pages: ask for a link by email, then finish signing in with a button.

`GET` of an emailed link never uses it up (mail scanners fetch links to check them); the
page's button `POST`s, and that uses the link once. Pages carrying a link are `no-store`
and `no-referrer`.
"""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Response, current_app, redirect, render_template, request

from publisher.accounts.sessions import delete_expired_sessions, end_session, start_session
from publisher.accounts.sign_in import (
    LINK_LIFETIME,
    answer_pending,
    link_usable,
    request_link,
    use_link,
)
from publisher.errors import UserError
from publisher.mail import reach
from publisher.mail.sender import running_here
from publisher.members.members import normalize_email
from publisher.metrics.instruments import SIGN_IN_REQUESTS
from publisher.models import utcnow
from publisher.services import services_of
from publisher.web.account_cookie import cookie_value, set_session_cookie
from publisher.web.negotiation import wants_html
from publisher.web.responses import plain, private
from publisher.web.show_header import show_title

bp = Blueprint("sign_in", __name__, template_folder="templates")
MINUTES = int(LINK_LIFETIME.total_seconds() // 60)


def _page(status: int = 200, **values: object) -> Response:
    html = render_template(
        "account_sign_in.html", show_title=show_title(), minutes=MINUTES, **values
    )
    return private(Response(html, status=status, mimetype="text/html"))


@bp.get("/account/sign-in")
def sign_in_form() -> Response:
    """The form: one labelled `email` field (saying so, after signing out)."""
    return _page(signed_out=request.args.get("done") == "signed-out")


@bp.post("/account/sign-in")
def ask_for_link() -> Response:
    """The same answer for members and strangers; only members get an email."""
    typed = request.form.get("email", "")
    try:
        address = normalize_email(typed)
    except UserError:
        SIGN_IN_REQUESTS.labels("invalid").inc()
        return _page(400, error="That is not an email address: check it and try again.")
    services = services_of(current_app)
    if not reach.deliverable(services.config, address):  # the same answer for anyone
        SIGN_IN_REQUESTS.labels("invalid").inc()
        return _page(400, error=reach.REFUSED)
    with services.db.session() as db:
        outcome = request_link(db, services.config, address, request.remote_addr or "", utcnow())
    if not running_here():  # no mail sender in this process (tests, tools): answer it now
        answer_pending(services.db, services.config)
    SIGN_IN_REQUESTS.labels("accepted" if outcome.retry_after is None else "limited").inc()
    if outcome.retry_after is not None:
        minutes = -(-outcome.retry_after // 60)
        wait = f"{minutes} minute{'s' * (minutes != 1)}"
        if wants_html():
            answer = _page(
                429, error=f"Too many sign-in links were asked for: wait {wait} and ask again."
            )
        else:
            answer = plain(f"too many sign-in requests: try again in {wait}", 429)
        answer.headers["Retry-After"] = str(outcome.retry_after)
        return answer
    return _page(sent_to=address)


@bp.get("/account/sign-in/<token>")
def finish_form(token: str) -> Response:
    """A button that finishes signing in; looking at this page does not use the link."""
    with services_of(current_app).db.session() as db:
        usable = link_usable(db, token, utcnow())
    if not usable:
        return _page(410, expired=True)
    html = render_template("account_sign_in_link.html", show_title=show_title(), token=token)
    return private(Response(html, mimetype="text/html"))


@bp.post("/account/sign-in/<token>")
def finish(token: str) -> Response:
    """Use the link once, start a 30-day session, and go to the account page."""
    now = utcnow()
    with services_of(current_app).db.session() as db:
        member_id = use_link(db, token, now)
        if member_id is None:
            return _page(410, expired=True)
        end_session(db, cookie_value())  # a browser holds one session, never two
        delete_expired_sessions(db, now)
        session_id = start_session(db, member_id, now)
    response = private(cast(Response, redirect("/account", code=303)))
    set_session_cookie(response, session_id)
    return response
