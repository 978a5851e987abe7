"""Signing in to the account page: browser sessions, emailed links, pending requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from publisher.models.base import Base, UTCDateTime, utcnow


class AccountSession(Base):
    """A signed-in browser: the cookie carries a random id, the database only its SHA-256."""

    __tablename__ = "account_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SignInLink(Base):
    """An emailed sign-in link: single use, short-lived, stored only as a hash."""

    __tablename__ = "sign_in_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PendingSignIn(Base):
    """A sign-in request not answered yet: the typed address, until the mail sender decides.

    Asking for a link only records this row, for members and strangers alike, so the
    request takes the same time whoever asks; whether the address is a member, and the
    email that follows, are worked out after the answer (`publisher.accounts.sign_in`).
    """

    __tablename__ = "pending_sign_ins"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="ck_pending_sign_ins_email_lower"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
