"""Chapters from Podcasting 2.0 JSON or `HH:MM:SS Title` lines, checked against the audio."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audio.chapters import (
    Chapter,
    ChapterError,
    chapters_document,
    check_chapters,
    format_time,
    parse_chapters,
    read_chapters,
)


def test_json_chapters_are_read_as_the_namespace_defines_them() -> None:
    text = json.dumps(
        {
            "version": "1.2.0",
            "chapters": [
                {"startTime": 0, "title": "Don't build a case"},
                {"startTime": 61.5, "title": "Look at ourselves", "url": "https://x.test/a"},
            ],
        }
    )
    assert parse_chapters(text) == [
        Chapter(0.0, "Don't build a case"),
        Chapter(61.5, "Look at ourselves", url="https://x.test/a"),
    ]


def test_text_chapters_take_hours_minutes_and_seconds() -> None:
    text = "00:00:00 Welcome\n\n0:01:05 Look at ourselves\n1:02:03.250 Identify patterns\n"
    chapters = parse_chapters(text)
    assert [c.start for c in chapters] == [0.0, 65.0, 3723.25]
    assert [c.title for c in chapters] == ["Welcome", "Look at ourselves", "Identify patterns"]


def test_minutes_and_seconds_alone_are_accepted() -> None:
    assert parse_chapters("00:00 Start\n12:30 Middle")[1].start == 750.0


def test_the_stored_form_is_the_json_chapters_document() -> None:
    chapters = [Chapter(0.0, "One"), Chapter(90.5, "Two")]
    document = chapters_document(chapters)
    assert document == {
        "version": "1.2.0",
        "chapters": [{"startTime": 0, "title": "One"}, {"startTime": 90.5, "title": "Two"}],
    }
    assert parse_chapters(json.dumps(document)) == chapters


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "is empty"),
        ("{not json", "not valid JSON"),
        ('{"version": "1.2.0"}', 'no "chapters" list'),
        ('{"chapters": [{"title": "x"}]}', '"startTime"'),
        ('{"chapters": [{"startTime": 0}]}', '"title"'),
        ('{"chapters": []}', "lists no chapters"),
        ("Intro at the start", "expected `HH:MM:SS Title`"),
        ("00:00:75 Late", "not a valid time"),
    ],
)
def test_malformed_chapters_are_refused_in_one_line(text: str, expected: str) -> None:
    with pytest.raises(ChapterError) as info:
        parse_chapters(text, "ep.chapters")
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_a_chapter_past_the_end_of_the_audio_is_refused() -> None:
    with pytest.raises(ChapterError, match=r"'Outro' starts at 00:05:00, past the end .*00:04:00"):
        check_chapters([Chapter(0, "Intro"), Chapter(300, "Outro")], duration=240.0)


def test_unsorted_chapters_are_refused() -> None:
    with pytest.raises(ChapterError, match="list chapters in time order"):
        check_chapters([Chapter(0, "A"), Chapter(60, "B"), Chapter(30, "C")], duration=120)


def test_two_chapters_at_one_time_are_refused() -> None:
    with pytest.raises(ChapterError, match="'A' and 'B' both start at 00:00:10"):
        check_chapters([Chapter(10, "A"), Chapter(10, "B")], duration=120)


def test_reading_a_file_checks_it_against_the_duration(tmp_path: Path) -> None:
    path = tmp_path / "chapters.txt"
    path.write_text("00:00:00 Intro\n00:00:02 Body\n", encoding="utf-8")
    assert len(read_chapters(path, duration=3.0)) == 2
    with pytest.raises(ChapterError, match=r"chapters\.txt: chapter 'Body'"):
        read_chapters(path, duration=1.5)


def test_times_are_written_as_producers_write_them() -> None:
    assert format_time(3723.25) == "01:02:03.250"
    assert format_time(59) == "00:00:59"
