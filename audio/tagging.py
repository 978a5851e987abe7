"""Write the tags podcast apps show into a copy of an episode's audio, with mutagen.

The upload's own tags are replaced, never merged, and its audio frames are copied byte for
byte. Files are streamed in chunks (mutagen moves data the same way), so a 500 MB episode
never sits in memory.

An MP3 needs no tagged copy at all: `tagged_stream` describes the stored file as the new
tag followed by a byte range of the upload, which the publisher streams straight into the
store (one read of the audio, no temporary file). M4A and Ogg keep the copy: mutagen
rewrites MP4 atoms (and their chunk offsets) and Ogg pages (and their checksums) in place,
so their tagged bytes only exist once the copy is written.

- MP3: one ID3v2.4 tag (https://id3.org/id3v2.4.0-frames) with chapters as CHAP and CTOC
  frames (https://id3.org/id3v2-chapters-1.0), written in front of the upload's frames
  (`audio.id3_tags`).
- M4A: iTunes-style MP4 atoms. mutagen cannot write MP4 chapters, so an M4A's chapters
  reach listeners through the feed's JSON chapters only.
- Ogg Opus and Vorbis: Vorbis comments, with chapters as CHAPTERxxx comments
  (https://wiki.xiph.org/Chapter_Extension) and the cover as METADATA_BLOCK_PICTURE.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from typing import Any

from mutagen import id3
from mutagen.flac import Picture
from mutagen.mp4 import MP4, MP4Cover
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from audio.artwork import Artwork
from audio.chapters import format_time
from audio.episode_tags import GENRE, EpisodeTags
from audio.id3_tags import id3_tag_bytes, mpeg_frames_range, write_mp3
from audio.probe import AudioInfo
from audio.tagged_stream import TaggedStream, file_fingerprint

__all__ = [
    "EpisodeTags",
    "TaggedStream",
    "mpeg_frames_range",
    "tag_video",
    "tagged_stream",
    "write_tagged_copy",
]

# iTunes media kind 21 is "Podcast".
MP4_MEDIA_KIND_PODCAST = 21


def tagged_stream(source: Path, info: AudioInfo, tags: EpisodeTags) -> TaggedStream:
    """An MP3 with `tags` as its only tag, without writing it anywhere (see the module doc)."""
    if info.format != "mp3":
        raise ValueError(f"only MP3 streams without a copy, not {info.format}")
    fingerprint = file_fingerprint(source)
    start, end = mpeg_frames_range(source)
    return TaggedStream(id3_tag_bytes(tags, info.duration), source, start, end, fingerprint)


def write_tagged_copy(source: Path, target: Path, info: AudioInfo, tags: EpisodeTags) -> None:
    """Write `source` to `target` with `tags` as its only tags; `source` is left alone."""
    if info.format == "mp3":
        write_mp3(source, target, info, tags)
    elif info.format == "m4a":
        shutil.copyfile(source, target)
        _tag_mp4(target, tags)
    else:
        shutil.copyfile(source, target)
        _tag_ogg(target, info, tags)


def tag_video(path: Path, tags: EpisodeTags) -> None:
    """Tag a video episode's MP4 in place, as an M4A episode is tagged (a copy made by the
    packager, never the producer's file)."""
    _tag_mp4(path, tags)


# --- M4A -------------------------------------------------------------------------------


def _tag_mp4(path: Path, tags: EpisodeTags) -> None:
    """Replace the copy's iTunes metadata atoms; mutagen rewrites the index in place."""
    audio = MP4(path)
    if audio.tags is None:
        audio.add_tags()
    audio.tags.clear()  # type: ignore[attr-defined]  # mutagen types `tags` as None
    values: dict[str, list[Any] | bool] = {
        "\xa9nam": [tags.title],
        "\xa9ART": [tags.artist],
        "aART": [tags.artist],
        "\xa9alb": [tags.album],
        "\xa9gen": [GENRE],
        "\xa9day": [tags.released.strftime("%Y-%m-%dT%H:%M:%SZ")],
        "pcst": True,
        "stik": [MP4_MEDIA_KIND_PODCAST],
    }
    if tags.track is not None:
        values["trkn"] = [(tags.track, 0)]
    if tags.description:
        values["\xa9cmt"] = [tags.description]
        values["desc"] = [tags.description[:255]]  # iTunes' short description
        values["ldes"] = [tags.description]
    if tags.cover is not None:
        kind = MP4Cover.FORMAT_PNG if tags.cover.mime == "image/png" else MP4Cover.FORMAT_JPEG
        values["covr"] = [MP4Cover(tags.cover.data, imageformat=kind)]
    audio.tags.update(values)  # type: ignore[attr-defined]  # as above
    audio.save()


# --- Ogg ---------------------------------------------------------------------------------


def _tag_ogg(path: Path, info: AudioInfo, tags: EpisodeTags) -> None:
    """Replace the copy's Vorbis comments."""
    audio = OggOpus(path) if info.format == "opus" else OggVorbis(path)
    audio.tags.clear()  # type: ignore[attr-defined]  # mutagen types `tags` as None
    comments: dict[str, list[str]] = {
        "TITLE": [tags.title],
        "ARTIST": [tags.artist],
        "ALBUM": [tags.album],
        "GENRE": [GENRE],
        "DATE": [tags.released.strftime("%Y-%m-%dT%H:%M:%S")],
    }
    if tags.track is not None:
        comments["TRACKNUMBER"] = [str(tags.track)]
    if tags.description:
        comments["DESCRIPTION"] = [tags.description]
        comments["COMMENT"] = [tags.description]
    if tags.cover is not None:
        comments["METADATA_BLOCK_PICTURE"] = [_flac_picture(tags.cover)]
    for index, chapter in enumerate(tags.chapters, start=1):
        comments[f"CHAPTER{index:03d}"] = [_chapter_time(chapter.start)]
        comments[f"CHAPTER{index:03d}NAME"] = [chapter.title]
    for key, value in comments.items():
        audio.tags[key] = value  # type: ignore[index]  # as above
    audio.save()


def _flac_picture(cover: Artwork) -> str:
    picture = Picture()
    picture.type = id3.PictureType.COVER_FRONT
    picture.mime = cover.mime
    picture.desc = "Cover"
    picture.width, picture.height = cover.width, cover.height
    picture.depth = 24
    picture.data = cover.data
    return base64.b64encode(picture.write()).decode("ascii")


def _chapter_time(seconds: float) -> str:
    text = format_time(seconds)
    return text if "." in text else f"{text}.000"
