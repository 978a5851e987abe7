"""Real videos made on the spot with PyAV: H.264 (or VP9, HEVC, MPEG-4 Part 2) and AAC.

Cameras and most editors write the `moov` atom last, so that is the default here: the
publish must move it to the front. Each frame differs from the last (a moving bar over a
colour that changes), so encoders cannot collapse the video into a handful of bytes.
"""

from __future__ import annotations

import math
from array import array
from pathlib import Path

AUDIO_RATE = 48000


def make_video(
    path: Path,
    seconds: float = 6.0,
    width: int = 320,
    height: int = 240,
    fps: int = 25,
    codec: str = "libx264",
    container: str = "mp4",
    audio: str | None = "aac",
    faststart: bool = False,
    keyframe_every: int | None = None,
) -> Path:
    """Encode a real video of the given length; `audio=None` makes one without sound."""
    import av
    from PIL import Image, ImageDraw

    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", format=container, options=options) as out:
        video = out.add_stream(codec, rate=fps)
        video.width, video.height = width, height
        video.pix_fmt = "yuv420p"
        if codec in ("libx264", "libx265"):
            video.options = {"g": str(keyframe_every or fps), "preset": "ultrafast"}
        sound = None
        if audio is not None:
            sound = out.add_stream(audio, rate=AUDIO_RATE)
            sound.layout = "stereo"
        frames = round(seconds * fps)
        for i in range(frames):
            image = Image.new("RGB", (width, height), ((i * 7) % 256, 60, 140))
            bar = (i * 4) % width
            ImageDraw.Draw(image).rectangle((bar, 0, bar + width // 10, height), fill="white")
            frame = av.VideoFrame.from_image(image)
            frame.pts = i
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
        if sound is not None:
            _encode_tone(out, sound, seconds)
    return path


def _encode_tone(out, stream, seconds: float) -> None:  # type: ignore[no-untyped-def]
    import av

    total = round(seconds * AUDIO_RATE)
    step = 2 * math.pi * 440 / AUDIO_RATE
    chunk = stream.frame_size or 1024
    for start in range(0, total, chunk):
        count = min(chunk, total - start)
        mono = [int(6000 * math.sin((start + i) * step)) for i in range(count)]
        stereo = array("h", (s for sample in mono for s in (sample, sample)))
        frame = av.AudioFrame(format="s16", layout="stereo", samples=count)
        frame.planes[0].update(stereo.tobytes())
        frame.sample_rate = AUDIO_RATE
        frame.pts = start
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)


def top_level_atoms(path: Path) -> list[str]:
    """The MP4's top-level atom names in file order (`moov` before `mdat` is fast start)."""
    names = []
    data = path.read_bytes()
    offset = 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        names.append(data[offset + 4 : offset + 8].decode("latin-1"))
        if size == 1:
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        if size < 8:
            break
        offset += size
    return names


def forge_duration(path: Path, factor: int) -> Path:
    """Multiply the durations the header declares (movie, tracks, media), not the frames."""
    data = bytearray(path.read_bytes())
    # version-0 boxes: type, version+flags, then (created, modified, [track id | timescale],
    # [reserved | duration]); the duration's offset from the type differs per box.
    offsets = {b"mvhd": 20, b"mdhd": 20, b"tkhd": 24}
    for kind, offset in offsets.items():
        start = 0
        while (at := data.find(kind, start)) >= 0:
            field = at + offset
            value = int.from_bytes(data[field : field + 4], "big")
            data[field : field + 4] = min(value * factor, 2**32 - 1).to_bytes(4, "big")
            start = at + 4
    path.write_bytes(bytes(data))
    return path
