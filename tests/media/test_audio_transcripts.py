"""Transcripts are SRT or WebVTT, told apart by their content."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio.transcripts import SRT_MIME, VTT_MIME, TranscriptError, check_transcript, read_transcript

SRT = "1\r\n00:00:00,000 --> 00:00:02,500\r\nWelcome to Love TV.\r\n\r\n"
VTT = "WEBVTT\n\n00:00.000 --> 00:02.500\nWelcome to Love TV.\n"


def test_srt_is_recognised_and_kept_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "ep.txt"
    path.write_bytes(SRT.encode())
    transcript = read_transcript(path)
    assert (transcript.mime, transcript.extension) == (SRT_MIME, "srt")
    assert transcript.data == SRT.encode()


def test_webvtt_is_recognised_even_with_a_bom() -> None:
    transcript = check_transcript(("\ufeff" + VTT).encode())
    assert (transcript.mime, transcript.extension) == (VTT_MIME, "vtt")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"Just the words we said.", "neither SRT nor WebVTT"),
        (b"WEBVTT\n\nno cues here", "WebVTT file without any cues"),
        (b"\xff\xfe\x00\x01garbage", "not UTF-8 text"),
    ],
)
def test_other_files_are_refused(data: bytes, expected: str) -> None:
    with pytest.raises(TranscriptError, match=expected):
        check_transcript(data, "ep.srt")
