"""Rendered feeds: stored once per change in `rendered_feeds`, kept per worker in memory.

A request never renders XML unless the feed changed: the stored row's ETag says whether
this worker's copy is current, and `valid_until` says when a scheduled episode is due.
Memory holds one copy per (feed, notice kind), never one per member, so it does not grow
with the number of members. Two workers rendering the same feed at once both succeed: the
store is an upsert that tolerates losing the race.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feeds.model import PERSONAL_ITEMS_PLACEHOLDER
from feeds.template import FeedTemplate
from publisher.db import Database
from publisher.listening.all_seasons import render_all_seasons
from publisher.listening.inputs import Urls, show_info
from publisher.listening.invalidation import ALL_SEASONS_FEED_KEY, TEASER_FEED_KEY, season_feed_key
from publisher.listening.personal import PersonalItems, load_personal_items
from publisher.listening.rendering import Rendered, render_season, render_teaser
from publisher.models import RenderedFeed, Season

_HTTP_DATES: dict[datetime, str] = {}  # one entry per feed version, like the variants
Renderer = Callable[[Session, str | None], Rendered | None]


@dataclass(frozen=True)
class FeedState:
    """What a request learns of a stored feed without reading its body."""

    etag: str | None
    last_modified: datetime | None
    valid_until: datetime | None

    def fresh(self, now: datetime) -> bool:
        return self.etag is not None and (self.valid_until is None or self.valid_until > now)


@dataclass(frozen=True)
class Variant:
    """One rendered feed (or a notice variant of it) ready to personalise."""

    template: FeedTemplate
    etag: str  # of these bytes, before personalising
    last_modified: datetime
    source_etag: str  # the stored feed it was made from: stale once that changes
    # The member's own items (welcome, anniversary) when the feed has their slot.
    personal: PersonalItems | None = None

    @property
    def http_last_modified(self) -> str:
        """Last-Modified as HTTP writes it (RFC 9110 5.6.7), formatted once per variant."""
        return _HTTP_DATES.setdefault(
            self.last_modified, format_datetime(self.last_modified, usegmt=True)
        )


def body_etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def still_current(session: Session, rendered: Rendered) -> bool:
    """Whether nothing changed the feed since it was rendered, read after the store's write.

    Called once the stored row is written (SQLite then holds the database's write lock), it
    reads the revision with a share lock (PostgreSQL: FOR SHARE), so a change in progress
    is waited for and seen, and a change that comes later waits for this store to commit
    and then deletes what it stored.
    """
    query = select(Season.revision).with_for_update(read=True)
    if rendered.season_id is not None:
        current = session.scalar(query.where(Season.id == rendered.season_id))
        return current == rendered.revision
    return sum(session.scalars(query)) == rendered.revision


def store_rendered(
    db: Database, key: str, rendered: Rendered, now: datetime
) -> tuple[str, datetime]:
    """Upsert a rendered feed unless it is already stale (then it serves only the request
    that rendered it); keep Last-Modified when the bytes did not change."""
    etag = body_etag(rendered.body)
    try:
        with db.session() as session:
            row = session.get(RenderedFeed, key)
            if row is None:
                row = RenderedFeed(feed_key=key, body=rendered.body, etag=etag, last_modified=now)
                session.add(row)
            elif row.etag != etag:
                row.body, row.etag, row.last_modified = rendered.body, etag, now
            row.valid_until = rendered.valid_until
            session.flush()
            if not still_current(session, rendered):
                session.rollback()
                return etag, now
            last_modified = row.last_modified
    except IntegrityError:  # another worker stored the same feed first: theirs is as good
        return etag, now
    return etag, last_modified


class FeedCache:
    """One per worker process: the season and teaser feeds as personalisable bytes."""

    def __init__(self, db: Database, urls: Urls) -> None:
        self.db = db
        self.urls = urls
        self._variants: dict[tuple[str, str | None], Variant] = {}

    def season(self, season_id: int, state: FeedState, kind: str | None, now: datetime) -> Variant:
        """The season's feed for one notice kind (None: the plain member feed)."""

        def render(session: Session, notice: str | None) -> Rendered | None:
            return render_season(session, season_id, self.urls, now, notice)

        return self._variant(season_feed_key(season_id), state, kind, render, now)

    def all_seasons(self, state: FeedState, kind: str | None, now: datetime) -> Variant:
        """The all-seasons member feed for one notice kind (None: the plain member feed)."""

        def render(session: Session, notice: str | None) -> Rendered:
            return render_all_seasons(session, self.urls, now, notice)

        return self._variant(ALL_SEASONS_FEED_KEY, state, kind, render, now)

    def teaser(self, state: FeedState, now: datetime) -> Variant:
        def render(session: Session, notice: str | None) -> Rendered:
            return render_teaser(session, self.urls, now)

        return self._variant(TEASER_FEED_KEY, state, None, render, now)

    def _variant(
        self, key: str, state: FeedState, kind: str | None, render: Renderer, now: datetime
    ) -> Variant:
        if not state.fresh(now):
            state = self._render_and_store(key, render, now)
        assert state.etag is not None and state.last_modified is not None
        cached = self._variants.get((key, kind))
        if cached is not None and cached.source_etag == state.etag:
            return cached
        if kind is None:
            variant = self._load_stored(key, render, now)
        else:
            with self.db.session() as session:
                rendered = render(session, kind)
            if rendered is None:
                raise LookupError(key)
            variant = self._variant_of(rendered.body, state.last_modified, state.etag)
        self._variants[(key, kind)] = variant
        return variant

    def _render_and_store(self, key: str, render: Renderer, now: datetime) -> FeedState:
        with self.db.session() as session:
            rendered = render(session, None)
        if rendered is None:
            raise LookupError(key)
        etag, last_modified = store_rendered(self.db, key, rendered, now)
        self._variants[(key, None)] = self._variant_of(rendered.body, last_modified, etag)
        return FeedState(etag, last_modified, rendered.valid_until)

    def _load_stored(self, key: str, render: Renderer, now: datetime) -> Variant:
        with self.db.engine.connect() as conn:
            row = conn.execute(
                select(RenderedFeed.body, RenderedFeed.last_modified).where(
                    RenderedFeed.feed_key == key
                )
            ).first()
        if row is None:  # invalidated since the request looked: render it afresh
            self._render_and_store(key, render, now)
            return self._variants[(key, None)]
        body = bytes(row.body)
        return self._variant_of(body, row.last_modified, body_etag(body))

    def _variant_of(self, body: bytes, last_modified: datetime, source_etag: str) -> Variant:
        """A variant of `body`, with the personal items when it has their slot (read once
        per feed change; setting one changes every feed's bytes)."""
        template = FeedTemplate.from_body(body)
        personal = None
        if PERSONAL_ITEMS_PLACEHOLDER in template.slots:
            with self.db.session() as session:
                personal = load_personal_items(session, self.urls, show_info(session, self.urls))
        return Variant(template, body_etag(body), last_modified, source_etag, personal)
