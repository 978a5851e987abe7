"""Storing an episode edit: new objects under fresh keys, the row switched in one
transaction with its feeds' invalidation, then the replaced objects deleted.

The order is what keeps an edit safe (see `publisher.catalog.episode_edit`): a failure
before the switch deletes only what this edit uploaded, and the row never names an object
that is not there.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from audio.probe import AudioInfo
from audio.storage import StorageError
from publisher.catalog.drafts import EditInputs, EpisodeEdit
from publisher.catalog.episodes import go_live
from publisher.catalog.uploads import Uploads, artwork_key, sha256_file
from publisher.db import DatabaseError
from publisher.listening.invalidation import season_changed
from publisher.models import Episode
from publisher.services import Services


def upload_edit(
    uploads: Uploads, episode: Episode, tagged: Path, info: AudioInfo, inputs: EditInputs
) -> dict[str, str]:
    """Store the tagged audio, and new artwork and transcript, under fresh keys.

    The key names the tagged bytes' hash (the copy is on disk, so hashing it is cheap):
    an edit that leaves them as an earlier edit stored them lands on today's key, and then
    nothing is uploaded (and so nothing live could be deleted by a failure).
    """
    guid = episode.guid
    keys: dict[str, str] = {}
    digest = sha256_file(tagged)
    audio_key = f"audio/{digest[:16]}/{guid}.{info.extension}"
    try:
        if audio_key == episode.audio_key:
            keys["audio_key"] = audio_key
        else:
            keys["audio_key"] = uploads.put_file(audio_key, tagged, info.mime)
        if inputs.image is not None:
            key = artwork_key(inputs.image.data, inputs.image.extension)
            keys["image_key"] = uploads.put_shared(key, inputs.image.data, inputs.image.mime)
        if inputs.transcript is not None:
            t = inputs.transcript
            key = f"transcripts/{guid}-{hashlib.sha256(t.data).hexdigest()[:12]}.{t.extension}"
            same = key == episode.transcript_key
            keys["transcript_key"] = key if same else uploads.put_bytes(key, t.data, t.mime)
    except StorageError as exc:
        raise StorageError(
            f"upload failed, the episode was not changed ({exc}); run the command again"
        ) from exc
    return keys


def record_edit(
    services: Services,
    episode_id: int,
    edit: EpisodeEdit,
    inputs: EditInputs,
    info: AudioInfo,
    tagged: Path,
    keys: dict[str, str],
    video: dict[str, Any],
) -> Episode:
    """Switch the row to the new details and objects, and invalidate its season's feeds."""
    try:
        with services.db.session() as session:
            episode = session.get_one(Episode, episode_id)
            _apply(episode, edit, inputs, info, tagged, keys)
            for name, value in video.items():
                setattr(episode, name, value)
            session.flush()
            if edit.republish:
                go_live(session, services.config, episode)
            else:
                season_changed(session, episode.season_id)
            session.expunge(episode)
            return episode
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise DatabaseError(
            f"could not record the edit ({first[0] if first else type(exc).__name__}); "
            "the episode was not changed, so run the command again"
        ) from exc


def _apply(
    episode: Episode,
    edit: EpisodeEdit,
    inputs: EditInputs,
    info: AudioInfo,
    tagged: Path,
    keys: dict[str, str],
) -> None:
    for name in ("title", "description", "number", "episode_type", "teaser", "publish_at"):
        value = getattr(edit, name)
        if value is not None:
            setattr(episode, name, value.strip() if name == "title" else value)
    episode.audio_key = keys["audio_key"]
    episode.size = tagged.stat().st_size
    episode.duration = info.duration
    episode.mime = info.mime
    episode.bitrate = info.bitrate
    episode.sample_rate = info.sample_rate
    if inputs.chapters is not None:
        episode.chapters = [c.as_json() for c in inputs.chapters] or None
    if "image_key" in keys:
        episode.image_key = keys["image_key"]
    if inputs.transcript is not None:
        episode.transcript_key = keys["transcript_key"]
        episode.transcript_mime = inputs.transcript.mime


def delete_keys(services: Services, keys: list[str]) -> None:
    """Delete a replaced video's objects, after the row no longer names them."""
    for key in keys:
        with contextlib.suppress(StorageError, OSError, FileNotFoundError):
            services.storage.delete(key)


def delete_replaced(services: Services, before: dict[str, str | None], after: Episode) -> None:
    """Delete the objects the edit replaced (a failure leaves an orphan, never a gap)."""
    for name in ("audio_key", "transcript_key"):
        old = before[name]
        if old and old != getattr(after, name):
            with contextlib.suppress(StorageError, OSError, FileNotFoundError):
                services.storage.delete(old)
