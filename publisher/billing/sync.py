"""Reconciliation: make every member's stored state equal to what Stripe says now.

Webhooks can be missed: an endpoint down longer than Stripe's three days of retries
(https://docs.stripe.com/webhooks#retries), a secret rotated at the wrong moment. `sync`
lists every subscription and lifetime payment in the account, groups them by member (one
email may span several Stripe customers) and runs the same decision the webhooks run. It
only writes what differs, so running it again, or from cron, changes nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from auth.stripe_api import Purchases, StripeGateway
from publisher.billing.refresh import MemberChange, member_of_customer, refresh_member
from publisher.config import Config
from publisher.db import Database
from publisher.errors import UserError
from publisher.members.members import normalize_email
from publisher.models import Member


@dataclass
class SyncReport:
    """How many members Stripe knows about, and what changed."""

    checked: int = 0
    changes: list[MemberChange] = field(default_factory=list)


@dataclass
class _Group:
    member: Member | None
    email: str | None
    purchases: Purchases = field(default_factory=Purchases)


def sync_members(
    db: Database, gateway: StripeGateway, config: Config, now: datetime | None = None
) -> SyncReport:
    """Correct every member whose state drifted from Stripe's; report the changes."""
    purchases = gateway.all_purchases()
    emails = gateway.all_customer_emails()
    report = SyncReport()
    with db.session() as session:
        groups: dict[object, _Group] = {}
        for customer_id, bought in sorted(purchases.items()):
            email = _clean(emails.get(customer_id))
            member = member_of_customer(session, customer_id, email)
            key = ("member", member.id) if member is not None else ("email", email)
            if member is None and email is None:
                continue  # nobody to give access to: no member and no address
            group = groups.setdefault(key, _Group(member, email))
            group.purchases += bought
        for group in groups.values():
            report.checked += 1
            _, change = refresh_member(
                session,
                config,
                group.member,
                group.purchases,
                email=group.email,
                version=None,
                now=now,
            )
            if change is not None:
                report.changes.append(change)
    return report


def _clean(email: str | None) -> str | None:
    if not email:
        return None
    try:
        return normalize_email(email)
    except UserError:
        return None
