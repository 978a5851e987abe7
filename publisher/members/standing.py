"""Revoking with the money stopped too, and restoring a revoked member.

`revoke` withdraws access first (that is what the producer needs at once), then, when
asked, ends the Stripe subscription now and refunds the newest payment. Both Stripe calls
carry idempotency keys and accept "already done", so the same command can simply be run
again after a failure. `restore` lifts a revoke by hand: a member with a Stripe customer
then follows Stripe again (read now, not on the next webhook); a comp member is active.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from auth.access import ACTIVE, LAPSED, REVOKED
from auth.stripe_api import StripeFailure, StripeGateway
from publisher.accounts.account_page import show_title
from publisher.billing.gateway import billing_unavailable, make_gateway
from publisher.billing.membership import refresh_member
from publisher.errors import UserError
from publisher.mail.outbox import queue_email
from publisher.members import admin
from publisher.members.emails import _feeds, urls
from publisher.members.listing import find_by_part
from publisher.models import Member, utcnow
from publisher.services import Services

RESTORED_REASON = "restored by hand"


@dataclass(frozen=True)
class MoneyActions:
    """What `member revoke` was asked to do at Stripe."""

    cancel_subscription: bool = False
    refund_last: bool = False


def revoke(
    services: Services,
    email: str,
    money: MoneyActions = MoneyActions(),
    gateway: StripeGateway | None = None,
) -> dict[str, Any]:
    """Revoke (and email), then stop the subscription and refund as asked."""
    with services.db.session() as session:
        member = find_by_part(session, email)
        address, customer, subscription = (
            member.email,
            member.stripe_customer_id,
            member.stripe_subscription_id,
        )
    if (money.cancel_subscription or money.refund_last) and not customer:
        raise UserError(f"{address} has no Stripe customer: nothing to cancel or refund")
    if money.cancel_subscription or money.refund_last:
        gateway = gateway or stripe_gateway(services)
    summary = admin.revoke(services, address)
    summary["stripe"] = _stop_the_money(gateway, money, customer, subscription)
    return summary


def _stop_the_money(
    gateway: StripeGateway | None,
    money: MoneyActions,
    customer: str | None,
    subscription: str | None,
) -> dict[str, Any]:
    done: dict[str, Any] = {"subscription_cancelled": None, "refunded_payment": None}
    if gateway is None or customer is None:
        return done
    try:
        if money.cancel_subscription and subscription:
            gateway.cancel_subscription_now(subscription)
            done["subscription_cancelled"] = subscription
        if money.refund_last:
            intent = gateway.last_payment_of_customer(customer)
            if intent is not None:
                gateway.refund_payment(intent)
            done["refunded_payment"] = intent
    except StripeFailure as exc:
        raise UserError(
            f"revoked, but Stripe failed ({exc}); run the same command again to finish"
        ) from exc
    return done


def stripe_gateway(services: Services) -> StripeGateway:
    """This configuration's Stripe API, or a one-line error when billing is not set up."""
    problem = billing_unavailable(services.config)
    if problem:
        raise UserError(f"{problem}: cannot cancel or refund")
    return make_gateway(services.config)


def restore(services: Services, email: str, gateway: StripeGateway | None = None) -> dict[str, Any]:
    """Lift a revoke; a Stripe member's access then follows what Stripe says now.

    Stripe is read with no transaction open (a short lookup first), then the member is
    changed in one short transaction.
    """
    with services.db.session() as session:
        customer_id = _revoked(find_by_part(session, email)).stripe_customer_id
    purchases = None
    if customer_id:
        purchases = (gateway or stripe_gateway(services)).purchases_of([customer_id])
    with services.db.session() as session:
        member = _revoked(find_by_part(session, email))
        if member.stripe_customer_id != customer_id:
            raise UserError(f"{member.email} changed while Stripe was read: run the command again")
        if purchases is not None:
            # Lapsed first, so the refresh decides afresh and sends no "ended" email.
            member.status, member.status_reason = LAPSED, RESTORED_REASON
            refresh_member(
                session, services.config, member, purchases, email=member.email, version=None
            )
        else:
            member.status, member.status_reason = ACTIVE, RESTORED_REASON
        member.updated_at = utcnow()
        session.flush()
        if member.status == ACTIVE:
            queue_restored(session, services, member)
        return admin.describe_member(session, services, member)


def _revoked(member: Member) -> Member:
    if member.status != REVOKED:
        raise UserError(f"{member.email} is not revoked (status {member.status})")
    return member


def queue_restored(session: Session, services: Services, member: Member) -> None:
    """Tell the member their feeds play again, with every season's link."""
    links = urls(services.config)
    context = {
        "show_title": show_title(session),
        "plan": member.plan,
        "feeds": _feeds(session, services.config, member, utcnow()),
        "account_url": links["account_url"],
        "sign_in_url": links["sign_in_url"],
    }
    queue_email(
        session, services.config, "membership_restored", member.email, context, member_id=member.id
    )
