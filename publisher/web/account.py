"""The member's account: billing portal (sign-in, the account page and its forms to come)."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, redirect, request, session
from sqlalchemy.orm import Session

from auth.stripe_api import StripeFailure
from publisher.app import services_of
from publisher.billing.refresh import billing_unavailable
from publisher.members.members import find_token_holder
from publisher.models import Member
from publisher.web.billing import MEMBER_COOKIE_KEY, gateway, plain, private

bp = Blueprint("account", __name__, template_folder="templates")


@bp.get("/account/billing")
def account_billing() -> Response:
    """Send the member to Stripe's Customer Portal (card, invoices, cancellation)."""
    services = services_of(current_app)
    problem = billing_unavailable(services.config)
    if problem:
        return plain(problem, 503)
    with services.db.session() as db:
        member, refusal = _member_asking(db)
        if member is None:
            return private(plain(refusal, 403))
        customer_id = member.stripe_customer_id
    if not customer_id:
        return private(
            plain("this membership is not billed through Stripe: nothing to manage", 409)
        )
    try:
        url = gateway().create_portal(customer_id, return_url=f"{services.config.base_url}/")
    except StripeFailure as exc:
        return private(plain(f"could not open the billing portal, please try again: {exc}", 502))
    return private(redirect(url, code=303))  # type: ignore[arg-type]


def _member_asking(db: Session) -> tuple[Member | None, str]:
    """The member named by a feed token (notice links) or by the welcome page's cookie."""
    token = request.args.get("token")
    if token:
        holder = find_token_holder(db, services_of(current_app).config.secret_key, token)
        if holder is None or not holder.current:
            return None, "this link is no longer valid: use the newest link from your feed"
        return holder.member, ""
    member_id = session.get(MEMBER_COOKIE_KEY)
    member = db.get(Member, member_id) if isinstance(member_id, int) else None
    if member is None:
        return None, "open this page from your welcome page or from the notice in your feed"
    return member, ""


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
