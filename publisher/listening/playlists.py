"""A video episode's multivariant HLS playlist, and the one statement that finds it.

Players ask for it once per viewing, apps that list alternates may ask on every refresh,
so `/media/<token>/<guid>.m3u8` is answered before Flask (`publisher.web.playlist_fast_path`)
with one indexed statement on a per-thread connection (`HotQuery`), as member feeds are:
the episode (published now, with its video) and whoever holds the token, in one round trip.
Nothing about the member is cached; the playlist's text is, per video upload and
transcript (both keys are never reused), so a replaced video or transcript is a new entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, select

from audio.hls_playlists import Variant, multivariant_playlist
from auth.tokens import lookup_hash
from publisher.listening.hot_query import HotQuery
from publisher.listening.listeners import LISTENER_COLUMNS, Listener, listener_from_row
from publisher.listening.media_names import SUBTITLES, transcript_type
from publisher.models import Episode, FeedToken, Member, Show

_SHOW_LANGUAGE = select(Show.language).where(Show.id == 1).scalar_subquery()
_PLAYLIST_REQUEST = (
    select(
        Episode.video_key,
        Episode.publish_at,
        Episode.unpublished_at,
        Episode.transcript_key,
        Episode.transcript_mime,
        _SHOW_LANGUAGE.label("language"),
        *LISTENER_COLUMNS,
    )
    .select_from(Episode)
    .outerjoin(FeedToken, FeedToken.lookup_hash == bindparam("lookup_hash"))
    .outerjoin(Member, Member.id == FeedToken.member_id)
    .where(Episode.guid == bindparam("guid"), Episode.video_key.is_not(None))
)
# Read only when a playlist's text is not cached yet: the JSON is the row's biggest value.
_VIDEO_FACTS = select(Episode.video).where(Episode.guid == bindparam("guid"))


@dataclass(frozen=True)
class PlaylistRequest:
    """A published video episode's multivariant playlist, and who asks for it."""

    text: str
    listener: Listener | None  # None: the token is unknown


def multivariant_text(
    guid: str, video: dict[str, Any], transcript_key: str | None, transcript_mime: str | None,
    language: str | None,
) -> str:  # fmt: skip
    """The multivariant playlist of a video episode: its renditions, and its WebVTT
    transcript as subtitles."""
    kind = transcript_type(transcript_mime) if transcript_key else None
    subtitles = f"{guid}.hls.{SUBTITLES}.m3u8" if kind and kind[1] == "vtt" else None
    variants = [
        Variant(r["playlist"], r["bandwidth"], r["average_bandwidth"], r["codecs"],
                r["width"], r["height"])
        for r in video["renditions"]
    ]  # fmt: skip
    return multivariant_playlist(variants, subtitles, language or "en")


class PlaylistRequests:
    """Answers `find` with one compiled statement per serving thread."""

    def __init__(self, engine: Engine, secret: str) -> None:
        self.query = HotQuery(engine, _PLAYLIST_REQUEST)
        self.facts = HotQuery(engine, _VIDEO_FACTS)
        self.secret = secret

    def find(self, guid: str, token: str, now: datetime) -> PlaylistRequest | None:
        """None when no published video episode has this GUID."""
        row = self.query.first(guid=guid, lookup_hash=lookup_hash(token))
        if row is None or row["unpublished_at"] is not None or row["publish_at"] > now:
            return None
        key = (guid, row["video_key"], row["transcript_key"], row["transcript_mime"],
               row["language"])  # fmt: skip
        text = _texts.get(key)
        if text is None:
            video = (self.facts.first(guid=guid) or {}).get("video")
            if not video:
                return None
            facts = json.loads(video) if isinstance(video, str) else video
            text = multivariant_text(guid, facts, *key[2:])
            if len(_texts) >= _CACHED_TEXTS:
                _texts.clear()
            _texts[key] = text
        return PlaylistRequest(text, listener_from_row(row, self.secret, token))


# Playlist texts by every value they are made of (a video's key changes with each upload).
_texts: dict[tuple[str | None, ...], str] = {}
_CACHED_TEXTS = 4096
