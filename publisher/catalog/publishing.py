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

A video (the main file, or `--video` beside a studio mix) goes through the same steps with
more files: it is inspected with the other inputs, packaged into a fast-start MP4 and HLS
renditions (and, without a mix, the M4A of its sound) before any upload, and its files are
stored and undone with the audio's (`publisher.catalog.video`).
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audio.artwork import read_artwork
from audio.chapters import read_chapters
from audio.probe import probe_audio
from audio.storage import Storage
from audio.streaming_upload import start_storage
from audio.tagged_stream import TaggedStream, file_fingerprint
from audio.tagging import EpisodeTags, tagged_stream, write_tagged_copy
from audio.transcripts import read_transcript
from feeds.notes import notes_text
from publisher.catalog.drafts import (
    EpisodeDraft,
    Inputs,
    Placement,
    UploadProgress,
    check_episode_fields,
    in_utc,
    refuse_taken_number,
    stored_cover,
)
from publisher.catalog.episodes import EpisodeSummary
from publisher.catalog.publish_storing import store_and_record
from publisher.catalog.refusals import refusals
from publisher.catalog.seasons import get_season
from publisher.catalog.show import get_show
from publisher.catalog.video import (
    check_same_length,
    package_parts,
    tag_packaged,
    video_source,
)
from publisher.errors import UserError
from publisher.models import Episode, new_guid, utcnow
from publisher.services import Services


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
            audio, parts = draft.audio, None
            if inputs.video is not None:
                parts = package_parts(inputs.video, Path(workdir), guid, draft.renditions)
                tag_packaged(parts, placement.tags)
                audio = parts.audio_path or audio
            with refusals():
                if inputs.audio is None:
                    inputs = replace(inputs, audio=probe_audio(audio))
                tagged, inputs = _tagged(audio, Path(workdir), inputs, placement.tags)
            storage_ready.result()
            episode = store_and_record(
                services, draft, inputs, placement, guid, tagged, progress, parts
            )
    return EpisodeSummary.of(episode, draft.season).as_json()


def _tagged(
    source: Path, workdir: Path, inputs: Inputs, tags: EpisodeTags
) -> tuple[TaggedStream, Inputs]:
    """The bytes to store, as a stream, and the inputs describing them.

    MP3: the new tag, then the source's frames; the tag changes no frame, so the probe of
    the source describes the stored audio. M4A and Ogg: a tagged copy in `workdir`
    (mutagen edits MP4 atoms and Ogg pages in place), probed again.
    """
    assert inputs.audio is not None
    if inputs.audio.format == "mp3":
        return tagged_stream(source, inputs.audio, tags), inputs
    copy = workdir / f"episode.{inputs.audio.extension}"
    write_tagged_copy(source, copy, inputs.audio, tags)
    stream = TaggedStream(b"", copy, 0, copy.stat().st_size, file_fingerprint(copy))
    return stream, replace(inputs, audio=probe_audio(copy))


def _checked(draft: EpisodeDraft) -> EpisodeDraft:
    check_episode_fields(draft.title, draft.description, draft.episode_type, draft.number)
    if draft.renditions and draft.video is None and not _is_video(draft.audio):
        raise UserError("--renditions is for videos: publish a video (or give one with --video)")
    return replace(draft, publish_at=in_utc(draft.publish_at))


def read_inputs(draft: EpisodeDraft) -> Inputs:
    """Probe the audio (and video) and read chapters, transcript and artwork; refuse what
    is unusable."""
    video = video_source(draft.audio, draft.video, draft.renditions)
    with refusals():
        audio = None if video is not None and video.gives_audio else probe_audio(draft.audio)
        if audio is not None and video is not None:
            check_same_length(audio.duration, video)
        duration = video.info.duration if audio is None and video else audio.duration  # type: ignore[union-attr]  # no audio only when the video has it
        return Inputs(
            audio=audio,
            chapters=read_chapters(draft.chapters, duration) if draft.chapters else [],
            transcript=read_transcript(draft.transcript) if draft.transcript else None,
            image=read_artwork(draft.image) if draft.image else None,
            video=video,
        )


def _is_video(path: Path) -> bool:
    from publisher.catalog.video import looks_like_a_video

    return looks_like_a_video(path)


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
        refuse_taken_number(session, season, number)
    cover = inputs.image or stored_cover(storage, season.image_key or show.image_key)
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
