"""Which member holds what, as billing asks it inside its transaction.

A member's purchases are read only from their OWN customer (`Member.stripe_customer_id`),
never from other customers that merely share the email: Stripe does not verify the email
typed at Checkout, so an address proves nothing (see `publisher.billing.checkouts`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.errors import UserError
from publisher.members.members import find_member
from publisher.models import Member


class ConcurrentChange(RuntimeError):
    """Another transaction created the same member first; run the work again to find it."""


def member_of_customer(session: Session, customer_id: str) -> Member | None:
    """The member holding this Stripe customer (never one found by email)."""
    return session.scalar(select(Member).where(Member.stripe_customer_id == customer_id))


def member_with_email(session: Session, email: str | None) -> Member | None:
    """The member with this address, if it is one (a malformed address is nobody's)."""
    if not email:
        return None
    try:
        return find_member(session, email)
    except UserError:
        return None
