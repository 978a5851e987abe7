"""The gift tables: one row per gift bought, one per emailed link to redeem one.

Each gift keeps its own days and its own payment, so what a member holds is arithmetic over
their gifts (`publisher.gifts.spans`): a second gift adds its days after the first, a refund
takes away only the refunded gift's days, and prepaid time comes first.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from publisher.models.base import Base, UTCDateTime, utcnow

# pending: Checkout started; bought: paid (the code exists); redeemed; voided (refund, dispute).
PENDING, BOUGHT, REDEEMED, VOIDED = "pending", "bought", "redeemed", "voided"
# A redeemed gift gives listening time, or (to a member paying Stripe now) a Stripe credit.
AS_TIME, AS_CREDIT = "time", "credit"


class Gift(Base):
    """A gift membership, from its Checkout to its redemption (or its refund)."""

    __tablename__ = "gifts"
    __table_args__ = (
        CheckConstraint("buyer_email = lower(buyer_email)", name="ck_gifts_buyer_email_lower"),
        CheckConstraint(
            "recipient_email = lower(recipient_email)", name="ck_gifts_recipient_email_lower"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    buyer_email: Mapped[str | None] = mapped_column(String(320))
    recipient_name: Mapped[str] = mapped_column(String(255))
    giver_name: Mapped[str] = mapped_column(String(255), default="")  # "" when not given
    recipient_email: Mapped[str] = mapped_column(String(320))
    message: Mapped[str] = mapped_column(Text, default="")
    deliver_on: Mapped[date | None] = mapped_column(Date)
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    void_reason: Mapped[str] = mapped_column(String(255), default="")
    # What the gift gives (None: for good) and what was paid for it, as Stripe charged it.
    days: Mapped[int | None] = mapped_column(Integer)
    paid_cents: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    # When its days run, worked out over the holder's gifts; and the holder's prepaid time
    # (an imported membership's end) that it waited for, which a refund gives back.
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    redeemed_as: Mapped[str | None] = mapped_column(String(16))
    prepaid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class GiftClaim(Base):
    """An emailed link that proves an address and redeems one gift: single use, short-lived."""

    __tablename__ = "gift_claims"
    __table_args__ = (CheckConstraint("email = lower(email)", name="ck_gift_claims_email_lower"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gift_id: Mapped[int] = mapped_column(ForeignKey("gifts.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
