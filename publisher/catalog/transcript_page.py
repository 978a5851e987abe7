"""A free episode's transcript as a page to read: its cues in order, each with its time.

Same visibility as the episode's page (a teaser or trailer, published now); the stored SRT
or WebVTT file is read from the store and parsed by `audio.transcripts.transcript_cues`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from audio.storage import Storage
from audio.transcripts import transcript_cues
from publisher.catalog.public_pages import EpisodeView, clock, episode_view
from publisher.listening.inputs import Urls, public
from publisher.models import Episode, Season


@dataclass(frozen=True)
class TimedLine:
    """One cue as the page shows it."""

    at: str  # 1:02:03 or 2:03
    seconds: str  # for the episode page's #t= (a media fragment takes decimals)
    text: str


@dataclass(frozen=True)
class TranscriptView:
    episode: EpisodeView
    lines: tuple[TimedLine, ...]


def public_transcript(
    session: Session, storage: Storage, urls: Urls, guid: str, now: datetime
) -> TranscriptView | None:
    """The transcript of a public episode; None when there is no such episode or transcript."""
    row = session.execute(
        select(Episode, Season)
        .join(Season, Season.id == Episode.season_id)
        .where(Episode.guid == guid, public(now), Episode.transcript_key.is_not(None))
    ).first()
    if row is None:
        return None
    episode, season = row
    cues = transcript_cues(storage.get_bytes(episode.transcript_key or ""))
    lines = tuple(TimedLine(clock(c.start), f"{c.start:g}", c.text) for c in cues)
    return TranscriptView(episode_view(episode, season, urls, True), lines)
