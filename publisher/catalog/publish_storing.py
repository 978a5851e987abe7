"""The last step of a publish: upload the files, then insert the row, all or nothing.

Everything uploaded is recorded by `Uploads`, which deletes it again when anything after
the first upload fails (an upload, the insert, a concurrent publish taking the number), so
the producer can run the same command again.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from audio.storage import ProgressCallback, StorageError
from audio.tagged_stream import TaggedStream
from publisher.catalog.drafts import EpisodeDraft, Inputs, Placement, UploadProgress
from publisher.catalog.episodes import go_live
from publisher.catalog.uploads import Uploads, artwork_key
from publisher.catalog.video import PackagedParts, store_video, upload_size
from publisher.db import DatabaseError
from publisher.errors import UserError
from publisher.models import Episode, utcnow
from publisher.services import Services


def store_and_record(
    services: Services,
    draft: EpisodeDraft,
    inputs: Inputs,
    placement: Placement,
    guid: str,
    tagged: TaggedStream,
    progress: UploadProgress | None,
    parts: PackagedParts | None = None,
) -> Episode:
    """Upload the tagged audio, artwork, transcript and video, then insert the row; undo
    on failure."""
    assert inputs.audio is not None
    with Uploads(services.storage) as uploads:
        try:
            if progress is not None:
                progress.begin(tagged.size + upload_size(parts))
            advance = progress.advance if progress else None
            keys = _upload(uploads, inputs, guid, tagged, advance)
            video = store_video(uploads, parts, advance) if parts else {}
        except StorageError as exc:
            raise StorageError(
                f"upload failed, nothing was published ({exc}); run the command again"
            ) from exc
        episode = Episode(
            guid=guid,
            imported_guid=draft.imported_guid,
            season_id=placement.season_id,
            number=placement.number,
            title=draft.title.strip(),
            description=draft.description,
            episode_type=draft.episode_type,
            publish_at=draft.publish_at or utcnow(),
            teaser=draft.teaser,
            size=tagged.size,
            duration=inputs.audio.duration,
            mime=inputs.audio.mime,
            bitrate=inputs.audio.bitrate,
            sample_rate=inputs.audio.sample_rate,
            chapters=[c.as_json() for c in inputs.chapters] or None,
            transcript_mime=inputs.transcript.mime if inputs.transcript else None,
            **keys,
            **video,
        )
        _record(services, episode, draft)
    return episode


def _upload(
    uploads: Uploads,
    inputs: Inputs,
    guid: str,
    tagged: TaggedStream,
    advance: ProgressCallback | None,
) -> dict[str, str | None]:
    """Store the audio (under a fresh key, see the module's docstring) and extras."""
    keys: dict[str, str | None] = {"image_key": None, "transcript_key": None}
    assert inputs.audio is not None
    keys["audio_key"] = uploads.put_stream(
        f"audio/{secrets.token_hex(8)}/{guid}.{inputs.audio.extension}",
        tagged,
        inputs.audio.mime,
        advance,
    )
    if inputs.image is not None:
        key = artwork_key(inputs.image.data, inputs.image.extension)
        keys["image_key"] = uploads.put_shared(key, inputs.image.data, inputs.image.mime)
    if inputs.transcript is not None:
        key = f"transcripts/{guid}.{inputs.transcript.extension}"
        keys["transcript_key"] = uploads.put_bytes(
            key, inputs.transcript.data, inputs.transcript.mime
        )
    return keys


def _record(services: Services, episode: Episode, draft: EpisodeDraft) -> None:
    """Insert the episode and invalidate its season's feeds in one transaction.

    A season's first episode also queues its "new season" email to every member who can
    hear it, in the same transaction (`publisher.catalog.episodes.go_live`).
    """
    try:
        with services.db.session() as session:
            go_live(session, services.config, episode, announce=draft.announce)
    except IntegrityError as exc:
        if draft.imported_guid is not None and _imported(services, draft.imported_guid):
            raise UserError(
                f"the episode with GUID {draft.imported_guid!r} was imported meanwhile by "
                "another run: nothing was published twice"
            ) from exc
        raise UserError(
            f"season {draft.season!r} got an episode {episode.number} while this one was "
            "uploading: nothing was published; choose another --number"
        ) from exc
    except SQLAlchemyError as exc:
        said = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise DatabaseError(
            f"could not record the episode ({said[0] if said else type(exc).__name__}); "
            "its uploads were removed, so run the command again"
        ) from exc


def _imported(services: Services, imported_guid: str) -> bool:
    with services.db.session() as session:
        found = select(Episode.id).where(Episode.imported_guid == imported_guid)
        return session.scalar(found) is not None
