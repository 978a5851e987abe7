"""What the producer does to a member by hand: add, describe, rotate, revoke.

The same functions back `lovetv member …` and the tests. Revoking or rotating needs no
cache flush anywhere: every feed and media request reads the token and status afresh.
Both also end every browser session of the member (a rotation may answer a leak, a
revocation withdraws everything) and email the member in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from auth.access import ACTIVE, REVOKED, effective_status
from publisher.accounts.sessions import end_sessions
from publisher.members.emails import queue_links_replaced, queue_membership_ended, queue_welcome
from publisher.members.listing import (
    describe_row,
    downloads_by_member,
    find_by_part,
    recent_flags,
)
from publisher.members.members import add_member, current_token, feed_urls, get_member, issue_token
from publisher.models import Member, utcnow
from publisher.services import Services
from publisher.stats.report import last_requests


def describe_member(session: Session, services: Services, member: Member) -> dict[str, Any]:
    """The member as `member show --json` prints it: the keys scripts rely on (email, status,
    plan, feeds; tests/members/test_member_cli.py), plus a few more."""
    base = services.config.base_url
    token = current_token(session, member, services.config.secret_key)
    return {
        "email": member.email,
        "status": effective_status(
            member.status, member.billing_state, member.grace_until, utcnow()
        ),
        "plan": member.plan,
        "feeds": feed_urls(session, base, token),
        "teaser_feed": f"{base}/feeds/teaser.xml",
        "status_reason": member.status_reason,
    }


def add(services: Services, email: str, plan: str, email_them: bool = True) -> dict[str, Any]:
    """A comp or manual member (no Stripe), active at once, emailed the welcome (every
    published season's link and the account link) in the same transaction unless told not."""
    with services.db.session() as session:
        member = add_member(session, services.config.secret_key, email, plan=plan)
        if email_them:
            queue_welcome(session, services.config, member)
        summary = describe_member(session, services, member)
        return {**summary, "emailed": email_them}


def show(services: Services, email: str) -> dict[str, Any]:
    """The member (by email or a unique part of it), their listing fields and last requests."""

    with services.db.session() as session:
        member = find_by_part(session, email)
        now = utcnow()
        downloads, flags = downloads_by_member(session, now), recent_flags(session, now)
        row = describe_row(member, now, downloads, flags)
        return {
            **row,
            **describe_member(session, services, member),
            "last_requests": last_requests(session, member.id),
        }


ROTATED_REASON = "The show's team replaced your private feed links; the old ones have stopped."
REVOKED_DETAIL = "The show's team withdrew your access."


def rotate(services: Services, email: str) -> dict[str, Any]:
    """A new token; the old URLs answer with a 'link replaced' notice from now on."""
    with services.db.session() as session:
        member = get_member(session, email)
        issue_token(session, services.config.secret_key, member)
        end_sessions(session, member.id)
        queue_links_replaced(session, services.config, member, ROTATED_REASON)
        return describe_member(session, services, member)


def revoke(services: Services, email: str, reason: str = "revoked by hand") -> dict[str, Any]:
    """Withdraw access: feeds turn into a notice and audio answers 403 on the next request."""
    with services.db.session() as session:
        member = get_member(session, email)
        now = utcnow()
        was = effective_status(member.status, member.billing_state, member.grace_until, now)
        member.status = REVOKED
        member.status_reason = reason
        member.updated_at = now
        end_sessions(session, member.id)
        if was == ACTIVE:
            queue_membership_ended(session, services.config, member, REVOKED, REVOKED_DETAIL)
        return describe_member(session, services, member)
