"""Members and their feed tokens, as the CLI, the webhooks and the feed routes share them.

A member is one email (and at most one Stripe customer). Each member has exactly one
current token; rotated tokens keep their row with `retired_at` set, so an old URL can be
told apart from an unknown one and answer with a notice instead of a 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.plans import MEMBER_PLANS, MemberStatus, Plan
from auth.tokens import derive_token, lookup_hash, new_nonce
from publisher.errors import UserError
from publisher.listening.listeners import find_listener
from publisher.models import FeedToken, Member, Season, utcnow

ACTIVE, LAPSED, REVOKED = MemberStatus.ACTIVE, MemberStatus.LAPSED, MemberStatus.REVOKED


def normalize_email(email: str) -> str:
    """The address as stored and compared: lower case, its domain in Unicode normal form.

    The one door for addresses: every writer of an address column (Checkout, webhooks,
    gifts, imports, the CLI, forms) and every lookup goes through it, and the database
    refuses an address column with upper-case letters (migration 0015), so no writer can
    skip it and no erasure can miss `Ann@Example.COM` when asked about `ann@example.com`.

    What an address is comes from `email-validator` (RFC 5321/6531 as mail servers apply
    them), not from our own pattern: at most 254 characters, no quoted local part (`"a,b"@…`
    cannot be written to safely), internationalised addresses accepted (sent with SMTPUTF8).
    The IETF's `.test` domain is accepted so the demo and tests can use it.
    """
    try:
        valid = validate_email(email.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise UserError(f"{email.strip()!r} is not an email address: {exc}") from exc
    return valid.normalized.lower()


def normalized_or_none(email: str | None) -> str | None:
    """`normalize_email` for an address someone else wrote (Stripe's copy of what a buyer
    typed): None when there is none or it is not an address, so a payment is never refused
    over it, and never stored or compared as typed."""
    if not email:
        return None
    try:
        return normalize_email(email)
    except UserError:
        return None


def find_member(session: Session, email: str) -> Member | None:
    return session.scalar(select(Member).where(Member.email == normalize_email(email)))


def get_member(session: Session, email: str) -> Member:
    """The member with this email, or a one-line error that says how to add one."""
    member = find_member(session, email)
    if member is None:
        raise UserError(
            f"no member with email {email.strip()!r} (lovetv member add EMAIL adds one)"
        )
    return member


def add_member(
    session: Session,
    secret: str,
    email: str,
    plan: str = Plan.COMP,
    stripe_customer_id: str | None = None,
) -> Member:
    """Create an active member with a first feed token."""
    if plan not in MEMBER_PLANS:
        raise UserError(f"unknown plan {plan!r} (choose one of {', '.join(MEMBER_PLANS)})")
    address = normalize_email(email)
    if find_member(session, address) is not None:
        raise UserError(f"{address} is already a member (lovetv member show {address})")
    member = Member(email=address, plan=plan, status=ACTIVE, stripe_customer_id=stripe_customer_id)
    session.add(member)
    session.flush()
    issue_token(session, secret, member)
    return member


def current_token_row(session: Session, secret: str, member: Member) -> FeedToken:
    row = session.scalar(
        select(FeedToken).where(FeedToken.member_id == member.id, FeedToken.retired_at.is_(None))
    )
    if row is None:  # every member has one; heal rather than fail a listener
        row = issue_token(session, secret, member)
    return row


def current_token(session: Session, member: Member, secret: str) -> str:
    """The token in this member's feed URLs today."""
    return derive_token(secret, current_token_row(session, secret, member).nonce)


def issue_token(session: Session, secret: str, member: Member) -> FeedToken:
    """Retire the member's current token (if any) and give them a new one (rotation)."""
    now = utcnow()
    for row in session.scalars(
        select(FeedToken).where(FeedToken.member_id == member.id, FeedToken.retired_at.is_(None))
    ):
        row.retired_at = now
    nonce = new_nonce()
    row = FeedToken(
        member_id=member.id, nonce=nonce, lookup_hash=lookup_hash(derive_token(secret, nonce))
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class TokenHolder:
    """Who presented a token, and whether it is still their current one."""

    member: Member
    current: bool


def find_token_holder(session: Session, secret: str, token: str) -> TokenHolder | None:
    """The member a presented token belongs to, or None for an unknown token."""
    # The same lookup and constant-time check the feed and media routes use.
    listener = find_listener(session.connection(), secret, token)
    if listener is None:
        return None
    return TokenHolder(member=session.get_one(Member, listener.member_id), current=listener.current)


def feed_urls(session: Session, base_url: str, token: str) -> dict[str, str]:
    """The member's private feed URL of every season, by slug."""
    slugs = session.scalars(select(Season.slug).order_by(Season.number, Season.id))
    return {slug: f"{base_url}/feeds/{token}/{slug}.xml" for slug in slugs}
