"""Videos that cannot be published are refused in one line, leaving nothing behind.

Each file is real: encoded by PyAV in a codec apps do not play, without sound, cut in half,
or with a header that lies about its length. The refusal names what is wrong and what to
export instead; the store holds no object and the season no episode afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.cli_catalog import season_ready
from support.cli_results import refused, succeeded
from support.media import make_mp3
from support.video import forge_duration, make_video

from audio.storage import Storage
from audio.video_jobs import inspect
from audio.video_probe import MAX_VIDEO_BYTES, VideoError, inspect_video
from publisher.cli import main


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("videos")
    make_video(folder / "good.mp4", 3.0)
    make_video(folder / "vp9.webm", 2.0, codec="libvpx-vp9", container="webm", audio="libopus")
    make_video(folder / "silent.mp4", 2.0, audio=None)
    make_video(folder / "divx.mp4", 2.0, codec="mpeg4")
    data = (folder / "good.mp4").read_bytes()
    (folder / "half.mp4").write_bytes(data[: len(data) // 2])
    make_video(folder / "fast.mp4", 3.0, faststart=True)
    fast = (folder / "fast.mp4").read_bytes()
    (folder / "fast-half.mp4").write_bytes(fast[: len(fast) // 2])
    shutil.copyfile(folder / "good.mp4", folder / "liar.mp4")
    forge_duration(folder / "liar.mp4", 10)
    return folder


REFUSALS = {
    "vp9.webm": "vp9.webm is a WebM/Matroska video: export H.264 (MP4) from your editor",
    "silent.mp4": "silent.mp4 has no sound track: export it with its audio (AAC)",
    "divx.mp4": "divx.mp4 holds MPEG-4 Part 2 video, which apps do not play: export H.264",
    "half.mp4": "half.mp4 is truncated",
    "fast-half.mp4": "fast-half.mp4 is truncated: its 'mdat' atom needs",
    "liar.mp4": "liar.mp4 declares 30.0s but holds 3.0s of video",
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_an_unplayable_video_is_refused_in_one_line_and_nothing_is_kept(
    runner: CliRunner, storage: Storage, videos: Path, name: str
) -> None:
    season_ready(runner)
    result = runner.invoke(
        main, ["episode", "publish", "season-1", str(videos / name), "--title", "x"]
    )
    assert REFUSALS[name] in refused(result)
    assert storage.keys() == []
    listed = runner.invoke(main, ["episode", "list", "--json"])
    assert json.loads(succeeded(listed)) == []


def test_a_video_beside_a_video_or_of_another_length_is_refused(
    runner: CliRunner, storage: Storage, videos: Path, tmp_path: Path
) -> None:
    season_ready(runner)
    good = str(videos / "good.mp4")
    twice = runner.invoke(
        main, ["episode", "publish", "season-1", good, "--video", good, "--title", "x"]
    )
    assert "good.mp4 is a video too: give the studio audio" in refused(twice)
    long_mix = make_mp3(tmp_path / "mix.mp3", seconds=9.0)
    mismatch = runner.invoke(
        main, ["episode", "publish", "season-1", str(long_mix), "--video", good, "--title", "x"]
    )
    assert "the audio lasts 0:09 but good.mp4 lasts 0:03" in refused(mismatch)
    too_tall = runner.invoke(
        main, ["episode", "publish", "season-1", good, "--renditions", "480", "--title", "x"]
    )
    assert "--renditions 480 is not below the video's own 240p" in refused(too_tall)
    audio_only = runner.invoke(
        main,
        ["episode", "publish", "season-1", str(long_mix), "--renditions", "360", "--title", "x"],
    )
    assert "--renditions is for videos" in refused(audio_only)
    assert storage.keys() == []


def test_an_oversized_video_is_refused_from_its_size_before_anything_is_read(
    tmp_path: Path,
) -> None:
    sparse = tmp_path / "card.mp4"
    with open(sparse, "wb") as fh:  # a sparse file: no disk used, nothing worth reading
        fh.write(b"\x00\x00\x00\x18ftypisom")
        fh.truncate(MAX_VIDEO_BYTES + 1)
    with pytest.raises(VideoError, match=r"card.mp4 is 8.0 GB, over the 8 GB a video may be"):
        inspect(sparse)


def test_a_parser_that_runs_away_is_stopped_by_its_memory_bound(
    videos: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child's address space is capped: with a cap too small for FFmpeg to load, the
    inspection fails as a refusal, not as a crash of the publishing process."""
    monkeypatch.setattr("audio.video_jobs.MEMORY_LIMIT", 64 * 1024**2)
    with pytest.raises(VideoError, match="could not be read safely"):
        inspect(videos / "good.mp4")


FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_video_inspector_refuses_damaged_files_and_never_crashes(
    videos: Path, tmp_path: Path, data: st.DataObject
) -> None:
    """Bytes of a real MP4 flipped, cut or repeated: a `VideoError` or a good reading."""
    source = bytearray((videos / "good.mp4").read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(source) - 1))
        source[at] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        source = source[: data.draw(st.integers(0, len(source)))]
    target = tmp_path / "fuzzed.mp4"
    target.write_bytes(bytes(source))
    try:
        info = inspect_video(target)
    except VideoError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzzed.mp4")
    else:
        assert info.duration >= 1.0 and info.width > 0
