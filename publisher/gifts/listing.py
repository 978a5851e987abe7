"""Gifts as the producer lists them (`lovetv gift list`): bought, delivered, redeemed, voided.

"Delivered" is not stored: a bought gift is delivered once its email to the recipient has
gone out of the outbox, which is read here rather than copied.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.gifts.models import BOUGHT, PENDING, Gift
from publisher.models import Member, OutboxMessage


def gift_rows(session: Session) -> list[dict[str, Any]]:
    """Every paid gift, newest first, with what became of it."""
    sent = set(
        session.scalars(
            select(OutboxMessage.dedupe_key).where(
                OutboxMessage.kind == "gift_delivery", OutboxMessage.status == "sent"
            )
        )
    )
    gifts = session.scalars(select(Gift).where(Gift.status != PENDING).order_by(Gift.id.desc()))
    rows = []
    for gift in gifts:
        status = gift.status
        if status == BOUGHT and f"gift-delivery-{gift.id}" in sent:
            status = "delivered"
        holder = session.get(Member, gift.member_id) if gift.member_id else None
        rows.append(
            {
                "plan": gift.plan,
                "buyer": gift.buyer_email or "",
                "recipient": gift.recipient_email,
                "recipient_name": gift.recipient_name,
                "status": status,
                "deliver_on": gift.deliver_on.isoformat() if gift.deliver_on else None,
                "paid_at": _iso(gift.paid_at),
                "redeemed_by": holder.email if holder else None,
                "redeemed_at": _iso(gift.redeemed_at),
                "ends_at": _iso(gift.ends_at),
                "voided": gift.void_reason or None,
            }
        )
    return rows


def _iso(moment: Any) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None
