"""Lying MP3s are refused in one line before anything is stored: a truncated VBR file, a
forged Xing header, ID3 tag bombs (plain, with a lying length, inside a chapter) and a flood
of frames; honest files with the same structures still publish.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import hostile_audio as hostile
from support.hardening import plain_env
from support.media import make_mp3

from audio.id3_limits import MAX_FRAME_BYTES
from audio.probe import AudioError, probe_audio
from audio.storage import open_storage
from publisher.cli import main


@pytest.fixture(scope="module")
def ten_seconds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_mp3(tmp_path_factory.mktemp("hostile") / "tone.mp3", seconds=10.0)


@pytest.fixture(scope="module")
def vbr(ten_seconds: Path) -> Path:
    return hostile.vbr_mp3(ten_seconds, ten_seconds.with_name("vbr.mp3"))


HOSTILE: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "truncated VBR": (
        lambda src, dst: hostile.truncated(hostile.vbr_mp3(src, dst), dst, keep=0.10),
        "is truncated: its header declares",
    ),
    "lying Xing": (hostile.lying_xing_mp3, "declares 2147483647 frames"),
    "tag bomb": (hostile.tag_bomb_mp3, f"inflates to more than {MAX_FRAME_BYTES} bytes"),
    "bomb with a lying length": (hostile.lying_length_bomb_mp3, "inflates to more than"),
    "bomb inside a chapter": (hostile.chapter_bomb_mp3, "inflates to more than"),
    "frame flood": (hostile.frame_flood_mp3, "has more than 5000 frames"),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_mp3s_are_refused_in_one_line_quickly_and_in_little_memory(
    kind: str, ten_seconds: Path, tmp_path: Path
) -> None:
    build, reason = HOSTILE[kind]
    path = build(ten_seconds, tmp_path / "hostile.mp3")
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(AudioError) as refused:
            probe_audio(path)
        took = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(refused.value)
    assert reason in message and "\n" not in message
    assert took < 1.0, took
    assert peak < 16 * 1024 * 1024, peak


def test_an_honest_vbr_file_and_an_honest_compressed_tag_still_pass(
    vbr: Path, ten_seconds: Path, tmp_path: Path
) -> None:
    assert probe_audio(vbr).duration == pytest.approx(10.0, abs=0.2)
    small = hostile.tag_bomb_mp3(ten_seconds, tmp_path / "small-tag.mp3", inflated=1_000_000)
    assert probe_audio(small).duration == pytest.approx(10.0, abs=0.1)
    # Cut by a few bytes (a lost ID3v1 tag, say) is not a truncation worth refusing.
    nearly = hostile.truncated(vbr, tmp_path / "nearly.mp3", keep=0.999)
    assert probe_audio(nearly).duration > 9.5


@pytest.mark.parametrize("kind", ["truncated VBR", "lying Xing", "tag bomb"])
def test_lovetv_refuses_to_publish_them_and_stores_nothing(
    kind: str, ten_seconds: Path, tmp_path: Path, sqlite_url: str
) -> None:
    from support.media import make_png

    media = tmp_path / "media"
    runner = CliRunner(env=plain_env(sqlite_url, f"file://{media}"))
    art = make_png(tmp_path / "show.png", size=1400)
    for args in (
        ["show", "set", "--title", "Love TV", "--author", "A", "--image", str(art)],
        ["season", "add", "season-1", "--title", "One"],
    ):
        assert runner.invoke(main, args).exit_code == 0
    stored_before = open_storage(f"file://{media}").keys()
    path = HOSTILE[kind][0](ten_seconds, tmp_path / "upload.mp3")
    result = runner.invoke(main, ["episode", "publish", "season-1", str(path), "--title", "X"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "refused" in result.stderr
    assert open_storage(f"file://{media}").keys() == stored_before
    listing = runner.invoke(main, ["episode", "list", "--json"])
    assert '"title": "X"' not in listing.stdout
