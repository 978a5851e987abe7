"""Members and their feed tokens: who may listen, and through which private URL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from publisher.models.base import Base, UTCDateTime, utcnow


class Member(Base):
    """A listener who may hold working private feeds: one email, one Stripe customer."""

    __tablename__ = "members"
    # Addresses are stored as `normalize_email` writes them: a writer that skipped it fails.
    __table_args__ = (CheckConstraint("email = lower(email)", name="ck_members_email_lower"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    # What the member is called (Checkout's name, or `lovetv member edit --name`).
    name: Mapped[str | None] = mapped_column(String(200))
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255))
    plan: Mapped[str] = mapped_column(String(16), default="comp")
    # active | lapsed | revoked: what `member show` reports and feeds obey.
    status: Mapped[str] = mapped_column(String(16), default="active")
    status_reason: Mapped[str] = mapped_column(String(255), default="")
    # The Stripe state the status was derived from (e.g. "past_due"), kept for notices.
    billing_state: Mapped[str | None] = mapped_column(String(32))
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    grace_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The promotion the subscription carries now, and what one period costs with it.
    discount: Mapped[str | None] = mapped_column(String(255))
    paying_cents: Mapped[int | None] = mapped_column(Integer)
    # Stripe's own time of the object last applied: older deliveries never overwrite newer.
    billing_version: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When `status` last changed (stamped by `_status_changed` below, whoever changes it):
    # lapsed and revoked feed notices are dated at it and take their GUID from it.
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    tokens: Mapped[list[FeedToken]] = relationship(back_populates="member")


class FeedToken(Base):
    """A member's feed token: only a derivation nonce and a lookup hash are stored.

    The token itself is HMAC(server secret, nonce), so a copy of the database alone never
    yields a working feed URL. Rotated tokens keep their row (retired_at set) so the old
    URL can answer with a notice instead of a 404.
    """

    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    nonce: Mapped[str] = mapped_column(String(64))
    lookup_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    member: Mapped[Member] = relationship(back_populates="tokens")


@event.listens_for(Member.status, "set", active_history=True)
def _status_changed(target: Member, value: str, old: object, _initiator: object) -> None:
    """Stamp `status_changed_at` whenever the stored status really changes, whoever sets it
    (billing, `lovetv member revoke`/`restore`, sign-up), so no writer can forget it."""
    if value != old:
        target.status_changed_at = utcnow()
