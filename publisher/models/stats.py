"""Audio requests as the IAB rules and the shared-link rule need them, and their salts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from publisher.models.base import Base, UTCDateTime, utcnow


class MediaRequest(Base):
    """One request for an episode's audio, as the stats and sharing rules need it.

    Written in batches by `publisher.stats.recorder`, never inside the request. `client_ip`
    is the raw address, kept only while the IAB 24-hour deduplication needs it and then
    set to NULL; `network_hash` is the client's /24 (IPv4) or /48 (IPv6) hashed with that
    UTC day's random salt, which is deleted two days later. `counted` is the IAB decision.
    """

    __tablename__ = "media_requests"
    __table_args__ = (
        Index("ix_media_requests_episode_id_at", "episode_id", "at"),
        Index("ix_media_requests_token_id_at", "token_id", "at"),
        Index("ix_media_requests_member_id_at", "member_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("feed_tokens.id", ondelete="SET NULL"))
    method: Mapped[str] = mapped_column(String(8))
    bytes_requested: Mapped[int] = mapped_column(BigInteger)
    client_ip: Mapped[str | None] = mapped_column(String(45))
    network_hash: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(512))
    app: Mapped[str | None] = mapped_column(String(120))
    bot: Mapped[bool] = mapped_column(Boolean, default=False)
    fetcher: Mapped[bool] = mapped_column(Boolean, default=False)
    counted: Mapped[bool] = mapped_column(Boolean, default=False)
    # "audio", "video" (the MP4) or "hls": `lovetv stats` counts each format apart.
    media_format: Mapped[str] = mapped_column(String(8), default="audio", server_default="audio")


class StatsSalt(Base):
    """The random salt of one UTC day's network hashes; deleted after two days."""

    __tablename__ = "stats_salts"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))


class SharingFlag(Base):
    """A token used from more client networks in one UTC day than one household uses.

    One row per token and day, with the evidence; `rotated_at` is set when
    `LOVETV_SHARING_AUTO_ROTATE=1` replaced the token because of it.
    """

    __tablename__ = "sharing_flags"
    __table_args__ = (UniqueConstraint("token_id", "day", name="uq_sharing_flags_token_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("feed_tokens.id", ondelete="CASCADE"))
    day: Mapped[str] = mapped_column(String(10))
    networks: Mapped[int] = mapped_column(Integer)
    apps: Mapped[list] = mapped_column(JSON)
    requests: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
