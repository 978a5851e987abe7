"""`lovetv member edit EMAIL --email NEW`: a member's address changes, nothing else does.

The feed token is untouched, so every podcast app keeps playing. Both addresses are told
(the old one in case the change was not the member's doing, with the owner's address to
write to), every browser session and unused sign-in link ends, all in one transaction.
A member billed through Stripe has their customer's email changed too, after the commit
and with no transaction open: the service's own record is the truth, and a Stripe failure
says how to finish (`member edit NEW --email NEW` only tells Stripe again).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from stripe import StripeError

from auth.stripe_api import StripeGateway
from auth.stripe_shapes import first_line
from publisher.accounts.account_page import show_title
from publisher.accounts.sessions import end_sessions
from publisher.billing.gateway import billing_unavailable, make_gateway
from publisher.errors import UserError
from publisher.mail.outbox import queue_email
from publisher.members.admin import describe_member
from publisher.members.emails import urls
from publisher.members.members import find_member, get_member, normalize_email
from publisher.models import Member, Show, utcnow
from publisher.services import Services


def change_address(
    services: Services, email: str, new: str, gateway: StripeGateway | None = None
) -> dict[str, Any]:
    """Give the member at `email` the address `new`; email both; tell Stripe after."""
    address = normalize_email(new)
    with services.db.session() as session:
        customer = get_member(session, email).stripe_customer_id
    if customer and gateway is None:
        problem = billing_unavailable(services.config)
        if problem:
            raise UserError(f"{problem}: cannot change the address of a Stripe customer's member")
        gateway = make_gateway(services.config)
    with services.db.session() as session:
        member = get_member(session, email)
        previous = member.email
        if previous != address:
            _move(session, services, member, address)
        summary = describe_member(session, services, member)
    summary.update(previous_email=previous, changed=previous != address, stripe_customer=None)
    if customer and gateway is not None:
        _tell_stripe(gateway, customer, address, previous)
        summary["stripe_customer"] = customer
    return summary


def _move(session: Session, services: Services, member: Member, address: str) -> None:
    """Store the new address, end every session and unused link, and queue both emails."""
    holder = find_member(session, address)
    if holder is not None:
        raise UserError(f"{address} is already another member's address (lovetv member show)")
    previous = member.email
    member.email = address
    member.updated_at = utcnow()
    session.flush()
    end_sessions(session, member.id)
    show = session.get(Show, 1)
    links = urls(services.config)
    title = show_title(session)
    told_old = {
        "show_title": title,
        "new_address": address,
        "owner_email": show.owner_email if show else "",
        "home_url": links["join_url"],
    }
    queue_email(
        session, services.config, "address_changed", previous, told_old, member_id=member.id
    )
    told_new = {
        "show_title": title,
        "account_url": links["account_url"],
        "sign_in_url": links["sign_in_url"],
    }
    queue_email(
        session, services.config, "address_now_yours", address, told_new, member_id=member.id
    )


def _tell_stripe(gateway: StripeGateway, customer: str, address: str, previous: str) -> None:
    """Set the Stripe customer's email (https://docs.stripe.com/api/customers/update).

    Through the gateway's own `StripeClient` (its timeout and retries); setting an email
    twice is harmless, so no idempotency key is needed."""
    try:
        gateway.client.v1.customers.update(customer, params={"email": address})
    except StripeError as exc:
        changed = f"changed {previous} to {address} here" if previous != address else "unchanged"
        raise UserError(
            f"address {changed}, but Stripe failed to update customer {customer} "
            f"({first_line(exc)}): run lovetv member edit {address} --email {address}"
        ) from exc
