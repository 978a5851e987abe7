"""A producer's session with `lovetv`: set up the show, add a season, publish, list, unpublish."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner
from mutagen import id3
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from support.cli_results import refused as _refused
from support.cli_results import succeeded as _ok
from support.media import make_png
from support.publishing import make_long_mp3

from audio.storage import open_storage
from publisher.cli import main

pytestmark = pytest.mark.every_store  # storage is the subject: a folder and S3

CHAPTERS_JSON = {
    "version": "1.2.0",
    "chapters": [
        {"startTime": 0, "title": "Don't build a case"},
        {"startTime": 1.5, "title": "Look at ourselves"},
    ],
}
CONTRACT_KEYS = {
    "guid": str,
    "season": str,
    "title": str,
    "audio_key": str,
    "mime": str,
    "size": int,
    "duration": float,
    "teaser": bool,
}


@pytest.fixture
def season(runner: CliRunner, tmp_path: Path) -> str:
    art = make_png(tmp_path / "show.png", size=1400)
    _ok(runner.invoke(main, ["db", "upgrade"]))
    _ok(
        runner.invoke(
            main,
            ["show", "set", "--title", "Love TV", "--author", "Dr. Ann", "--image", str(art)],
        )
    )
    _ok(runner.invoke(main, ["season", "add", "season-1", "--title", "Closer", "--number", "1"]))
    return "season-1"


def _stored(env: dict[str, str]):  # type: ignore[no-untyped-def]
    return open_storage(env["LOVETV_STORAGE_URL"])


def test_a_producer_publishes_lists_and_unpublishes(
    runner: CliRunner, season: str, env: dict[str, str], mp3_file: Path, tmp_path: Path
) -> None:
    chapters = tmp_path / "chapters.json"
    chapters.write_text(json.dumps(CHAPTERS_JSON))
    notes = tmp_path / "notes.md"
    notes.write_text("Why closeness can feel like a tug of war.\n")
    transcript = tmp_path / "ep.srt"
    transcript.write_text("1\n00:00:00,000 --> 00:00:02,000\nWelcome.\n")
    args = ["episode", "publish", season, str(mp3_file), "--title", "Push and Pull"]
    args += ["--notes", str(notes), "--chapters", str(chapters), "--transcript", str(transcript)]
    result = runner.invoke(main, [*args, "--teaser", "--json"])
    published = json.loads(_ok(result))  # stdout is one JSON document and nothing else
    assert result.stderr == ""
    for key, kind in CONTRACT_KEYS.items():
        assert isinstance(published[key], kind), key
    assert (published["season"], published["title"], published["teaser"]) == (
        season,
        "Push and Pull",
        True,
    )

    store = _stored(env)
    stored = tmp_path / "stored.mp3"
    stored.write_bytes(store.get_bytes(published["audio_key"]))
    assert stored.stat().st_size == published["size"]
    tag = id3.ID3(stored)
    assert str(tag["TIT2"]) == "Push and Pull" and str(tag["TPE1"]) == "Dr. Ann"
    assert str(tag["TALB"]) == "Love TV - Closer"
    assert str(tag.getall("COMM")[0]) == "Why closeness can feel like a tug of war."
    chapters = sorted(tag.getall("CHAP"), key=lambda chap: chap.start_time)
    assert [str(c.sub_frames["TIT2"]) for c in chapters] == [
        "Don't build a case",
        "Look at ourselves",
    ]

    seasons = json.loads(_ok(runner.invoke(main, ["season", "list", "--json"])))
    assert [(s["slug"], s["episodes"]) for s in seasons] == [("season-1", 1)]
    listed = json.loads(_ok(runner.invoke(main, ["episode", "list", season, "--json"])))
    assert [(e["guid"], e["status"], e["teaser"]) for e in listed] == [
        (published["guid"], "published", True)
    ]

    out = _ok(runner.invoke(main, ["episode", "unpublish", published["guid"]]))
    assert "unpublished" in out
    listed = json.loads(_ok(runner.invoke(main, ["episode", "list", "--json"])))
    assert listed[0]["status"] == "unpublished"
    assert store.size(published["audio_key"]) == published["size"]  # the audio stays


def test_publish_at_and_type_are_kept(runner: CliRunner, season: str, m4a_file: Path) -> None:
    args = ["episode", "publish", season, str(m4a_file), "--title", "Trailer", "--json"]
    later = "2099-01-01T09:00:00+01:00"
    published = json.loads(
        _ok(runner.invoke(main, [*args, "--type", "trailer", "--publish-at", later]))
    )
    assert published["episode_type"] == "trailer" and published["number"] is None
    assert published["publish_at"] == "2099-01-01T08:00:00+00:00"
    listed = json.loads(_ok(runner.invoke(main, ["episode", "list", "--json"])))
    assert listed[0]["status"] == "scheduled"
    human = _ok(runner.invoke(main, ["episode", "list"]))
    assert "scheduled" in human and "Trailer" in human


def test_refusals_are_one_line_and_leave_nothing(
    runner: CliRunner, season: str, env: dict[str, str], mp3_file: Path, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    not_audio = tmp_path / "notes.mp3"
    not_audio.write_text("not audio at all")
    publish = ["episode", "publish"]
    _ok(runner.invoke(main, [*publish, season, str(mp3_file), "--title", "One", "--number", "1"]))
    before = _stored(env).keys()
    cases = {
        "season 'season-9' does not exist (lovetv season list shows the seasons)": [
            "season-9",
            str(mp3_file),
        ],
        "notes.mp3 is not an audio file": [season, str(not_audio)],
        "already has episode 1": [season, str(mp3_file), "--number", "1"],
        "either --description or --notes": [
            season,
            str(mp3_file),
            "--description",
            "a",
            "--notes",
            str(notes),
        ],
        "is not an ISO 8601 time": [season, str(mp3_file), "--publish-at", "next tuesday"],
    }
    for expected, args in cases.items():
        stderr = _refused(runner.invoke(main, [*publish, *args, "--title", "Two", "--json"]))
        assert expected in stderr
    assert _stored(env).keys() == before
    listed = json.loads(_ok(runner.invoke(main, ["episode", "list", "--json"])))
    assert [e["title"] for e in listed] == ["One"]
    assert "no episode with GUID" in _refused(runner.invoke(main, ["episode", "unpublish", "x"]))


def test_show_and_season_artwork_must_follow_apples_rules(
    runner: CliRunner, season: str, tmp_path: Path
) -> None:
    wide = tmp_path / "wide.png"
    from PIL import Image

    Image.new("RGB", (2000, 1400)).save(wide, "PNG")
    stderr = _refused(runner.invoke(main, ["show", "set", "--image", str(wide)]))
    assert "wide.png is 2000x1400: podcast artwork must be square" in stderr
    small = make_png(tmp_path / "small.png", size=1000)
    stderr = _refused(
        runner.invoke(main, ["season", "add", "s2", "--title", "Two", "--image", str(small)])
    )
    assert "Apple requires square artwork between 1400x1400 and 3000x3000" in stderr
    seasons = json.loads(_ok(runner.invoke(main, ["season", "list", "--json"])))
    assert [s["slug"] for s in seasons] == ["season-1"]


@pytest.mark.parametrize("store_kind", ["s3"])
def test_an_s3_failure_mid_upload_is_one_line_and_a_rerun_succeeds(
    runner: CliRunner, season: str, env: dict[str, str], mp3_file: Path, tmp_path: Path
) -> None:
    """The CLI's own client (default 16 MiB parts) loses its connection on the second part."""
    big = make_long_mp3(tmp_path / "long.mp3", mp3_file, size=20 * 1024 * 1024)
    before = _stored(env).keys()
    events = boto3._get_default_session().events

    def drop_second_part(request, **_kwargs) -> None:  # type: ignore[no-untyped-def]
        if "partNumber=2" in request.url:
            raise ConnectionResetError("connection reset by peer")

    args = ["episode", "publish", season, str(big), "--title", "Long", "--json"]
    events.register("before-send.s3.UploadPart", drop_second_part)
    try:
        result = runner.invoke(main, args)
    finally:
        events.unregister("before-send.s3.UploadPart", drop_second_part)
    assert result.exit_code != 0
    assert result.stdout == "" and result.stderr.count("\n") == 1
    assert "error: " in result.stderr and "connection reset by peer" in result.stderr
    bucket = env["LOVETV_STORAGE_URL"].split("/")[2]
    assert boto3.client("s3").list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert _stored(env).keys() == before
    assert json.loads(_ok(runner.invoke(main, ["episode", "list", "--json"]))) == []

    published = json.loads(_ok(runner.invoke(main, args)))
    assert _stored(env).size(published["audio_key"]) == published["size"]


def test_a_database_failure_is_one_line_and_leaves_no_audio(
    runner: CliRunner, season: str, env: dict[str, str], m4a_file: Path
) -> None:
    def lose_the_database(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO EPISODES"):
            raise OperationalError(statement, params, Exception("connection to server lost"))

    before = _stored(env).keys()
    args = ["episode", "publish", season, str(m4a_file), "--title", "Lost"]
    event.listen(Engine, "before_cursor_execute", lose_the_database)
    try:
        stderr = _refused(runner.invoke(main, args))
    finally:
        event.remove(Engine, "before_cursor_execute", lose_the_database)
    assert "could not record the episode (connection to server lost)" in stderr
    assert _stored(env).keys() == before
    _ok(runner.invoke(main, args))


@pytest.mark.parametrize("storage_url", ["local"], indirect=True)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_terminal_sees_a_progress_bar(
    runner: CliRunner, season: str, env: dict[str, str], mp3_file: Path, tmp_path: Path
) -> None:
    lovetv = Path(sys.executable).parent / "lovetv"
    controller, terminal = pty.openpty()
    args = [str(lovetv), "episode", "publish", season, str(mp3_file), "--title", "Bar"]
    with os.fdopen(controller, "rb", buffering=0) as screen:
        proc = subprocess.run(
            args,
            env={**os.environ, **env},
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=terminal,
            timeout=60,
            check=False,
        )
        os.close(terminal)
        drawn = _read_all(screen)
    assert proc.returncode == 0, drawn
    assert b"uploading" in drawn and b"100%" in drawn
    assert b"uploading" not in proc.stdout


def _read_all(screen) -> bytes:  # type: ignore[no-untyped-def]
    chunks = []
    while True:
        try:
            chunk = screen.read(4096)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)
