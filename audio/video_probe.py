"""What an uploaded video really is, read with PyAV (FFmpeg), or why it cannot be published.

Probing comes first, as in PeerTube's ffmpeg package: the container is told apart by its
first bytes, then FFmpeg names the streams, and one pass over the packets (no decoding)
proves the file holds the duration it declares. Members' apps and browsers play H.264 and
HEVC with AAC sound in MP4: anything else is refused in one line naming what to export
instead (Apple's guidance: https://podcasters.apple.com/support/893-audio-requirements and
its video requirements: MOV, MP4 and M4V with H.264 or HEVC).

`inspect_video` parses hostile input with FFmpeg, so the shell runs it in a child process
with time and memory bounds (`audio.video_jobs`); `looks_like_video` only reads atom
headers with mutagen and is safe anywhere.
"""

from __future__ import annotations

import struct
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mutagen.mp4 import Atoms

from audio.mp4_atoms import truncation

MIN_SECONDS = 1.0
# Bigger than any episode a show uploads (an hour of 1080p H.264 is 2-4 GB), small enough
# that a wrong file (a whole camera card) is refused before anything is uploaded.
MAX_VIDEO_BYTES = 8 * 1024**3
PLAYABLE_VIDEO = {"h264": "avc1", "hevc": "hvc1"}
_VIDEO_NAMES = {
    "vp9": "VP9",
    "vp8": "VP8",
    "av1": "AV1",
    "mpeg4": "MPEG-4 Part 2",
    "msmpeg4v3": "MPEG-4 Part 2 (DivX)",
    "mpeg2video": "MPEG-2",
    "mpeg1video": "MPEG-1",
    "prores": "ProRes",
    "mjpeg": "Motion JPEG",
    "dnxhd": "DNxHD",
    "theora": "Theora",
}
# ISO base media (MP4, M4V) and QuickTime (MOV) files start with one of these atoms.
_ISO_ATOMS = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")
EXPORT_HINT = "export H.264 (MP4) from your editor"
# A declared duration may exceed the packets' by an audio priming delay or a last frame.
_DURATION_SLACK = 1.0


class VideoError(ValueError):
    """The file cannot be published as a video; the message is one plain line."""


@dataclass(frozen=True)
class VideoInfo:
    """The facts about a source video that packaging, feeds and players need."""

    codec: str  # "h264" or "hevc"
    codec_tag: str  # the MP4 sample entry players expect: "avc1" or "hvc1"
    width: int
    height: int
    fps: float
    duration: float
    bitrate: int
    video_frames: int
    audio_codec: str  # "aac", or what packaging turns into AAC
    size: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def sniff_container(head: bytes, name: str) -> str | None:
    """ "iso" for MP4/M4V/MOV, None for no video container; refuses the ones we know but
    do not publish, naming the fix."""
    if head[4:8] in _ISO_ATOMS:
        return "iso"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        raise VideoError(f"{name} is a WebM/Matroska video: {EXPORT_HINT}")
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        raise VideoError(f"{name} is an AVI video: {EXPORT_HINT}")
    return None


def looks_like_video(path: Path) -> bool:
    """Whether `path` is an MP4/MOV with a video track (cover art is not a track).

    Reads only atom headers and each track's handler, so an M4A costs a few kilobytes and
    no FFmpeg; a WebM or AVI raises `VideoError` naming the fix.
    """
    with open(path, "rb") as fh:
        head = fh.read(16)
        if sniff_container(head, path.name) != "iso":
            return False
        check_atoms(path)  # a file cut short says so, whatever it holds
        try:
            atoms = Atoms(fh)
            tracks = atoms[b"moov"].findall(b"trak")
            for track in tracks:
                handler = track[b"mdia", b"hdlr"]
                ok, data = handler.read(fh)
                if ok and data[8:12] == b"vide":
                    return True
        except (KeyError, ValueError, struct.error, EOFError, OSError) as exc:
            if head[4:8] != b"ftyp":  # not an MP4 we can read: a MOV cut short, perhaps
                raise VideoError(f"{path.name} is damaged or truncated ({exc})") from None
            return False  # leave the audio inspector to explain an odd MP4
    return False


def check_atoms(path: Path) -> None:
    """An MP4 whose top-level atoms run past the end of the file lost its tail in transit."""
    cut = truncation(path)
    if cut is not None:
        raise VideoError(f"{path.name} is truncated: {cut}; copy or export it again")


def inspect_video(path: Path) -> VideoInfo:
    """Read and check a video with FFmpeg; raise `VideoError` for anything unpublishable.

    Run it bounded (`audio.video_jobs.inspect`): FFmpeg parses the whole file here.
    """
    import av

    name = path.name
    size = path.stat().st_size
    if size > MAX_VIDEO_BYTES:
        raise VideoError(_too_big(name, size))
    with open(path, "rb") as fh:
        sniff_container(fh.read(16), name)
    check_atoms(path)
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            video, audio = _streams(container, name)
            frames, seconds = _packet_span(container, video, audio)
            info = VideoInfo(
                codec=video.codec_context.name,
                codec_tag=PLAYABLE_VIDEO[video.codec_context.name],
                width=int(video.codec_context.width),
                height=int(video.codec_context.height),
                fps=float(video.average_rate or video.guessed_rate or 0),
                duration=seconds,
                bitrate=int(size * 8 / seconds) if seconds else 0,
                video_frames=frames,
                audio_codec=audio.codec_context.name,
                size=size,
            )
    except VideoError:
        raise
    except (av.FFmpegError, ValueError, IndexError, KeyError, OverflowError, EOFError) as exc:
        raise VideoError(f"{name} is damaged or truncated ({_reason(exc)})") from None
    if seconds < MIN_SECONDS or not info.width or not info.height:
        raise VideoError(f"{name} holds only {seconds:.2f}s of video: it is truncated or damaged")
    declared = declared_duration(path)
    if declared is not None and abs(declared - seconds) > max(_DURATION_SLACK, 0.02 * declared):
        raise VideoError(
            f"{name} declares {declared:.1f}s but holds {seconds:.1f}s of video: "
            "it is truncated or damaged; export it again"
        )
    return info


def _streams(container: Any, name: str) -> tuple[Any, Any]:
    """The first real video stream (not cover art) and the first audio stream."""
    videos = [
        s for s in container.streams.video if not (s.disposition & s.disposition.attached_pic)
    ]
    if not videos:
        raise VideoError(f"{name} has no video track (publish it as audio, or {EXPORT_HINT})")
    video = videos[0]
    codec = video.codec_context.name
    if codec not in PLAYABLE_VIDEO:
        label = _VIDEO_NAMES.get(codec, codec.upper())
        raise VideoError(f"{name} holds {label} video, which apps do not play: {EXPORT_HINT}")
    if not container.streams.audio:
        raise VideoError(
            f"{name} has no sound track: export it with its audio (AAC) so members can listen"
        )
    return video, container.streams.audio[0]


def _packet_span(container: Any, video: Any, audio: Any) -> tuple[int, float]:
    """Video packets counted and the last one's end, in seconds: what the file really holds."""
    frames, end = 0, 0.0
    start = float(video.start_time * video.time_base) if video.start_time else 0.0
    for packet in container.demux(video, audio):
        if packet.size == 0 or packet.pts is None or packet.stream.index != video.index:
            continue
        frames += 1
        finish = float((packet.pts + (packet.duration or 0)) * packet.time_base)
        end = max(end, finish - start)
    return frames, end


def declared_duration(path: Path) -> float | None:
    """The length the movie header (`mvhd`) declares: what apps show, and what FFmpeg
    quietly replaces with its sample tables' sum, so it is read here with mutagen."""
    with open(path, "rb") as fh:
        try:
            ok, data = Atoms(fh)[b"moov", b"mvhd"].read(fh)
        except (KeyError, ValueError, struct.error, EOFError):
            return None
    if not ok or len(data) < 20:
        return None
    if data[0] == 1:  # version 1: 64-bit times
        if len(data) < 32:
            return None
        timescale, duration = struct.unpack(">IQ", data[20:32])
    else:
        timescale, duration = struct.unpack(">II", data[12:20])
    return duration / timescale if timescale else None


def _too_big(name: str, size: int) -> str:
    return (
        f"{name} is {size / 1024**3:.1f} GB, over the {MAX_VIDEO_BYTES // 1024**3} GB a video "
        "may be: export it at a lower bitrate (1080p H.264 at 8 Mbps is 3.6 GB an hour)"
    )


def check_video_size(path: Path) -> None:
    """Refuse an oversized video from its size alone, before anything else is read."""
    size = path.stat().st_size
    if size > MAX_VIDEO_BYTES:
        raise VideoError(_too_big(path.name, size))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
