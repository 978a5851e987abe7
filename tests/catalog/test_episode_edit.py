"""`lovetv episode edit`: the GUID stays, feeds and the stored audio's tags follow the edit,
and a failing edit leaves the old episode playing (all or nothing, as publish is)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from mutagen import id3
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from support.cli_results import succeeded as _ok
from support.media import make_png

from audio.storage import open_storage
from publisher.cli import main

pytestmark = pytest.mark.every_store  # storage is the subject: a folder and S3


@pytest.fixture
def published(runner: CliRunner, tmp_path: Path, mp3_file: Path) -> dict:
    art = make_png(tmp_path / "show.png", size=1400)
    _ok(runner.invoke(main, ["db", "upgrade"]))
    _ok(runner.invoke(main, ["show", "set", "--title", "Love TV", "--image", str(art)]))
    _ok(runner.invoke(main, ["season", "add", "season-1", "--title", "Closer", "--number", "1"]))
    args = ["episode", "publish", "season-1", str(mp3_file), "--title", "Opening uo", "--json"]
    return json.loads(_ok(runner.invoke(main, args)))


def _tags(env: dict[str, str], key: str, tmp_path: Path) -> id3.ID3:
    copy = tmp_path / "stored.mp3"
    copy.write_bytes(open_storage(env["LOVETV_STORAGE_URL"]).get_bytes(key))
    return id3.ID3(copy)


def _keys(env: dict[str, str]) -> set[str]:
    return set(open_storage(env["LOVETV_STORAGE_URL"]).keys("audio/"))


def test_edit_keeps_the_guid_and_retags_the_stored_audio(
    runner: CliRunner, published: dict, env: dict[str, str], tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Fixed notes.\n")
    args = ["episode", "edit", published["guid"], "--title", "Opening up", "--notes", str(notes)]
    edited = json.loads(_ok(runner.invoke(main, [*args, "--number", "7", "--json"])))
    assert edited["guid"] == published["guid"]
    assert (edited["title"], edited["number"]) == ("Opening up", 7)
    assert edited["audio_key"] != published["audio_key"]
    assert _keys(env) == {edited["audio_key"]}  # the old object was deleted after the swap
    tags = _tags(env, edited["audio_key"], tmp_path)
    assert str(tags["TIT2"]) == "Opening up" and str(tags["TRCK"]) == "7"
    listed = json.loads(_ok(runner.invoke(main, ["episode", "list", "--json"])))
    assert [(e["guid"], e["title"], e["number"]) for e in listed] == [
        (published["guid"], "Opening up", 7)
    ]


def test_rescheduling_prints_the_time_and_season_list_counts_apart(
    runner: CliRunner, published: dict
) -> None:
    out = _ok(
        runner.invoke(
            main, ["episode", "edit", published["guid"], "--publish-at", "2099-01-02T09:00:00"]
        )
    )
    assert "scheduled for 2099-01-02 09:00 UTC" in out
    seasons = json.loads(_ok(runner.invoke(main, ["season", "list", "--json"])))
    assert (seasons[0]["published"], seasons[0]["scheduled"], seasons[0]["unpublished"]) == (
        0,
        1,
        0,
    )


def test_audio_swap_fails_all_or_nothing_and_then_succeeds(
    runner: CliRunner, published: dict, env: dict[str, str], m4a_file: Path
) -> None:
    def lose_the_database(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("UPDATE EPISODES"):
            raise OperationalError(statement, params, Exception("connection to server lost"))

    args = ["episode", "edit", published["guid"], "--audio", str(m4a_file), "--json"]
    event.listen(Engine, "before_cursor_execute", lose_the_database)
    try:
        failed = runner.invoke(main, args)
    finally:
        event.remove(Engine, "before_cursor_execute", lose_the_database)
    assert failed.exit_code != 0 and failed.stdout == ""
    assert _keys(env) == {published["audio_key"]}  # the old file plays on, nothing left over
    listed = json.loads(_ok(runner.invoke(main, ["episode", "list", "--json"])))
    assert listed[0]["audio_key"] == published["audio_key"]
    swapped = json.loads(_ok(runner.invoke(main, args)))
    assert swapped["guid"] == published["guid"] and swapped["mime"] == "audio/x-m4a"
    assert swapped["audio_key"].endswith(f"{published['guid']}.m4a")
    assert _keys(env) == {swapped["audio_key"]}


def test_edit_refuses_a_taken_number_and_an_empty_edit(
    runner: CliRunner, published: dict, mp3_file: Path
) -> None:
    _ok(runner.invoke(main, ["episode", "publish", "season-1", str(mp3_file), "--title", "Two"]))
    taken = runner.invoke(main, ["episode", "edit", published["guid"], "--number", "2"])
    assert taken.exit_code == 1 and "already has episode 2" in taken.stderr
    empty = runner.invoke(main, ["episode", "edit", published["guid"]])
    assert empty.exit_code == 1 and "nothing to change" in empty.stderr
    unknown = runner.invoke(main, ["episode", "edit", "nope", "--title", "X"])
    assert unknown.exit_code == 1 and "no episode with GUID" in unknown.stderr


def test_season_edit_changes_the_title(runner: CliRunner, published: dict) -> None:
    _ok(runner.invoke(main, ["season", "edit", "season-1", "--title", "Closer Still"]))
    seasons = json.loads(_ok(runner.invoke(main, ["season", "list", "--json"])))
    assert seasons[0]["title"] == "Closer Still" and seasons[0]["published"] == 1
    missing = runner.invoke(main, ["season", "edit", "season-9", "--title", "X"])
    assert missing.exit_code == 1 and "does not exist" in missing.stderr


def test_each_edit_stores_its_own_audio_and_an_unchanged_one_keeps_its_key(
    runner: CliRunner, published: dict, env: dict[str, str], tmp_path: Path
) -> None:
    """Edit keys name the tagged bytes' hash: two different edits never share a key (the
    second would be skipped as "already stored" and the first one's audio would play on)."""
    guid = published["guid"]
    first = json.loads(
        _ok(runner.invoke(main, ["episode", "edit", guid, "--title", "One", "--json"]))
    )
    second = json.loads(
        _ok(runner.invoke(main, ["episode", "edit", guid, "--title", "Two", "--json"]))
    )
    assert first["audio_key"] != second["audio_key"]
    assert str(_tags(env, second["audio_key"], tmp_path)["TIT2"]) == "Two"
    again = json.loads(
        _ok(runner.invoke(main, ["episode", "edit", guid, "--title", "Two", "--json"]))
    )
    assert again["audio_key"] == second["audio_key"]  # the same bytes: nothing uploaded again
    assert _keys(env) == {second["audio_key"]}
