"""`lovetv member export EMAIL`: everything the service holds about one member, as JSON.

One section per table that names the member (a `member_id`) or their address (an email
column): what a privacy request ("what do you keep about me?") is answered with. Secrets
never leave: no feed token, nonce or lookup hash, no session id or sign-in link hash, no
gift code hash. The service keeps no plan or status history beyond the current values and
`status_changed_at`; Stripe keeps the payment history, under `stripe_customer_id`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from publisher.errors import UserError
from publisher.gifts.models import Gift, GiftClaim
from publisher.members.erasure import member_at
from publisher.models import (
    AccountSession,
    Checkout,
    Episode,
    FeedToken,
    MediaRequest,
    Member,
    OutboxMessage,
    PendingSignIn,
    SharingFlag,
    SignInLink,
)
from publisher.services import Services

EXPORT_FORMAT = 1


def export_member(services: Services, email: str) -> dict[str, Any]:
    """The member at exactly `email` (as `member delete` finds them) and every record about
    them; never a member whose address merely contains it."""
    with services.db.session() as session:
        member = member_at(session, email)
        if member is None:
            raise UserError(
                f"no member has the address {email.strip()!r}: nothing was exported "
                "(lovetv member list --search TEXT finds the exact address)"
            )
        return {
            "format": EXPORT_FORMAT,
            "profile": profile(member),
            "history": {
                "recorded": False,
                "note": "only the current plan and status are kept, and when the status "
                "last changed; payments are kept by Stripe under stripe_customer_id",
            },
            **records(session, member),
        }


def profile(member: Member) -> dict[str, Any]:
    """The member row itself."""
    return _plain(
        {
            "email": member.email,
            "plan": member.plan,
            "status": member.status,
            "status_reason": member.status_reason,
            "status_changed_at": member.status_changed_at,
            "billing_state": member.billing_state,
            "period_end": member.period_end,
            "grace_until": member.grace_until,
            "discount": member.discount,
            "paying_cents": member.paying_cents,
            "stripe_customer_id": member.stripe_customer_id,
            "stripe_subscription_id": member.stripe_subscription_id,
            "created_at": member.created_at,
            "updated_at": member.updated_at,
        }
    )


def records(session: Session, member: Member) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows about the member, oldest first, without secrets."""
    mine, address = member.id, member.email
    return {
        "checkouts": _rows(
            session,
            select(Checkout.id, Checkout.outcome, Checkout.completed_at)
            .where(Checkout.member_id == mine)
            .order_by(Checkout.completed_at),
        ),
        "feed_tokens": _rows(
            session,
            select(FeedToken.created_at, FeedToken.retired_at)
            .where(FeedToken.member_id == mine)
            .order_by(FeedToken.id),
        ),
        "sessions": _rows(
            session,
            select(AccountSession.created_at, AccountSession.expires_at)
            .where(AccountSession.member_id == mine)
            .order_by(AccountSession.id),
        ),
        "sign_in_links": _rows(
            session,
            select(SignInLink.created_at, SignInLink.expires_at, SignInLink.used_at)
            .where(SignInLink.member_id == mine)
            .order_by(SignInLink.id),
        ),
        "pending_sign_ins": _rows(
            session,
            select(PendingSignIn.asked_at)
            .where(PendingSignIn.email == address)
            .order_by(PendingSignIn.id),
        ),
        "downloads": _rows(session, _downloads(mine)),
        "emails": _rows(
            session,
            select(
                OutboxMessage.kind,
                OutboxMessage.to_address.label("to"),
                OutboxMessage.subject,
                OutboxMessage.status,
                OutboxMessage.created_at,
                OutboxMessage.sent_at,
            )
            .where(or_(OutboxMessage.member_id == mine, OutboxMessage.to_address == address))
            .order_by(OutboxMessage.id),
        ),
        "gifts_bought": _rows(session, _gifts_bought(address)),
        "gifts_received": _rows(session, _gifts_received(mine, address)),
        "gift_claims": _rows(
            session,
            select(GiftClaim.gift_id, GiftClaim.created_at, GiftClaim.expires_at, GiftClaim.used_at)
            .where(GiftClaim.email == address)
            .order_by(GiftClaim.id),
        ),
        "sharing_flags": _rows(
            session,
            select(
                SharingFlag.day,
                SharingFlag.networks,
                SharingFlag.apps,
                SharingFlag.requests,
                SharingFlag.created_at,
                SharingFlag.rotated_at,
            )
            .where(SharingFlag.member_id == mine)
            .order_by(SharingFlag.id),
        ),
    }


def _downloads(member_id: int) -> Any:
    """Each audio request: when, which episode, from which app, whether it counted, and the
    raw client address while it is still kept (25 hours)."""
    return (
        select(
            MediaRequest.at,
            Episode.title.label("episode"),
            Episode.guid.label("episode_guid"),
            MediaRequest.method,
            MediaRequest.bytes_requested,
            MediaRequest.app,
            MediaRequest.user_agent,
            MediaRequest.counted,
            MediaRequest.client_ip,
        )
        .join(Episode, Episode.id == MediaRequest.episode_id)
        .where(MediaRequest.member_id == member_id)
        .order_by(MediaRequest.at, MediaRequest.id)
    )


def _gifts_bought(address: str) -> Any:
    """Gifts the member paid for: their own purchase, as they filled it in and paid it."""
    return (
        select(
            Gift.id,
            Gift.plan,
            Gift.status,
            Gift.buyer_email,
            Gift.recipient_name,
            Gift.recipient_email,
            Gift.message,
            Gift.deliver_on,
            Gift.checkout_session_id,
            Gift.payment_intent_id,
            Gift.created_at,
            Gift.paid_at,
            Gift.voided_at,
            Gift.void_reason,
        )
        .where(Gift.buyer_email == address)
        .order_by(Gift.id)
    )


def _gifts_received(member_id: int, address: str) -> Any:
    """Gifts meant for the member's address or redeemed by them: only what is theirs (the
    plan, its days, the message to them). Who bought it, how it was paid and whom the
    buyer named are the buyer's: a code passed on must not put them in a stranger's export."""
    return (
        select(
            Gift.id,
            Gift.plan,
            Gift.status,
            Gift.message,
            Gift.deliver_on,
            Gift.days,
            Gift.redeemed_at,
            Gift.starts_at,
            Gift.ends_at,
            Gift.voided_at,
        )
        .where(
            or_(Gift.recipient_email == address, Gift.member_id == member_id),
            or_(Gift.buyer_email.is_(None), Gift.buyer_email != address),
        )
        .order_by(Gift.id)
    )


def _rows(session: Session, query: Any) -> list[dict[str, Any]]:
    return [_plain(dict(row._mapping)) for row in session.execute(query)]


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready values: times and days in ISO 8601."""
    return {
        key: value.isoformat() if isinstance(value, datetime | date) else value
        for key, value in values.items()
    }
