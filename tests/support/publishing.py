"""Parts for the publishing tests: more real audio, a show and season, stored objects."""

from __future__ import annotations

import wave
from pathlib import Path

from audio.storage import Storage
from publisher.catalog.seasons import add_season
from publisher.catalog.show import set_show
from publisher.services import Services
from support.media import SAMPLE_RATE, make_png, tone_pcm

SHOW = {"title": "Love TV", "author": "Dr. Ann Example", "owner_email": "ann@example.com"}


def make_long_mp3(path: Path, source: Path, size: int) -> Path:
    """An MP3 of at least `size` bytes: a short CBR MP3's frames repeated (still valid MPEG).

    Encoding hundreds of megabytes would take minutes; CBR frames can simply be concatenated.
    """
    frames = source.read_bytes()
    with open(path, "wb") as out:
        written = 0
        while written < size:
            out.write(frames)
            written += len(frames)
    return path


def make_opus(path: Path, seconds: float = 3.0) -> Path:
    """A real Ogg Opus file encoded with PyAV."""
    import av

    pcm = tone_pcm(seconds, rate=48000)
    with av.open(str(path), "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=48000)
        stream.layout = "mono"
        chunk = 960
        for start in range(0, len(pcm) // 2, chunk):
            piece = pcm[start * 2 : (start + chunk) * 2]
            frame = av.AudioFrame(format="s16", layout="mono", samples=len(piece) // 2)
            frame.planes[0].update(piece)
            frame.sample_rate = 48000
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def make_wav(path: Path, seconds: float = 2.0) -> Path:
    """Real audio in a format we do not publish."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(tone_pcm(seconds))
    return path


def set_up_season(services: Services, tmp_path: Path, slug: str = "season-1") -> None:
    """The show (with artwork) and one season, as a producer sets them up first."""
    art = make_png(tmp_path / "show.png", size=1400)
    set_show(services, SHOW, image=art)
    add_season(services, slug, "Season 1: Closer", number=1)


def fetch(storage: Storage, key: str, folder: Path) -> Path:
    """Download a stored object to a file, to read it back with mutagen."""
    target = folder / key.replace("/", "_")
    target.write_bytes(storage.get_bytes(key))
    return target
