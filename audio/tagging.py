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
  frames (https://id3.org/id3v2-chapters-1.0), written in front of the upload's frames.
- M4A: iTunes-style MP4 atoms. mutagen cannot write MP4 chapters, so an M4A's chapters
  reach listeners through the feed's JSON chapters only.
- Ogg Opus and Vorbis: Vorbis comments, with chapters as CHAPTERxxx comments
  (https://wiki.xiph.org/Chapter_Extension) and the cover as METADATA_BLOCK_PICTURE.
"""

from __future__ import annotations

import base64
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from mutagen import id3
from mutagen.flac import Picture
from mutagen.id3._tags import save_frame  # one frame rendered; the order is ours
from mutagen.id3._util import ID3SaveConfig
from mutagen.mp4 import MP4, MP4Cover
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from audio.artwork import Artwork
from audio.chapters import Chapter, format_time
from audio.probe import AudioInfo
from audio.tagged_stream import TaggedStream, file_fingerprint

__all__ = ["EpisodeTags", "TaggedStream", "tag_video", "tagged_stream", "write_tagged_copy"]

GENRE = "Podcast"
CHUNK = 1024 * 1024
# iTunes media kind 21 is "Podcast".
MP4_MEDIA_KIND_PODCAST = 21


@dataclass(frozen=True)
class EpisodeTags:
    """What the tags say: the episode's own details and those of its show and season."""

    title: str
    artist: str
    album: str
    released: datetime
    track: int | None = None
    description: str = ""
    cover: Artwork | None = None
    chapters: tuple[Chapter, ...] = field(default_factory=tuple)


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
        _write_mp3(source, target, info, tags)
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


# --- MP3 -------------------------------------------------------------------------------


def _write_mp3(source: Path, target: Path, info: AudioInfo, tags: EpisodeTags) -> None:
    """The new ID3v2.4 tag, then the upload's MPEG frames without any of its old tags.

    Kept as written before streaming existed: it is the reference the streamed bytes are
    tested against, and `episode edit` re-tags stored audio with it.
    """
    start, end = mpeg_frames_range(source)
    with open(source, "rb") as src, open(target, "wb") as dst:
        dst.write(id3_tag_bytes(tags, info.duration))
        src.seek(start)
        remaining = end - start
        while remaining > 0:
            chunk = src.read(min(CHUNK, remaining))
            if not chunk:
                break
            dst.write(chunk)
            remaining -= len(chunk)


# Room left after the frames, so a later tag edit in place need not rewrite the audio.
ID3_PADDING = 1024


def id3_tag_bytes(tags: EpisodeTags, duration: float) -> bytes:
    """An ID3v2.4 tag as bytes, its frames in the order `_id3_frames` gives.

    mutagen renders each frame, but its own `save` sorts frames by size, which scrambles the
    CHAP frames (`chp0, chp4, chp1, …`): players that ignore the CTOC list chapters in file
    order. So the tag is assembled here: header, frames as given, padding.
    """
    config = ID3SaveConfig(4, "/")
    frames = b"".join(save_frame(frame, config=config) for frame in _id3_frames(tags, duration))
    size = len(frames) + ID3_PADDING
    syncsafe = bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x04\x00\x00" + syncsafe + frames + b"\x00" * ID3_PADDING


def _id3_frames(tags: EpisodeTags, duration: float) -> list[id3.Frame]:
    utf8 = id3.Encoding.UTF8
    when = id3.ID3TimeStamp(tags.released.strftime("%Y-%m-%dT%H:%M:%S"))
    frames: list[id3.Frame] = [
        id3.TIT2(encoding=utf8, text=tags.title),
        id3.TPE1(encoding=utf8, text=tags.artist),
        id3.TALB(encoding=utf8, text=tags.album),
        id3.TCON(encoding=utf8, text=GENRE),
        id3.TDRL(encoding=utf8, text=[when]),  # release time (ID3v2.4 section 4.2.5)
        id3.TDRC(encoding=utf8, text=[when]),  # most players show this one as the date
        id3.TLEN(encoding=utf8, text=str(round(duration * 1000))),
        id3.PCST(value=1),  # iTunes' podcast flag
    ]
    if tags.track is not None:
        frames.append(id3.TRCK(encoding=utf8, text=str(tags.track)))
    if tags.description:
        frames.append(id3.COMM(encoding=utf8, lang="eng", desc="", text=tags.description))
        frames.append(id3.TDES(encoding=utf8, text=tags.description))
    frames.extend(_id3_chapters(tags.chapters, duration))
    if tags.cover is not None:  # last: the largest frame, after what players read first
        frames.append(
            id3.APIC(
                encoding=utf8,
                mime=tags.cover.mime,
                type=id3.PictureType.COVER_FRONT,
                desc="Cover",
                data=tags.cover.data,
            )
        )
    return frames


def _id3_chapters(chapters: tuple[Chapter, ...], duration: float) -> list[id3.Frame]:
    """The top-level, ordered CTOC, then one CHAP frame per chapter in time order."""
    if not chapters:
        return []
    utf8 = id3.Encoding.UTF8
    ids = [f"chp{index}" for index in range(len(chapters))]
    ends = [c.start for c in chapters[1:]] + [duration]
    frames: list[id3.Frame] = [
        id3.CTOC(
            element_id="toc",
            flags=id3.CTOCFlags.TOP_LEVEL | id3.CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[id3.TIT2(encoding=utf8, text="Chapters")],
        )
    ]
    for element_id, chapter, end in zip(ids, chapters, ends, strict=True):
        sub_frames: list[id3.Frame] = [id3.TIT2(encoding=utf8, text=chapter.title)]
        if chapter.url:
            sub_frames.append(id3.WXXX(encoding=utf8, desc="", url=chapter.url))
        frames.append(
            id3.CHAP(
                element_id=element_id,
                start_time=round(chapter.start * 1000),
                end_time=round(end * 1000),
                # 0xFFFFFFFF: byte offsets unused, times decide (chapters spec 3.1).
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=sub_frames,
            )
        )
    return frames


def mpeg_frames_range(path: Path) -> tuple[int, int]:
    """Where an MP3's audio frames begin and end, past ID3v2, ID3v1 and APEv2 tags."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        start = 0
        while True:  # some encoders stack several ID3v2 tags
            fh.seek(start)
            header = fh.read(10)
            if len(header) < 10 or not header.startswith(b"ID3"):
                break
            body = sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(header[6:10]))
            footer = 10 if header[5] & 0x10 else 0
            start += 10 + body + footer
        end = size
        while True:  # ID3v1 and APEv2 tags can follow each other in either order
            trimmed = _trailing_tag_size(fh, start, end)
            if not trimmed:
                break
            end -= trimmed
    start = min(start, size)
    return start, max(start, min(end, size))


def _trailing_tag_size(fh: BinaryIO, start: int, end: int) -> int:
    """The size of an ID3v1 or APEv2 tag ending at `end`, or 0 when there is none."""
    if end - 128 >= start:
        fh.seek(end - 128)
        if fh.read(3) == b"TAG":
            return 128
    if end - 32 >= start:
        fh.seek(end - 32)
        footer = fh.read(32)
        if footer.startswith(b"APETAGEX"):
            tag_size = int.from_bytes(footer[12:16], "little")  # footer and items
            has_header = int.from_bytes(footer[20:24], "little") & 0x80000000
            return tag_size + (32 if has_header else 0)
    return 0


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
