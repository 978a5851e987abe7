"""The demo trailer's video, drawn on the spot: the show's heart, breathing, over the
trailer's own sound, so `make run` shows a video episode without shipping a video file.

Made with PyAV (H.264 and AAC, `moov` last as a camera writes it) and then published like
any producer's video, `--video` beside the trailer's MP3.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.ImageDraw import ImageDraw

WIDTH, HEIGHT, FPS = 640, 360, 12
BACKGROUND, HEART = (122, 28, 64), (240, 120, 150)


def draw_trailer_video(sound: Path, target: Path, title: str) -> Path:
    """A 640x360 video as long as `sound`, whose sound it carries."""
    import av
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=26)

    with av.open(str(sound)) as source, av.open(str(target), "w", format="mp4") as out:
        seconds = float(source.duration or 0) / 1_000_000
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.options = {"preset": "veryfast", "g": str(FPS * 2)}
        audio = out.add_stream("aac", rate=44100)
        audio.layout = "stereo"
        for i in range(math.ceil(seconds * FPS)):
            image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
            _heart(ImageDraw.Draw(image), 1 + 0.08 * math.sin(i / FPS * 2 * math.pi / 2))
            ImageDraw.Draw(image).text((24, HEIGHT - 48), title, fill="white", font=font)
            frame = av.VideoFrame.from_image(image)
            frame.pts = i
            for packet in video.encode(frame):
                out.mux(packet)
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=44100)
        for decoded in source.decode(audio=0):
            for frame in resampler.resample(decoded):
                for packet in audio.encode(frame):
                    out.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode(None):
                out.mux(packet)
    return target


def _heart(draw: ImageDraw, scale: float) -> None:
    r = int(HEIGHT / 7 * scale)
    cx, cy = WIDTH // 2, HEIGHT // 2 - r // 2
    draw.ellipse((cx - 2 * r, cy - r, cx, cy + r), fill=HEART)
    draw.ellipse((cx, cy - r, cx + 2 * r, cy + r), fill=HEART)
    draw.polygon([(cx - 2 * r, cy), (cx + 2 * r, cy), (cx, cy + 2 * r)], fill=HEART)
