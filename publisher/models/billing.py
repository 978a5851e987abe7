"""What the service kept of Stripe: events already handled and completed Checkouts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from publisher.models.base import Base, UTCDateTime, utcnow


class StripeEvent(Base):
    """A Stripe event already handled: a repeated delivery is acknowledged and ignored."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    created: Mapped[int] = mapped_column(BigInteger)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Checkout(Base):
    """A completed Stripe Checkout Session and what the service made of it.

    `outcome` is `new_member` (the checkout created the member), `member` (a signed-in
    member's purchase) or `foreign` (the typed email belongs to a member who did not make
    it: refunded, never attached). The welcome page shows feed links only for `new_member`,
    for a short time after `completed_at`, and only while `token_id` is still current.
    """

    __tablename__ = "checkouts"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(16))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("feed_tokens.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
