"""Reconciliation: make every member's stored state equal to what Stripe says now.

Webhooks can be missed: an endpoint down longer than Stripe's three days of retries
(https://docs.stripe.com/webhooks#retries), a secret rotated at the wrong moment. `sync`
lists every subscription and lifetime payment in the account and runs, customer by
customer, the same decision the webhooks run. A customer counts for the member holding it
and nobody else: a customer with no member becomes a new member only when its email is
nobody's (never merged into an existing member by email, since Stripe does not verify the
address; such a purchase is refunded by its checkout's webhook). It only writes what
differs, so running it again, or from cron, changes nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from auth.stripe_api import StripeGateway
from publisher.billing.lookups import member_of_customer, member_with_email
from publisher.billing.membership import MemberChange, refresh_member
from publisher.config import Config
from publisher.db import Database
from publisher.members.members import normalized_or_none


@dataclass
class SyncReport:
    """How many members Stripe knows about, and what changed."""

    checked: int = 0
    changes: list[MemberChange] = field(default_factory=list)

    def line(self) -> str:
        """The one-line summary `stripe sync` and the `stripe-sync` job print."""
        members = f"{self.checked} member{'s' * (self.checked != 1)}"
        return f"checked {members} in Stripe; changed {len(self.changes)}"


def sync_members(
    db: Database,
    gateway: StripeGateway,
    config: Config,
    now: datetime | None = None,
    welcome: bool = True,
) -> SyncReport:
    """Correct every member whose state drifted from Stripe's; report the changes. A member
    it creates is emailed the welcome, as one made by Checkout is, unless `welcome` is False."""
    purchases = gateway.all_purchases()
    emails = gateway.all_customer_emails()
    report = SyncReport()
    with db.session() as session:
        for customer_id, bought in sorted(purchases.items()):
            member = member_of_customer(session, customer_id)
            email = member.email if member is not None else _clean(emails.get(customer_id))
            if member is None and (email is None or member_with_email(session, email)):
                continue  # nobody's customer, and its address is a member's or none at all
            report.checked += 1
            _, change = refresh_member(
                session,
                config,
                member,
                bought,
                email=email,
                version=None,
                now=now,
                welcome=welcome,
            )
            if change is not None:
                report.changes.append(change)
    return report


def _clean(email: str | None) -> str | None:
    return normalized_or_none(email)
