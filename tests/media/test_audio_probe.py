"""Reading what an upload really is, and refusing what cannot be an episode."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.media import make_mp3
from support.publishing import make_opus, make_wav

from audio.probe import AudioError, probe_audio


def test_mp3_facts_come_from_the_frames(mp3_file: Path) -> None:
    info = probe_audio(mp3_file)
    assert (info.format, info.mime, info.extension) == ("mp3", "audio/mpeg", "mp3")
    assert info.duration == pytest.approx(3.0, abs=0.1)
    assert info.bitrate == 64000
    assert info.sample_rate == 44100


def test_m4a_facts_come_from_the_mp4_index(m4a_file: Path) -> None:
    info = probe_audio(m4a_file)
    assert (info.format, info.mime, info.extension) == ("m4a", "audio/x-m4a", "m4a")
    assert info.duration == pytest.approx(3.0, abs=0.1)
    assert info.sample_rate == 44100
    assert info.bitrate and 30000 < info.bitrate < 200000


def test_ogg_opus_is_welcome(tmp_path: Path) -> None:
    info = probe_audio(make_opus(tmp_path / "talk.opus", seconds=2.0))
    assert (info.format, info.mime, info.extension) == ("opus", "audio/ogg", "opus")
    assert info.duration == pytest.approx(2.0, abs=0.1)
    assert info.sample_rate == 48000


def test_the_name_does_not_decide_the_format(m4a_file: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "actually-aac.mp3"
    renamed.write_bytes(m4a_file.read_bytes())
    assert probe_audio(renamed).format == "m4a"


def _truncated(source: Path, target: Path, keep: int) -> Path:
    target.write_bytes(source.read_bytes()[:keep])
    return target


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d, mp3, m4a: _write(d / "empty.mp3", b""), "is empty"),
        (lambda d, mp3, m4a: _write(d / "notes.mp3", b"show notes\n" * 200), "not an audio file"),
        (lambda d, mp3, m4a: _write(d / "cover.m4a", b"\x89PNG\r\n\x1a\n" + b"0" * 500), "not an"),
        (lambda d, mp3, m4a: _truncated(mp3, d / "cut.mp3", 600), "truncated"),
        (lambda d, mp3, m4a: _truncated(m4a, d / "cut.m4a", 2000), "truncated"),
        (lambda d, mp3, m4a: _truncated(m4a, d / "tail.m4a", m4a.stat().st_size - 50), "truncated"),
        (lambda d, mp3, m4a: make_wav(d / "raw.wav"), "WAV audio"),
        (lambda d, mp3, m4a: _write(d / "a.flac", b"fLaC" + b"\x00" * 100), "FLAC audio"),
    ],
    ids=["empty", "text", "png", "cut-mp3", "cut-m4a-index", "cut-m4a-tail", "wav", "flac"],
)
def test_unusable_files_are_refused_in_one_line(
    make, expected: str, mp3_file: Path, m4a_file: Path, tmp_path: Path
) -> None:
    path = make(tmp_path, mp3_file, m4a_file)
    with pytest.raises(AudioError) as info:
        probe_audio(path)
    assert expected in str(info.value)
    assert path.name in str(info.value)
    assert "\n" not in str(info.value)


def test_an_mp4_cut_inside_its_audio_data_is_truncated(tmp_path: Path) -> None:
    """With the index in front (faststart), mutagen alone would not notice a cut tail."""
    import av

    source = make_mp3(tmp_path / "src.mp3", seconds=3.0)
    faststart = tmp_path / "front.m4a"
    with (
        av.open(str(source)) as inp,
        av.open(str(faststart), "w", format="mp4", options={"movflags": "faststart"}) as out,
    ):
        stream = out.add_stream("aac", rate=44100)
        for frame in inp.decode(audio=0):
            frame.pts = None
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    assert probe_audio(faststart).format == "m4a"
    cut = _truncated(faststart, tmp_path / "front-cut.m4a", faststart.stat().st_size - 500)
    with pytest.raises(AudioError, match="truncated"):
        probe_audio(cut)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match=r"gone\.mp3: no such file"):
        probe_audio(tmp_path / "gone.mp3")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
