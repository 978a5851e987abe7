"""From one source video, the files members' apps and browsers play, made with PyAV.

As PeerTube's ffmpeg builders do, streams are copied whenever they can be and encoded only
when they must be:
- the audio enclosure: the sound as an M4A (AAC copied; other sound encoded to AAC);
- a progressive MP4 with its `moov` atom first ("fast start": cameras write it last, and a
  player must then fetch the whole file before the first frame);
- HLS: per rendition, one media playlist of about 4-second fMP4 segments kept in a single
  file addressed by byte ranges (`hls_flags single_file`, `EXT-X-BYTERANGE`): one object per
  rendition in the store, served by the same member-checked, Range-serving route as audio.
  The first rendition is the source remuxed; lower ones (`--renditions 720,360`) are
  encoded from it with libx264.
- a poster: a JPEG of the frame a tenth of the way in, for players before they start.

Everything is streamed packet by packet, so memory does not grow with the file. The shell
runs this in a bounded child process (`audio.video_jobs`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

from audio.video_probe import VideoInfo

SEGMENT_SECONDS = 4
AUDIO_BITRATE = 128_000
# The lowest renditions re-encode their sound this small, so the whole stream stays near
# Apple's 192 kbps floor for cellular.
CELLULAR_AUDIO_BITRATE = 48_000
CELLULAR_VIDEO_BITRATE = 400_000
# Video bitrates of the lower renditions, after Apple's HLS authoring table
# (https://developer.apple.com/documentation/http-live-streaming/hls-authoring-specification-for-apple-devices):
# the smallest stays at or below 192 kbps in all for phones on cellular.
RENDITION_BITRATES = {1080: 6_000_000, 720: 3_000_000, 540: 2_000_000, 480: 1_100_000,
                      360: 730_000, 240: 365_000, 234: 140_000, 144: 100_000}  # fmt: skip
LOWEST_RENDITION = 144
_BYTERANGE = re.compile(r"#EXT-X-BYTERANGE:(\d+)")
_EXTINF = re.compile(r"#EXTINF:([\d.]+)")


@dataclass(frozen=True)
class Rendition:
    """One HLS rendition: its playlist and segment file, and what a multivariant names."""

    height: int
    width: int
    bandwidth: int  # peak bits per second over one segment (EXT-X-STREAM-INF BANDWIDTH)
    average_bandwidth: int
    codecs: str  # RFC 6381, e.g. "avc1.64001f,mp4a.40.2"
    playlist: str  # file name, e.g. "<name>.hls.720.m3u8"
    segments: str  # the single segment file it addresses by byte ranges

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PackagedVideo:
    """The files made in the work folder, by name."""

    mp4: str
    audio: str | None
    renditions: tuple[Rendition, ...]
    poster: str | None = None  # a still of the video, for players before they start


def package_video(
    source: Path,
    workdir: Path,
    name: str,
    info: VideoInfo,
    renditions: tuple[int, ...] = (),
    audio: bool = True,
) -> PackagedVideo:
    """Make `<name>.mp4`, the audio `<name>.m4a` (when `audio`) and the HLS renditions."""
    copy_audio = info.audio_codec == "aac"
    mp4 = f"{name}.mp4"
    _remux(source, workdir / mp4, "mp4", {"movflags": "faststart"}, True, copy_audio)
    audio_file = None
    if audio:
        audio_file = f"{name}.m4a"
        _remux(source, workdir / audio_file, "ipod", {"movflags": "faststart"}, False, copy_audio)
    made = [_hls(source, workdir, name, info, None, copy_audio)]
    for height in sorted(set(renditions), reverse=True):
        made.append(_hls(source, workdir, name, info, height, copy_audio))
    poster = _poster(source, workdir / f"{name}.poster.jpg", info)
    return PackagedVideo(mp4=mp4, audio=audio_file, renditions=tuple(made), poster=poster)


def check_renditions(renditions: tuple[int, ...], info: VideoInfo) -> None:
    """Lower renditions must be lower than the source and not absurdly small."""
    for height in renditions:
        if height >= info.height:
            raise ValueError(
                f"--renditions {height} is not below the video's own {info.height}p "
                "(the source is always offered as it is)"
            )
        if height < LOWEST_RENDITION:
            raise ValueError(f"--renditions {height} is below {LOWEST_RENDITION}p: too small")


def _remux(
    source: Path, target: Path, fmt: str, options: dict[str, str], video: bool, copy_audio: bool
) -> None:
    """Copy the video (when wanted) and the sound into `target`, encoding sound only if
    it is not AAC."""
    import av

    with av.open(str(source)) as inp, av.open(str(target), "w", format=fmt, options=options) as out:
        in_video, in_audio = _first_streams(inp)
        streams = [in_audio] if not video else [in_video, in_audio]
        copies = {in_video.index: out.add_stream_from_template(in_video)} if video else {}
        encoder = None
        if copy_audio:
            copies[in_audio.index] = out.add_stream_from_template(in_audio)
        else:
            encoder = _aac_encoder(out, in_audio)
        for packet in inp.demux(*streams):
            if packet.dts is None:
                continue
            if packet.stream.index in copies:
                packet.stream = copies[packet.stream.index]
                out.mux(packet)
            elif encoder is not None:
                _encode(out, encoder, packet.decode())
        if encoder is not None:
            _encode(out, encoder, [None])


def _hls(
    source: Path,
    workdir: Path,
    name: str,
    info: VideoInfo,
    height: int | None,
    copy_audio: bool,
) -> Rendition:
    """One rendition: the source copied (`height` None) or encoded to `height` lines."""
    label = height or info.height
    playlist = f"{name}.hls.{label}.m3u8"
    segments = f"{name}.hls.{label}.m4s"
    options = {
        "hls_time": str(SEGMENT_SECONDS),
        "hls_playlist_type": "vod",
        "hls_segment_type": "fmp4",
        "hls_flags": "single_file",
        "hls_segment_filename": str(workdir / segments),
    }
    import av

    with (
        av.open(str(source)) as inp,
        av.open(str(workdir / playlist), "w", format="hls", options=options) as out,
    ):
        in_video, in_audio = _first_streams(inp)
        if height is None:
            width = info.width
            video_out = out.add_stream_from_template(in_video)
            scaler = None
        else:
            width = _even(info.width * height / info.height)
            video_out = _h264_encoder(out, in_video, width, height)
            scaler = (width, height)
        cellular = height is not None and _bitrate_for(height) < CELLULAR_VIDEO_BITRATE
        copy_sound = copy_audio and not cellular
        audio_out = out.add_stream_from_template(in_audio) if copy_sound else None
        encoder = None
        if not copy_sound:
            rate = CELLULAR_AUDIO_BITRATE if cellular else AUDIO_BITRATE
            encoder = _aac_encoder(out, in_audio, rate)
        for packet in inp.demux(in_video, in_audio):
            if packet.dts is None:
                continue
            if packet.stream.index == in_video.index:
                if scaler is None:
                    packet.stream = video_out
                    out.mux(packet)
                else:
                    frames = [
                        cast(av.VideoFrame, f).reformat(*scaler, format="yuv420p")
                        for f in packet.decode()  # a video packet decodes to video frames
                    ]
                    _encode(out, video_out, frames)
            elif audio_out is not None:
                packet.stream = audio_out
                out.mux(packet)
            else:
                _encode(out, encoder, packet.decode())
        if scaler is not None:
            _encode(out, video_out, [None])
        if encoder is not None:
            _encode(out, encoder, [None])
        codecs = _codecs(video_out if scaler else in_video, info)
    peak, average = _bandwidths((workdir / playlist).read_text())
    return Rendition(label, width, peak, average, codecs, playlist, segments)


POSTER_WIDTH = 1280


def _poster(source: Path, target: Path, info: VideoInfo) -> str | None:
    """A JPEG of the frame a tenth of the way in (the first frame is often black), at most
    1280 px wide; None if no frame decodes there."""
    import av

    with av.open(str(source)) as inp:
        video, _ = _first_streams(inp)
        at = min(info.duration * 0.1, 10.0)
        inp.seek(int(at / video.time_base), stream=video)
        for frame in inp.decode(video):
            image = frame.to_image()
            if image.width > POSTER_WIDTH:
                height = _even(image.height * POSTER_WIDTH / image.width)
                image = image.resize((POSTER_WIDTH, height))
            image.save(target, "JPEG", quality=85)
            return target.name
    return None


def _first_streams(container: Any) -> tuple[Any, Any]:
    videos = [
        s for s in container.streams.video if not (s.disposition & s.disposition.attached_pic)
    ]
    return videos[0], container.streams.audio[0]


def _h264_encoder(out: Any, source: Any, width: int, height: int) -> Any:
    """libx264 at the rendition's bitrate, a keyframe every 2 s so segments cut near 4 s."""
    rate = source.average_rate or source.guessed_rate or Fraction(25)
    stream = out.add_stream("libx264", rate=rate)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    bitrate = _bitrate_for(height)
    stream.bit_rate = bitrate
    keyframes = max(1, round(float(rate) * 2))
    stream.options = {
        "preset": "veryfast",
        "profile": "main",
        "g": str(keyframes),
        "keyint_min": str(keyframes),
        "sc_threshold": "0",
        "maxrate": str(int(bitrate * 1.2)),
        "bufsize": str(bitrate * 2),
    }
    return stream


def _aac_encoder(out: Any, source: Any, bitrate: int = AUDIO_BITRATE) -> Any:
    rate = source.codec_context.sample_rate or 48000
    stream = out.add_stream("aac", rate=rate)
    stream.layout = "stereo" if (source.codec_context.channels or 2) > 1 else "mono"
    stream.bit_rate = bitrate
    return stream


def _encode(out: Any, stream: Any, frames: Any) -> None:
    for frame in frames:
        for packet in stream.encode(frame):
            out.mux(packet)


def _bitrate_for(height: int) -> int:
    """The table's bitrate for the nearest listed height at or above `height`."""
    for listed in sorted(RENDITION_BITRATES):
        if listed >= height:
            return RENDITION_BITRATES[listed]
    return RENDITION_BITRATES[max(RENDITION_BITRATES)]


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def _codecs(video: Any, info: VideoInfo) -> str:
    """RFC 6381 codec names for EXT-X-STREAM-INF; H.264's profile and level come from its
    sequence parameter set (an avcC record, or Annex B as libx264 hands it over)."""
    video_codec = info.codec_tag
    if video.codec_context.name in ("h264", "libx264"):
        level = _avc_profile_level(video.codec_context.extradata or b"")
        video_codec = f"avc1.{level or '4d401f'}"
    return f"{video_codec},mp4a.40.2"


def _avc_profile_level(extradata: bytes) -> str | None:
    if len(extradata) >= 4 and extradata[0] == 1:  # avcC: version 1, then the three bytes
        return extradata[1:4].hex()
    start = extradata.find(b"\x00\x00\x01\x67")  # Annex B: the SPS NAL unit
    if start >= 0 and len(extradata) >= start + 7:
        return extradata[start + 4 : start + 7].hex()
    return None


def _bandwidths(playlist: str) -> tuple[int, int]:
    """Peak and average bits per second from a media playlist's durations and byte ranges."""
    durations = [float(d) for d in _EXTINF.findall(playlist)]
    sizes = [int(s) for s in _BYTERANGE.findall(playlist)][-len(durations) :] if durations else []
    rates = [size * 8 / d for size, d in zip(sizes, durations, strict=False) if d > 0]
    total = sum(durations)
    average = int(sum(sizes) * 8 / total) if total else 0
    return (int(max(rates)) if rates else average), average
