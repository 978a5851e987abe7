"""Real audio files made on the spot: MP3 through LAME (`lameenc`), M4A/AAC through PyAV."""

from __future__ import annotations

import math
from array import array
from pathlib import Path

SAMPLE_RATE = 44100


def tone_pcm(seconds: float, frequency: float = 440.0, rate: int = SAMPLE_RATE) -> bytes:
    """16-bit mono PCM of a quiet sine tone."""
    count = int(seconds * rate)
    step = 2 * math.pi * frequency / rate
    samples = array("h", (int(8000 * math.sin(i * step)) for i in range(count)))
    return samples.tobytes()


def make_mp3(path: Path, seconds: float = 3.0, bitrate: int = 64) -> Path:
    """Encode a real CBR MP3 of the given length."""
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(7)
    data = encoder.encode(tone_pcm(seconds)) + encoder.flush()
    path.write_bytes(bytes(data))
    return path


def make_m4a(path: Path, seconds: float = 3.0) -> Path:
    """Encode a real AAC-in-MP4 file of the given length."""
    import av

    rate = SAMPLE_RATE
    pcm = tone_pcm(seconds, rate=rate)
    chunk = 1024  # samples per frame, 2 bytes each
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=rate)
        stream.layout = "mono"
        for start in range(0, len(pcm) // 2, chunk):
            piece = pcm[start * 2 : (start + chunk) * 2]
            frame = av.AudioFrame(format="s16", layout="mono", samples=len(piece) // 2)
            frame.planes[0].update(piece)
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def make_png(path: Path, size: int = 1400, color: tuple[int, int, int] = (200, 40, 90)) -> Path:
    """Square artwork Apple accepts (1400-3000 px)."""
    from PIL import Image

    Image.new("RGB", (size, size), color).save(path, "PNG")
    return path
