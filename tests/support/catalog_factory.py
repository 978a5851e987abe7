"""Rows for feed and media tests, built directly with the models and real stored audio.

The publish pipeline has its own tests; these factories make exactly the catalogue a feed
test needs (scheduled, unpublished, teaser, trailer, with chapters or a transcript).
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from audio.storage import Storage
from publisher.members.members import add_member, current_token
from publisher.models import Episode, Member, Season, Show, utcnow

_numbers = itertools.count(1)


def make_show(session: Session, **fields: Any) -> Show:
    values: dict[str, Any] = {
        "id": 1,
        "title": "Love TV",
        "author": "Love TV",
        "owner_email": "hello@lovetv.test",
        "description": "Love Well, Live Well.",
        "language": "en",
        "category": "Health & Fitness",
        "website": "https://lovetv.test",
        "explicit": False,
    }
    values.update(fields)
    show = Show(**values)
    session.add(show)
    session.flush()
    return show


def make_season(session: Session, slug: str = "season-1", number: int = 1, **fields: Any) -> Season:
    season = Season(
        slug=slug, number=number, title=fields.pop("title", f"Season {number}"), **fields
    )
    session.add(season)
    session.flush()
    return season


def make_episode(
    session: Session,
    storage: Storage,
    season: Season,
    audio: Path,
    *,
    title: str | None = None,
    number: int | None = None,
    publish_at: datetime | None = None,
    mime: str = "audio/mpeg",
    transcript: tuple[bytes, str] | None = None,
    **fields: Any,
) -> Episode:
    """An episode whose audio really is in storage, published a day ago unless told."""
    serial = next(_numbers)
    extension = "m4a" if mime == "audio/mp4" else "mp3"
    key = f"audio/test/{serial}.{extension}"
    storage.put_file(key, audio, content_type=mime)
    episode = Episode(
        season_id=season.id,
        number=number,
        title=title or f"Episode {serial}",
        publish_at=publish_at or utcnow() - timedelta(days=1, minutes=serial),
        audio_key=key,
        size=audio.stat().st_size,
        duration=3.0,
        mime=mime,
        **fields,
    )
    if transcript is not None:
        episode.transcript_key = f"transcripts/{serial}.vtt"
        episode.transcript_mime = transcript[1]
        storage.put_bytes(episode.transcript_key, transcript[0], content_type=transcript[1])
    session.add(episode)
    session.flush()
    return episode


def make_member(session: Session, secret: str, email: str, **state: Any) -> tuple[Member, str]:
    """A member (in any billing state) and their current feed token."""
    member = add_member(session, secret, email)
    for name, value in state.items():
        setattr(member, name, value)
    session.flush()
    return member, current_token(session, member, secret)


class Catalog:
    """A show with one season of every kind of episode, and one member, for route tests."""

    def __init__(self, services: Any, audio: Path) -> None:
        self.services = services
        secret = services.config.secret_key
        now = utcnow()
        with services.db.session() as session:
            make_show(session)
            self.season = make_season(session, "season-1", 1, title="Closer")
            make_season(session, "season-2", 2, title="Braver")  # no episodes yet
            store = services.storage
            self.trailer = make_episode(
                session, store, self.season, audio, title="Trailer", episode_type="trailer"
            )
            self.first = make_episode(
                session,
                store,
                self.season,
                audio,
                title="Opening up",
                number=1,
                chapters=[{"startTime": 0, "title": "Hello"}, {"startTime": 1.5, "title": "Why"}],
                transcript=(b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n", "text/vtt"),
            )
            self.teaser = make_episode(
                session, store, self.season, audio, title="Free taste", number=2, teaser=True
            )
            self.scheduled = make_episode(
                session,
                store,
                self.season,
                audio,
                title="Tomorrow",
                number=3,
                publish_at=now + timedelta(days=1),
            )
            self.unpublished = make_episode(
                session,
                store,
                self.season,
                audio,
                title="Withdrawn",
                number=4,
                unpublished_at=now - timedelta(hours=1),
            )
            self.member, self.token = make_member(session, secret, "ann@lovetv.test")
        self.base = services.config.base_url

    def feed_path(self, token: str | None = None, slug: str = "season-1") -> str:
        return f"/feeds/{token or self.token}/{slug}.xml"
