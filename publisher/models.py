"""SQLAlchemy models of the whole domain: show, seasons, episodes, members, tokens, events.

The schema is owned by Alembic (`migrations/`); these classes mirror it and a test checks
that the two agree. Times are stored timezone-aware in UTC.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_guid() -> str:
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base; one metadata for the app and for Alembic's autogenerate check."""


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


class StripeEvent(Base):
    """A Stripe event already handled: a repeated delivery is acknowledged and ignored."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    created: Mapped[int] = mapped_column(BigInteger)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


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


class ServiceKey(Base):
    """A fingerprint of the secret key the database's feed URLs were made with
    (`publisher.key_fingerprint`): never the key itself."""

    __tablename__ = "service_keys"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))


class JobState(Base):
    """One periodic job's schedule and last outcome, shared by every worker and machine.

    A worker runs a due job only after claiming it: one conditional UPDATE sets
    `lease_until`, so of several machines asking at once exactly one gets the row.
    """

    __tablename__ = "jobs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    next_run: Mapped[datetime] = mapped_column(UTCDateTime())
    last_run: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[str | None] = mapped_column(String(300))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


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


class RateLimitHit(Base):
    """One counted request (e.g. a sign-in request per address or per client network).

    Kept in the database so every worker and machine counts the same; `key_hash` is a
    hash, so the table holds no addresses.
    """

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_bucket_key_at", "bucket", "key_hash", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(32))
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxMessage(Base):
    """An email, written in the same transaction as its cause and delivered later.

    The sender leases a message (`lease_until`) before sending, so two senders never take
    the same one; `message_id` is fixed at queueing, so a resend after a crash is
    recognisable as the same message. `dedupe_key` makes "once per member per season,
    ever" a unique constraint rather than a hope.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(998))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    # pending | sent
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


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


@event.listens_for(Member.status, "set", active_history=True)
def _status_changed(target: Member, value: str, old: object, _initiator: object) -> None:
    """Stamp `status_changed_at` whenever the stored status really changes, whoever sets it
    (billing, `lovetv member revoke`/`restore`, sign-up), so no writer can forget it."""
    if value != old:
        target.status_changed_at = utcnow()


# The gift tables live with their concern; importing them here registers them with `Base`.
from publisher.gifts import models as _gift_models  # noqa: E402, F401
