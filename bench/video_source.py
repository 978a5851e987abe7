"""A large camera-like video for `bench/video.py`, made in seconds: ten seconds of 1080p
encoded once (a band of noise keeps the bitrate at a camera's), its packets repeated with
shifted timestamps up to the size asked, `moov` last as a camera writes it."""

from __future__ import annotations

import os
from pathlib import Path

MB = 1000 * 1000


def large_video(work: Path, size: int) -> Path:
    """A 1080p H.264/AAC MP4 of about `size` bytes, `moov` last as a camera writes it."""
    import av

    base = work / "base.mp4"
    _noise_video(base)
    print(f"  (source: {base.stat().st_size / MB:.0f} MB of 1080p noise, repeated)", flush=True)
    loops = max(1, size // base.stat().st_size)
    target = work / "camera.mp4"
    with av.open(str(base)) as first:
        ends = [
            float((p.pts + (p.duration or 0)) * p.time_base)
            for p in first.demux()
            if p.pts is not None
        ]
        span = max(ends) + 0.04  # each copy starts a frame after the last one ends
        spans = {s.index: round(span / s.time_base) for s in first.streams}  # type: ignore[operator]  # a demuxed stream has a time base
    with av.open(str(target), "w", format="mp4") as out:
        copies: dict[int, av.stream.Stream] = {}
        for loop in range(loops):
            with av.open(str(base)) as inp:
                if not copies:
                    copies = {s.index: out.add_stream_from_template(s) for s in inp.streams}
                for packet in inp.demux():
                    if packet.dts is None:
                        continue
                    shift = spans[packet.stream.index] * loop
                    packet.pts += shift  # type: ignore[operator]  # set wherever dts is
                    packet.dts += shift
                    packet.stream = copies[packet.stream.index]
                    out.mux(packet)
    return target


def _noise_video(path: Path, seconds: int = 10, fps: int = 25) -> None:
    """Ten seconds of 1080p with a band of noise (about 25 Mbps: a camera's bitrate, which
    x264 cannot shrink) and a tone, interleaved as cameras write them, encoded once."""
    import math
    from array import array

    import av

    rate, per_frame = 48000, 48000 // fps
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = 1920, 1080, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "23", "g": str(fps)}
        sound = out.add_stream("aac", rate=rate)
        sound.layout = "mono"
        band = 1920 * 96  # rows of noise at the top of the picture
        grey = bytes([96]) * (1920 * 1080 - band)
        chroma = bytes([128]) * (960 * 540)
        for i in range(seconds * fps):
            frame = av.VideoFrame(1920, 1080, "yuv420p")
            frame.planes[0].update(os.urandom(band) + grey)
            frame.planes[1].update(chroma)
            frame.planes[2].update(chroma)
            frame.pts = i
            for packet in video.encode(frame):
                out.mux(packet)
            tone = array("h", (int(6000 * math.sin(2 * math.pi * 440 * (i * per_frame + n) / rate))
                               for n in range(per_frame)))  # fmt: skip
            samples = av.AudioFrame(format="s16", layout="mono", samples=per_frame)
            samples.planes[0].update(tone.tobytes())
            samples.sample_rate, samples.pts = rate, i * per_frame
            for packet in sound.encode(samples):
                out.mux(packet)
        for stream in (video, sound):
            for packet in stream.encode(None):
                out.mux(packet)
