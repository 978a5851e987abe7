"""`lovetv member delete EMAIL`: a member's personal data erased, the accounting kept.

Everything happens in one transaction. The member row stays, under a placeholder address
that can never be typed as one (`deleted-<id>@erased.invalid`: RFC 6761 reserves
`.invalid`, and `normalize_email` refuses it), revoked, with its plan, dates and Stripe ids:
what bookkeeping and Stripe's webhooks need (a webhook or `stripe sync` for the customer
finds this row, so it never re-creates the member from Stripe's copy of the address). Its
checkouts stay too (Stripe ids and dates), with no feed token. Everything else that names
the member or the address goes: feed tokens (so feed and media URLs answer 404, not the
"replaced" notice), sessions and sign-in links, pending sign-ins, rate-limit hits, download
records, sharing flags, gift claims; emails still waiting are dropped and sent ones keep
only their kind, status and times; gifts lose the address, names and message that were
this member's. Running it again changes nothing more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from auth.access import REVOKED
from auth.plans import SUBSCRIBED
from auth.stripe_api import StripeFailure, StripeGateway
from publisher.accounts.rate_limits import key_hash
from publisher.errors import UserError
from publisher.gifts.models import Gift, GiftClaim
from publisher.members.members import normalize_email
from publisher.members.standing import stripe_gateway
from publisher.models import (
    AccountSession,
    Checkout,
    FeedToken,
    MediaRequest,
    Member,
    OutboxMessage,
    PendingSignIn,
    RateLimitHit,
    SharingFlag,
    SignInLink,
    utcnow,
)
from publisher.services import Services

ERASED_REASON = "deleted on request"
_PLACEHOLDER = re.compile(r"deleted-\d+@erased\.invalid")
NOBODY = "erased@erased.invalid"  # the outbox's stand-in for an address with no member


def placeholder(member_id: int) -> str:
    """What an erased member's address becomes: unique, and never a real address."""
    return f"deleted-{member_id}@erased.invalid"


def is_placeholder(text: str) -> bool:
    return _PLACEHOLDER.fullmatch(text.strip().lower()) is not None


@dataclass
class Target:
    """Whom `member delete` was asked about, read before anything changes."""

    address: str
    member_id: int | None = None
    already_deleted: bool = False
    customer: str | None = None
    subscription: str | None = None
    billing_state: str | None = None

    @property
    def still_billed(self) -> bool:
        """Whether Stripe last said the subscription goes on charging (a delete leaves it)."""
        return bool(self.subscription) and self.billing_state in SUBSCRIBED


@dataclass
class Erasure:
    """What `erase` did: the address erased, its placeholder, and rows touched per table."""

    address: str
    placeholder: str | None
    touched: dict[str, int] = field(default_factory=dict)


def exact_address(email: str) -> str:
    """What a privacy command compares with `members.email`: the normalised address, or an
    erased member's placeholder as typed. Never a part of an address: a request about
    ann@example.com must not reach joann@example.com."""
    if is_placeholder(email):
        return email.strip().lower()
    return normalize_email(email)


def member_at(session: Session, email: str) -> Member | None:
    """The member whose address is exactly `email` (normalised), or None: the one lookup
    `member export` and `member delete` share."""
    return session.scalar(select(Member).where(Member.email == exact_address(email)))


def look_up(services: Services, email: str) -> Target:
    """The member at `email` (exactly), one already erased (by its placeholder), or none."""
    with services.db.session() as session:
        member = member_at(session, email)
        if member is None:
            if is_placeholder(email):
                raise UserError(f"no member has the placeholder {email.strip()!r}")
            return Target(exact_address(email))
        return Target(
            member.email,
            member.id,
            is_placeholder(member.email),
            member.stripe_customer_id,
            member.stripe_subscription_id,
            member.billing_state,
        )


def cancel_subscription(
    services: Services, target: Target, gateway: StripeGateway | None = None
) -> str | None:
    """End the member's Stripe subscription now (as `member revoke --cancel-subscription`),
    before anything is erased; the subscription ended, or None when there was none."""
    if target.member_id is None:
        return None
    if not target.customer:
        raise UserError(f"{target.address} has no Stripe customer: nothing to cancel")
    if not target.subscription:
        return None
    try:
        (gateway or stripe_gateway(services)).cancel_subscription_now(target.subscription)
    except StripeFailure as exc:
        raise UserError(
            f"Stripe failed ({exc}); nothing was deleted: run the same command again"
        ) from exc
    return target.subscription


def erase(services: Services, address: str) -> Erasure:
    """Erase the member at `address` (and every trace of the address) in one transaction."""
    with services.db.session() as session:
        member = session.scalar(select(Member).where(Member.email == address))
        stand_in = placeholder(member.id) if member is not None else None
        touched = _erase_address(
            session, services.config.secret_key, address, member, stand_in or NOBODY
        )
        if member is not None and stand_in is not None:
            touched.update(_erase_member(session, member, stand_in))
        return Erasure(address, stand_in, {k: v for k, v in touched.items() if v})


def _erase_address(
    session: Session, secret: str, address: str, member: Member | None, stand_in: str
) -> dict[str, int]:
    """Rows that name the address (and, for a member, their emails and gifts)."""
    mine = member.id if member is not None else None
    to_them = func.lower(OutboxMessage.to_address) == address
    if mine is not None:
        to_them = or_(to_them, OutboxMessage.member_id == mine)
    received = Gift.recipient_email == address
    if mine is not None:
        received = or_(received, Gift.member_id == mine)
    return {
        "emails_dropped": _count(
            session.execute(
                delete(OutboxMessage).where(and_(to_them, OutboxMessage.status == "pending"))
            )
        ),
        "emails_blanked": _count(
            session.execute(
                update(OutboxMessage)
                .where(to_them)
                .values(to_address=stand_in, subject="", body_text="", body_html="", last_error="")
            )
        ),
        "gifts_bought": _count(
            session.execute(
                update(Gift).where(Gift.buyer_email == address).values(buyer_email=None, message="")
            )
        ),
        "gifts_received": _count(
            session.execute(
                update(Gift)
                .where(received)
                .values(recipient_email=stand_in, recipient_name="", message="")
            )
        ),
        "gift_claims": _count(session.execute(delete(GiftClaim).where(GiftClaim.email == address))),
        "pending_sign_ins": _count(
            session.execute(delete(PendingSignIn).where(PendingSignIn.email == address))
        ),
        "rate_limit_hits": _count(
            session.execute(
                delete(RateLimitHit).where(RateLimitHit.key_hash == key_hash(address, secret))
            )
        ),
    }


def _erase_member(session: Session, member: Member, stand_in: str) -> dict[str, int]:
    """The member's own rows: all go but the member (anonymised) and their checkouts."""
    mine = member.id
    tokens = select(FeedToken.id).where(FeedToken.member_id == mine)
    touched = {
        "downloads": _count(
            session.execute(delete(MediaRequest).where(MediaRequest.member_id == mine))
        ),
        "sharing_flags": _count(
            session.execute(delete(SharingFlag).where(SharingFlag.member_id == mine))
        ),
        "sessions": _count(
            session.execute(delete(AccountSession).where(AccountSession.member_id == mine))
        ),
        "sign_in_links": _count(
            session.execute(delete(SignInLink).where(SignInLink.member_id == mine))
        ),
    }
    # Checkouts are accounting: kept, but no longer pointing at a feed token.
    session.execute(update(Checkout).where(Checkout.token_id.in_(tokens)).values(token_id=None))
    touched["feed_tokens"] = _count(
        session.execute(delete(FeedToken).where(FeedToken.member_id == mine))
    )
    member.email = stand_in
    member.status = REVOKED
    member.status_reason = ERASED_REASON
    member.updated_at = utcnow()
    session.flush()
    return touched


def _count(result: Any) -> int:
    return result.rowcount or 0
