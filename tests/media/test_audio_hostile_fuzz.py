"""Property-based fuzzing of the audio inspector: whatever the bytes, `probe_audio` answers
with facts a feed can carry or refuses with one `AudioError` line, quickly; it never crashes.

Inputs are real files (MP3, VBR MP3, tagged MP3, M4A) with bytes flipped, cut, repeated
and spliced, plus raw bytes behind each format's magic. The suite runs a fixed small
budget; `make fuzz` runs `FUZZ_EXAMPLES` (default there: 5000). Every crash found is kept
below as an explicit regression example.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support import hostile_audio as hostile
from support.media import make_m4a, make_mp3

from audio.probe import AudioError, probe_audio

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))
MAGICS = (b"ID3\x04\x00\x00", b"\xff\xfb\x50\xc4", b"\x00\x00\x00\x20ftypM4A ", b"OggS\x00\x02")


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("fuzz-seeds")
    mp3 = make_mp3(folder / "tone.mp3", seconds=2.0)
    return {
        "mp3": mp3.read_bytes(),
        "vbr": hostile.vbr_mp3(mp3, folder / "vbr.mp3").read_bytes(),
        "tagged": hostile.tag_bomb_mp3(mp3, folder / "tag.mp3", inflated=4096).read_bytes(),
        "m4a": make_m4a(folder / "tone.m4a", seconds=2.0).read_bytes(),
    }


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@st.composite
def mutated(draw: st.DrawFn, seeds: dict[str, bytes]) -> bytes:
    """A seed with a few edits, or raw bytes behind a format's magic."""
    if draw(st.booleans()) and draw(st.booleans()):
        return draw(st.sampled_from(MAGICS)) + draw(st.binary(max_size=4096))
    data = bytearray(seeds[draw(st.sampled_from(sorted(seeds)))])
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        edit = draw(st.sampled_from(["flip", "cut", "insert", "repeat", "zero"]))
        if edit == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == "cut":
            data = data[: max(at, 1)]
        elif edit == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif edit == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 512))] * draw(st.integers(1, 8))
        elif edit == "zero" and data:
            data[at : at + 4] = b"\xff\xff\xff\x7f"[: len(data[at : at + 4])]
    return bytes(data)


def inspect(workdir: Path, data: bytes) -> None:
    """The property: facts within reason, or one clean refusal line."""
    path = workdir / "upload.bin"
    path.write_bytes(data)
    try:
        info = probe_audio(path)
    except AudioError as exc:
        assert "\n" not in str(exc)
        return
    assert math.isfinite(info.duration) and info.duration >= 1.0
    # Never more audio than the bytes can hold at the lowest MP3 bitrate, whatever the format.
    assert info.duration <= len(data) * 8 / 8000 + 2, (info, len(data))


def test_regression_a_layer_one_frame_first_is_refused_or_read_never_a_crash(
    seeds, workdir
) -> None:  # type: ignore[no-untyped-def]
    """Found by fuzzing: a first frame whose header says layer I crashed the Xing lookup."""
    data = bytearray(seeds["mp3"])
    data[1] = 0xFF  # MPEG-1, layer I, no CRC
    inspect(workdir, bytes(data))


def test_the_inspector_never_crashes_on_mutated_files(seeds, workdir) -> None:  # type: ignore[no-untyped-def]
    @settings(
        max_examples=EXAMPLES,
        deadline=2000,
        database=None,
        derandomize=EXAMPLES <= 500,  # the suite's run is the same every time
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutated(seeds))
    # Regressions found by fuzzing are kept here as explicit examples.
    @example(b"ID3\x04\x00\x00\x00\x00\x00\x0aTXXX\x7f\x7f\x7f\x7f\x00\x09")
    @example(b"\xff\xfb\x50\xc4" + bytes(17) + b"Xing\x00\x00\x00\x01\xff\xff\xff\xff")
    @example(b"\x00\x00\x00\x20ftypM4A " + b"\x00\x00\x00\x01moov" + b"\xff" * 8)
    def run(data: bytes) -> None:
        inspect(workdir, data)

    run()
