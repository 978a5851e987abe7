"""How the demo's audio in `publisher/demo/media/` was made (run once, by hand, with lameenc).

    .venv/bin/python -c "import sys; sys.path.insert(0, 'tests'); \
        from support.demo_audio import write_demo_media; write_demo_media()"

Soft chords instead of speech: one chord per chapter of the demo episode, so the chapter
marks can be heard, and a short rising chord for the teaser. Small on purpose (32 kbps).
"""

from __future__ import annotations

import math
from array import array
from pathlib import Path

RATE = 44100
SECTION_SECONDS = 12.0
# A major, F sharp minor, D major: one chord per section of the episode.
EPISODE_CHORDS = ((220.0, 277.18, 329.63), (185.0, 220.0, 277.18), (146.83, 185.0, 220.0))
TEASER_CHORD = (261.63, 329.63, 392.0)


def chord_pcm(frequencies: tuple[float, ...], seconds: float) -> bytes:
    """16-bit mono PCM of a chord that fades in and out over half a second."""
    count = int(seconds * RATE)
    fade = int(0.5 * RATE)
    samples = array("h")
    for i in range(count):
        envelope = min(1.0, i / fade, (count - i) / fade)
        value = sum(math.sin(2 * math.pi * f * i / RATE) for f in frequencies)
        samples.append(int(5000 * envelope * value / len(frequencies)))
    return samples.tobytes()


def encode_mp3(pcm: bytes, bitrate: int = 32) -> bytes:
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate)
    encoder.set_in_sample_rate(RATE)
    encoder.set_channels(1)
    encoder.set_quality(5)
    return bytes(encoder.encode(pcm) + encoder.flush())


def write_demo_media(folder: Path = Path("publisher/demo/media")) -> None:
    """Write the demo episode (three chapters) and the teaser."""
    folder.mkdir(parents=True, exist_ok=True)
    episode = b"".join(chord_pcm(c, SECTION_SECONDS) for c in EPISODE_CHORDS)
    (folder / "push-and-pull.mp3").write_bytes(encode_mp3(episode))
    (folder / "teaser.mp3").write_bytes(encode_mp3(chord_pcm(TEASER_CHORD, 10.0)))
