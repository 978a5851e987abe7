"""A --publish-at already gone publishes at once (dated then): publish, edit and republish
say so in one warning line on stderr, and --json output stays one document on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.cli_catalog import season_ready
from support.cli_results import succeeded as _ok

from publisher.cli import main

PAST = "2020-03-01T09:00:00+00:00"
WARNING = "warning: --publish-at 2020-03-01 09:00 UTC is in the past"


@pytest.fixture
def season(runner: CliRunner) -> str:
    return season_ready(runner)


def _warned(result) -> dict:  # type: ignore[no-untyped-def]
    """The one JSON document on stdout, after checking stderr is exactly the warning."""
    document = json.loads(_ok(result))
    assert result.stderr.startswith(WARNING) and result.stderr.count("\n") == 1
    return document


def test_a_past_publish_time_warns_on_publish_edit_and_republish(
    runner: CliRunner, season: str, mp3_file: Path
) -> None:
    args = ["episode", "publish", season, str(mp3_file), "--title", "Old", "--json"]
    published = _warned(runner.invoke(main, [*args, "--publish-at", PAST]))
    assert (published["status"], published["publish_at"]) == ("published", PAST)
    guid = published["guid"]
    _warned(runner.invoke(main, ["episode", "edit", guid, "--publish-at", PAST, "--json"]))
    _ok(runner.invoke(main, ["episode", "unpublish", guid]))
    back = _warned(
        runner.invoke(main, ["episode", "republish", guid, "--publish-at", PAST, "--json"])
    )
    assert back["status"] == "published"


def test_a_future_publish_time_or_none_says_nothing_on_stderr(
    runner: CliRunner, season: str, mp3_file: Path
) -> None:
    args = ["episode", "publish", season, str(mp3_file), "--title", "New", "--json"]
    first = runner.invoke(main, [*args, "--publish-at", "2099-01-01T09:00:00"])
    second = runner.invoke(main, [*args, "--title", "Now"])
    for result in (first, second):
        _ok(result)
        assert result.stderr == ""
