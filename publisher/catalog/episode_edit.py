"""Editing a published episode in place: same GUID, new details, freshly tagged audio.

Apps know an episode by its GUID, so an edit keeps it (listeners keep their place) and
changes everything else. The stored audio is re-tagged so its ID3/MP4/Vorbis tags match
the new details: a new object is uploaded under the tagged copy's content hash, the row
is switched to it in one transaction with the feeds' invalidation, and only then is the
old object deleted. A failure before the switch deletes what this edit uploaded, so the
old episode keeps playing untouched; `--audio` replaces the file the same way, and
`--video` adds or replaces the episode's video (its MP4 and HLS, packaged as a publish does;
`publisher.catalog.video`), deleting the replaced video's objects after the switch.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from audio.artwork import read_artwork
from audio.chapters import Chapter, read_chapters
from audio.probe import AudioInfo, probe_audio
from audio.storage import StorageError
from audio.tagging import EpisodeTags, write_tagged_copy
from audio.transcripts import read_transcript
from feeds.notes import notes_text
from publisher.catalog.drafts import (
    EditInputs,
    EpisodeEdit,
    check_episode_fields,
    in_utc,
    refuse_taken_number,
    stored_cover,
)
from publisher.catalog.edit_storing import (
    delete_keys,
    delete_replaced,
    record_edit,
    upload_edit,
)
from publisher.catalog.episodes import EpisodeSummary, find_episode
from publisher.catalog.refusals import refusals
from publisher.catalog.show import get_show
from publisher.catalog.uploads import Uploads
from publisher.catalog.video import (
    PackagedParts,
    check_same_length,
    package_parts,
    store_video,
    stored_video_keys,
    tag_packaged,
    video_source,
)
from publisher.errors import UserError
from publisher.models import Episode, Season
from publisher.services import Services


def edit_episode(services: Services, guid: str, edit: EpisodeEdit) -> dict[str, Any]:
    """Apply `edit` to the episode `guid`; what `episode edit --json` prints."""
    edit = _checked(edit)
    with services.db.session() as session:
        episode = _episode(session, guid)
        _check_unpublished(episode, edit)
        inputs = _read(edit, episode)
        _check_number(session, episode, edit)
        tags = _tags(session, services, episode, edit, inputs)
        season_slug = session.get_one(Season, episode.season_id).slug
        current = {"audio_key": episode.audio_key, "transcript_key": episode.transcript_key}
        old_video = stored_video_keys(episode.video, episode.video_key) if inputs.video else []
    with tempfile.TemporaryDirectory(prefix="lovetv-edit-") as workdir:
        parts = _packaged(inputs, episode, edit, Path(workdir))
        source, info = _source_audio(services, episode, edit, inputs, Path(workdir))
        tagged = Path(workdir) / f"tagged.{info.extension}"
        with refusals():
            write_tagged_copy(source, tagged, info, tags)
            tagged_info = probe_audio(tagged)
        with Uploads(services.storage) as uploads:
            keys = upload_edit(uploads, episode, tagged, tagged_info, inputs)
            video = _store_video(uploads, parts, tags)
            edited = record_edit(
                services, episode.id, edit, inputs, tagged_info, tagged, keys, video
            )
    delete_replaced(services, current, edited)
    delete_keys(services, old_video)
    return EpisodeSummary.of(edited, season_slug).as_json()


def _checked(edit: EpisodeEdit) -> EpisodeEdit:
    if edit.renditions and edit.video is None:
        raise UserError("--renditions comes with the video it is made from: add --video FILE")
    if edit.is_empty():
        raise UserError("nothing to change: give at least one option (lovetv episode edit --help)")
    check_episode_fields(edit.title, edit.description, edit.episode_type, edit.number)
    return replace(edit, publish_at=in_utc(edit.publish_at))


def _episode(session: Session, guid: str) -> Episode:
    episode = find_episode(session, guid)
    session.expunge(episode)
    return episode


def _check_unpublished(episode: Episode, edit: EpisodeEdit) -> None:
    """A new publish time never brings an unpublished episode back: republish does that."""
    if edit.republish and episode.unpublished_at is None:
        raise UserError(
            f"episode {episode.guid} is not unpublished: "
            f"lovetv episode edit {episode.guid} --publish-at WHEN reschedules it"
        )
    if not edit.republish and edit.publish_at is not None and episode.unpublished_at:
        raise UserError(
            f"episode {episode.guid} is unpublished, so a publish time alone would not put it "
            f"back: run lovetv episode republish {episode.guid} --publish-at WHEN"
        )


def _read(edit: EpisodeEdit, episode: Episode) -> EditInputs:
    """Probe new audio and read chapters, transcript and artwork; refuse what is unusable."""
    video = None
    if edit.video is not None:
        video = video_source(edit.audio, edit.video, edit.renditions)
    with refusals():
        audio = probe_audio(edit.audio) if edit.audio else None
        duration = audio.duration if audio else episode.duration
        if video is not None:
            check_same_length(duration, video)
        return EditInputs(
            audio=audio,
            chapters=read_chapters(edit.chapters, duration) if edit.chapters else None,
            transcript=read_transcript(edit.transcript) if edit.transcript else None,
            image=read_artwork(edit.image) if edit.image else None,
            video=video,
        )


def _packaged(
    inputs: EditInputs, episode: Episode, edit: EpisodeEdit, workdir: Path
) -> PackagedParts | None:
    """The new video's MP4 and HLS, made before anything is uploaded."""
    if inputs.video is None:
        return None
    return package_parts(inputs.video, workdir, episode.guid, edit.renditions)


def _store_video(
    uploads: Uploads, parts: PackagedParts | None, tags: EpisodeTags
) -> dict[str, Any]:
    if parts is None:
        return {}
    tag_packaged(parts, tags)
    try:
        return store_video(uploads, parts)
    except StorageError as exc:
        raise StorageError(
            f"upload failed, the episode was not changed ({exc}); run the command again"
        ) from exc


def _check_number(session: Session, episode: Episode, edit: EpisodeEdit) -> None:
    if edit.number is None or edit.number == episode.number:
        return
    season = session.get_one(Season, episode.season_id)
    refuse_taken_number(session, season, edit.number, episode.id)


def _tags(
    session: Session, services: Services, episode: Episode, edit: EpisodeEdit, inputs: EditInputs
) -> EpisodeTags:
    """The tags the stored audio should carry after the edit."""
    show = get_show(session)
    season = session.get_one(Season, episode.season_id)
    image_key = episode.image_key or season.image_key or show.image_key
    cover = inputs.image or stored_cover(services.storage, image_key)
    stored = [Chapter(c["startTime"], c["title"], c.get("url")) for c in episode.chapters or []]
    return EpisodeTags(
        title=(edit.title or episode.title).strip(),
        artist=show.author or show.title,
        album=f"{show.title} - {season.title}",
        released=edit.publish_at or episode.publish_at,
        track=edit.number if edit.number is not None else episode.number,
        description=notes_text(
            edit.description if edit.description is not None else episode.description
        ),
        cover=cover,
        chapters=tuple(inputs.chapters if inputs.chapters is not None else stored),
    )


def _source_audio(
    services: Services, episode: Episode, edit: EpisodeEdit, inputs: EditInputs, workdir: Path
) -> tuple[Path, AudioInfo]:
    """The audio to tag: the new file, or the stored one (copied here when not local)."""
    if edit.audio is not None and inputs.audio is not None:
        return edit.audio, inputs.audio
    path = services.storage.local_path(episode.audio_key)
    if path is None or not path.is_file():
        path = workdir / f"stored.{episode.audio_key.rsplit('.', 1)[-1]}"
        try:
            path.write_bytes(services.storage.get_bytes(episode.audio_key))
        except FileNotFoundError:
            raise UserError(
                f"the stored audio {episode.audio_key} is missing: pass --audio FILE"
            ) from None
    with refusals():
        return path, probe_audio(path)
