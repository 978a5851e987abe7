"""The show and what it publishes: seasons, episodes, personal episodes, rendered feeds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from publisher.models.base import Base, UTCDateTime, new_guid, utcnow


class Show(Base):
    """The one show this installation publishes (a single row, id 1)."""

    __tablename__ = "show"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    author: Mapped[str] = mapped_column(String(255), default="")
    owner_email: Mapped[str] = mapped_column(String(320), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    image_key: Mapped[str | None] = mapped_column(String(512))
    language: Mapped[str] = mapped_column(String(16), default="en")
    category: Mapped[str] = mapped_column(String(255), default="Health & Fitness")
    website: Mapped[str] = mapped_column(String(1024), default="")
    explicit: Mapped[bool] = mapped_column(Boolean, default=False)
    podcast_guid: Mapped[str] = mapped_column(String(36), default=new_guid)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Markdown set by the producer, shown at /terms and /refunds (catalog/show_policies.py).
    terms: Mapped[str] = mapped_column(Text, default="", server_default="")
    refund_policy: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Love TV's regular prices, shown struck through beside the plans: `monthly=199,…`.
    regular_prices: Mapped[str] = mapped_column(String(255), default="", server_default="")
    # Member feeds titled "…: Season One (for Ann)" for members with a name (opt-in).
    name_in_feed_title: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Season(Base):
    """A season: each member gets one private podcast per season."""

    __tablename__ = "seasons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    number: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    image_key: Mapped[str | None] = mapped_column(String(512))
    podcast_guid: Mapped[str] = mapped_column(String(36), default=new_guid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Bumped by every change to what the season's feed shows (feed_invalidation), so a
    # render that read an older revision never stores over a newer one (feed_cache).
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # "video": its video episodes' <enclosure> is the MP4 and the audio an alternate, for
    # apps that show video only from the enclosure (`season edit --enclosure video`).
    enclosure: Mapped[str] = mapped_column(String(8), default="audio", server_default="audio")

    episodes: Mapped[list[Episode]] = relationship(back_populates="season")


class Episode(Base):
    """One published (or scheduled, or unpublished) episode and its stored audio."""

    __tablename__ = "episodes"
    __table_args__ = (UniqueConstraint("season_id", "number", name="uq_episodes_season_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guid: Mapped[str] = mapped_column(String(64), unique=True, default=new_guid)
    # The GUID an imported episode had in its old feed (`lovetv import feed`), written in
    # our feeds instead of `guid` so apps that followed the old feed know the episode. Kept
    # verbatim: often a URL, too long and too punctuated for media URLs, which keep `guid`.
    imported_guid: Mapped[str | None] = mapped_column(String(1024), unique=True)
    season_id: Mapped[int] = mapped_column(
        ForeignKey("seasons.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(512))
    description: Mapped[str] = mapped_column(Text, default="")
    episode_type: Mapped[str] = mapped_column(String(16), default="full")
    publish_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    teaser: Mapped[bool] = mapped_column(Boolean, default=False)
    unpublished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    audio_key: Mapped[str] = mapped_column(String(512))
    size: Mapped[int] = mapped_column(BigInteger)
    duration: Mapped[float] = mapped_column(Float)
    mime: Mapped[str] = mapped_column(String(64))
    bitrate: Mapped[int | None] = mapped_column(Integer)
    sample_rate: Mapped[int | None] = mapped_column(Integer)
    image_key: Mapped[str | None] = mapped_column(String(512))
    chapters: Mapped[list | None] = mapped_column(JSON)
    transcript_key: Mapped[str | None] = mapped_column(String(512))
    transcript_mime: Mapped[str | None] = mapped_column(String(64))
    # A video episode's fast-start MP4 and its HLS renditions (`publisher.catalog.video`):
    # `video` holds the facts feeds and playlists need (height, duration, renditions with
    # their stored keys); None for an audio-only episode.
    video_key: Mapped[str | None] = mapped_column(String(512))
    video_size: Mapped[int | None] = mapped_column(BigInteger)
    video: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    season: Mapped[Season] = relationship(back_populates="episodes")


class PersonalEpisode(Base):
    """Audio the producer recorded for members (`lovetv personal set KIND`), one per kind:
    welcome, anniversary, payment-problem, lapsed (publisher.listening.personal)."""

    __tablename__ = "personal_episodes"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    guid: Mapped[str] = mapped_column(String(36), default=new_guid)  # new at every set
    title: Mapped[str] = mapped_column(String(255), default="")
    audio_key: Mapped[str] = mapped_column(String(512))
    mime: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    duration: Mapped[float] = mapped_column(Float)
    days: Mapped[int | None] = mapped_column(Integer)  # how long it stays in a feed
    after_days: Mapped[int | None] = mapped_column(Integer)  # anniversary: every N days
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RenderedFeed(Base):
    """A feed rendered once per change, with a placeholder where a member's token goes.

    Shared by every worker through the database; `valid_until` is the next scheduled
    episode's time, when the feed must be rendered again.
    """

    __tablename__ = "rendered_feeds"
    # The feed request's one query reads a stored feed's state, never its body: from this
    # index alone. Without it SQLite walks the body's overflow pages to reach the columns
    # after it (1.3 ms a poll for the 1.2 MB all-seasons feed of 20 x 100 episodes).
    __table_args__ = (
        Index("ix_rendered_feeds_state", "feed_key", "etag", "last_modified", "valid_until"),
    )

    feed_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(64))
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
