"""The emails a membership sends about itself, queued in the caller's transaction.

Each function writes one outbox row (`publisher.mail.outbox`) beside the change that causes
it, so the email exists exactly when the change committed. Links are absolute URLs on
`LOVETV_BASE_URL`; feed lists are the seasons the account page shows (an episode out now).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from auth.plans import BillingState, MemberStatus
from publisher.accounts.account_page import membership_term, published_feeds, show_title
from publisher.config import Config
from publisher.mail.outbox import queue_email
from publisher.members.revoked_words import revoked_explanation
from publisher.models import Member, Show, utcnow


def urls(config: Config) -> dict[str, str]:
    """The account, sign-in and join pages every membership email may link to."""
    base = config.base_url
    return {
        "account_url": f"{base}/account",
        "sign_in_url": f"{base}/account/sign-in",
        "join_url": f"{base}/",
    }


def _feeds(session: Session, config: Config, member: Member, now: datetime) -> list[dict]:
    return [{"title": f.title, "url": f.url} for f in published_feeds(session, config, member, now)]


def queue_welcome(
    session: Session, config: Config, member: Member, now: datetime | None = None
) -> None:
    """A new member's links: once per member ever (a retried provisioning sends no second)."""
    links = urls(config)
    context = {
        "show_title": show_title(session),
        "plan": member.plan,
        "feeds": _feeds(session, config, member, now or utcnow()),
        "account_url": links["account_url"],
        "sign_in_url": links["sign_in_url"],
        # A trial says when it ends and what happens then, as the account page does.
        "trial": membership_term(member) if member.billing_state == BillingState.TRIALING else "",
    }
    queue_email(
        session,
        config,
        "welcome",
        member.email,
        context,
        member_id=member.id,
        dedupe_key=f"welcome:{member.id}",
    )


def queue_links_replaced(session: Session, config: Config, member: Member, reason: str) -> None:
    """The member's new links after a rotation, and why the old ones stopped."""
    context = {
        "show_title": show_title(session),
        "feeds": _feeds(session, config, member, utcnow()),
        "account_url": urls(config)["account_url"],
        "reason": reason,
    }
    queue_email(session, config, "links_replaced", member.email, context, member_id=member.id)


def queue_membership_ended(
    session: Session, config: Config, member: Member, reason: str, detail: str
) -> None:
    """`reason` is 'lapsed' or 'revoked'; `detail` one sentence on why. A revoked member is
    told who to write to, not to rejoin: rejoining cannot undo a revoke."""
    links = urls(config)
    context = {
        "show_title": show_title(session),
        "reason": reason,
        "detail": detail,
        "join_url": links["join_url"],
        "account_url": links["account_url"],
        "explanation": revoked_words(session) if reason == MemberStatus.REVOKED else "",
    }
    queue_email(session, config, "membership_ended", member.email, context, member_id=member.id)


def queue_revoked_sign_in(session: Session, config: Config, member: Member) -> None:
    """A revoked member asked for a sign-in link: no link (their account has nothing to
    show), but what happened and who to write to, so the request is no dead end."""
    context = {
        "show_title": show_title(session),
        "explanation": revoked_words(session),
        "home_url": urls(config)["join_url"],
    }
    queue_email(session, config, "revoked_sign_in", member.email, context, member_id=member.id)


def revoked_words(session: Session) -> str:
    """The show's own `revoked_explanation`, with its title and owner's address."""
    show = session.get(Show, 1)
    title, owner = (show.title, show.owner_email) if show else ("", "")
    return revoked_explanation(title, owner)


def queue_foreign_purchase(
    session: Session,
    config: Config,
    member: Member,
    plan: str,
    refunded: bool,
    dedupe_key: str | None = None,
) -> None:
    """Tell a member that someone paid with their address, and that nothing of theirs changed."""
    links = urls(config)
    context = {
        "show_title": show_title(session),
        "plan": plan,
        "refunded": refunded,
        "sign_in_url": links["sign_in_url"],
        "join_url": links["join_url"],
    }
    queue_email(
        session,
        config,
        "foreign_purchase",
        member.email,
        context,
        member_id=member.id,
        dedupe_key=dedupe_key,
    )
