"""Publishing an episode: all or nothing.

The order is what makes it safe. Everything that can be refused (the audio, chapters,
transcript, artwork, the season, the episode number) is checked before anything is
stored; then the tagged audio is streamed into the store and the episode row is inserted
in one transaction. If any step after the first upload fails, every object this publish
stored is deleted again, so the producer can simply run the command again.

An MP3 is never copied: its new tag and the upload's untouched frames are streamed
straight into the store (`audio.tagging.tagged_stream`, `audio.streaming_upload`), in one
pass over the file, each S3 part with its CRC32 (read from the page cache just before the
part is sent), which the store checks. The key is
`audio/<16 random hex digits>/<guid>.<ext>`: new for every upload, so a cached copy of an
old object is never mistaken for a new one, and known before the first byte is read (a key
naming the content's hash meant reading the whole file once before uploading it). The
upload is only completed if the source did not change meanwhile (size, modification time
and inode, `TaggedStream.check_unchanged`). The store's client (boto3 takes a moment to
import) starts in the background while the inputs are checked. M4A and Ogg are tagged in a
copy in a temporary folder (mutagen rewrites their atoms and pages in place), removed on
every exit path, Ctrl-C and SIGTERM included.
"""

from __future__ import annotations

import secrets
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from audio.artwork import Artwork, check_artwork, read_artwork
from audio.chapters import Chapter, read_chapters
from audio.probe import AudioInfo, probe_audio
from audio.storage import Storage, StorageError
from audio.streaming_upload import start_storage
from audio.tagged_stream import TaggedStream, file_fingerprint
from audio.tagging import EpisodeTags, tagged_stream, write_tagged_copy
from audio.transcripts import Transcript, read_transcript
from feeds.notes import notes_text
from publisher.catalog.catalog import (
    episode_status,
    get_season,
    get_show,
    refusals,
    season_has_episodes,
)
from publisher.catalog.field_limits import check_number, check_text
from publisher.catalog.uploads import Uploads, artwork_key
from publisher.db import DatabaseError
from publisher.errors import UserError
from publisher.listening.invalidation import season_changed
from publisher.models import Episode, Season, new_guid, utcnow
from publisher.services import Services

# Apple's itunes:episodeType values:
# https://help.apple.com/itc/podcasts_connect/#/itcb54353390
EPISODE_TYPES = ("full", "trailer", "bonus")


class UploadProgress(Protocol):
    """Told how the audio upload goes (the CLI draws a progress bar with it)."""

    def begin(self, total: int) -> None: ...

    def advance(self, done: int) -> None: ...


@dataclass(frozen=True)
class EpisodeDraft:
    """What the producer asked to publish."""

    season: str
    audio: Path
    title: str
    number: int | None = None
    description: str = ""
    chapters: Path | None = None
    transcript: Path | None = None
    image: Path | None = None
    teaser: bool = False
    publish_at: datetime | None = None
    episode_type: str = "full"
    # An episode moved in from another feed keeps the GUID apps know it by, and keeps no
    # number if it had none (a new episode without --number takes the season's next one).
    imported_guid: str | None = None
    auto_number: bool = True
    # A season's first episode emails members "a new season is out"; an import does not.
    announce: bool = True


@dataclass(frozen=True)
class Inputs:
    """The draft's files, read and checked before anything is stored."""

    audio: AudioInfo
    chapters: list[Chapter] = field(default_factory=list)
    transcript: Transcript | None = None
    image: Artwork | None = None


@dataclass(frozen=True)
class Placement:
    """Where the episode goes, worked out from the database before any upload."""

    season_id: int
    number: int | None
    tags: EpisodeTags


def publish_episode(
    services: Services, draft: EpisodeDraft, progress: UploadProgress | None = None
) -> dict[str, Any]:
    """Tag, store and record one episode; return what `episode publish --json` prints."""
    draft = _checked(draft)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lovetv-store") as pool:
        storage_ready = pool.submit(start_storage, services.storage)
        inputs = read_inputs(draft)
        with services.db.session() as session:
            placement = _place(session, services.storage, draft, inputs)
        guid = new_guid()
        with tempfile.TemporaryDirectory(prefix="lovetv-publish-") as workdir:
            with refusals():
                tagged, inputs = _tagged(draft.audio, Path(workdir), inputs, placement.tags)
            storage_ready.result()
            episode = _store_and_record(services, draft, inputs, placement, guid, tagged, progress)
    return _summary(episode, draft.season)


def _tagged(
    source: Path, workdir: Path, inputs: Inputs, tags: EpisodeTags
) -> tuple[TaggedStream, Inputs]:
    """The bytes to store, as a stream, and the inputs describing them.

    MP3: the new tag, then the source's frames; the tag changes no frame, so the probe of
    the source describes the stored audio. M4A and Ogg: a tagged copy in `workdir`
    (mutagen edits MP4 atoms and Ogg pages in place), probed again.
    """
    if inputs.audio.format == "mp3":
        return tagged_stream(source, inputs.audio, tags), inputs
    copy = workdir / f"episode.{inputs.audio.extension}"
    write_tagged_copy(source, copy, inputs.audio, tags)
    stream = TaggedStream(b"", copy, 0, copy.stat().st_size, file_fingerprint(copy))
    return stream, replace(inputs, audio=probe_audio(copy))


def _checked(draft: EpisodeDraft) -> EpisodeDraft:
    if not draft.title.strip():
        raise UserError("an episode needs a title (--title)")
    if draft.episode_type not in EPISODE_TYPES:
        raise UserError(
            f"unknown episode type {draft.episode_type!r} (use {', '.join(EPISODE_TYPES)})"
        )
    if draft.number is not None and draft.number < 1:
        raise UserError("episode numbers start at 1 (--number)")
    check_number(draft.number, "the episode number", "--number")
    check_text(draft.title.strip(), Episode, "title", "the title", "--title")
    check_text(draft.description, Episode, "description", "the show notes", "--description/--notes")
    if draft.publish_at is not None:
        # A time without an offset is taken as UTC; every time is stored in UTC.
        when = draft.publish_at
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        return replace(draft, publish_at=when)
    return draft


def read_inputs(draft: EpisodeDraft) -> Inputs:
    """Probe the audio and read chapters, transcript and artwork; refuse what is unusable."""
    with refusals():
        audio = probe_audio(draft.audio)
        return Inputs(
            audio=audio,
            chapters=read_chapters(draft.chapters, audio.duration) if draft.chapters else [],
            transcript=read_transcript(draft.transcript) if draft.transcript else None,
            image=read_artwork(draft.image) if draft.image else None,
        )


def _place(session: Session, storage: Storage, draft: EpisodeDraft, inputs: Inputs) -> Placement:
    """Find the season, settle the episode number and gather the show's details for tags."""
    show = get_show(session)
    season = get_season(session, draft.season)
    number = draft.number
    if number is None and draft.episode_type == "full" and draft.auto_number:
        highest = session.scalar(
            select(func.max(Episode.number)).where(Episode.season_id == season.id)
        )
        number = (highest or 0) + 1
    elif number is not None:
        _refuse_taken_number(session, season, number)
    cover = inputs.image or _stored_cover(storage, season.image_key or show.image_key)
    tags = EpisodeTags(
        title=draft.title.strip(),
        artist=show.author or show.title,
        album=f"{show.title} - {season.title}",
        released=draft.publish_at or utcnow(),
        track=number,
        description=notes_text(draft.description),  # the feed's clean text, not the Markdown
        cover=cover,
        chapters=tuple(inputs.chapters),
    )
    return Placement(season_id=season.id, number=number, tags=tags)


def _refuse_taken_number(session: Session, season: Season, number: int) -> None:
    taken = session.scalar(
        select(Episode).where(Episode.season_id == season.id, Episode.number == number)
    )
    if taken is not None:
        raise UserError(
            f"season {season.slug!r} already has episode {number} ({taken.title!r}): "
            "choose another --number"
        )


def _stored_cover(storage: Storage, key: str | None) -> Artwork | None:
    """The season's or show's artwork, to embed when the episode brings none of its own."""
    if key is None:
        return None
    try:
        return check_artwork(storage.get_bytes(key), key)
    except (FileNotFoundError, ValueError):
        return None  # a missing or changed image must not stop a publish


def _store_and_record(
    services: Services,
    draft: EpisodeDraft,
    inputs: Inputs,
    placement: Placement,
    guid: str,
    tagged: TaggedStream,
    progress: UploadProgress | None,
) -> Episode:
    """Upload the tagged audio, artwork and transcript, then insert the row; undo on failure."""
    with Uploads(services.storage) as uploads:
        try:
            keys = _upload(uploads, inputs, guid, tagged, progress)
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
        )
        _record(services, episode, draft)
    return episode


def _upload(
    uploads: Uploads,
    inputs: Inputs,
    guid: str,
    tagged: TaggedStream,
    progress: UploadProgress | None,
) -> dict[str, str | None]:
    """Store the audio (under a fresh key, see the module's docstring) and extras."""
    keys: dict[str, str | None] = {"image_key": None, "transcript_key": None}
    if progress is not None:
        progress.begin(tagged.size)
    keys["audio_key"] = uploads.put_stream(
        f"audio/{secrets.token_hex(8)}/{guid}.{inputs.audio.extension}",
        tagged,
        inputs.audio.mime,
        progress.advance if progress else None,
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
    hear it, in the same transaction (`publisher.members.season_news`, imported only then:
    it brings the mail templates, which every other publish does without).
    """
    try:
        with services.db.session() as session:
            first = not season_has_episodes(session, episode.season_id)
            session.add(episode)
            session.flush()
            season_changed(session, episode.season_id)
            if first and draft.announce:
                from publisher.members.season_news import announce_season

                season = session.get_one(Season, episode.season_id)
                announce_season(session, services.config, season, episode.publish_at)
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
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise DatabaseError(
            f"could not record the episode ({first[0] if first else type(exc).__name__}); "
            "its uploads were removed, so run the command again"
        ) from exc


def _imported(services: Services, imported_guid: str) -> bool:
    with services.db.session() as session:
        found = select(Episode.id).where(Episode.imported_guid == imported_guid)
        return session.scalar(found) is not None


def _summary(episode: Episode, season: str) -> dict[str, Any]:
    """The contract's JSON keys first (guid, season, title, audio_key, mime, size, duration,
    teaser), then more that producers find useful."""
    return {
        "guid": episode.guid,
        "season": season,
        "title": episode.title,
        "audio_key": episode.audio_key,
        "mime": episode.mime,
        "size": episode.size,
        "duration": episode.duration,
        "teaser": episode.teaser,
        "number": episode.number,
        "episode_type": episode.episode_type,
        "publish_at": episode.publish_at.isoformat(),
        "status": episode_status(episode),
        "bitrate": episode.bitrate,
        "sample_rate": episode.sample_rate,
        "image_key": episode.image_key,
        "transcript_key": episode.transcript_key,
        "transcript_mime": episode.transcript_mime,
        "chapters": len(episode.chapters or []),
        "imported_guid": episode.imported_guid,
    }
