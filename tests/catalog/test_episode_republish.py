"""`lovetv episode republish`: an unpublished episode comes back with its GUID, audio and
number; `episode edit --publish-at` never pretends to bring it back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.cli_catalog import published, season_ready
from support.cli_results import refused as _refused
from support.cli_results import succeeded as _ok

from publisher.cli import main


@pytest.fixture
def unpublished(runner: CliRunner, mp3_file: Path) -> dict:
    season_ready(runner)
    episode = published(runner, mp3_file)
    _ok(runner.invoke(main, ["episode", "unpublish", episode["guid"]]))
    return episode


def _listed(runner: CliRunner) -> list[dict]:
    return json.loads(_ok(runner.invoke(main, ["episode", "list", "--json"])))


def test_republish_puts_the_same_episode_back(runner: CliRunner, unpublished: dict) -> None:
    out = _ok(runner.invoke(main, ["episode", "republish", unpublished["guid"]]))
    assert "republished" in out and unpublished["guid"] in out
    [listed] = _listed(runner)
    assert listed["status"] == "published"
    kept = ("guid", "audio_key", "number")
    assert {k: listed[k] for k in kept} == {k: unpublished[k] for k in kept}
    again = _ok(runner.invoke(main, ["episode", "republish", unpublished["guid"]]))
    assert "was not unpublished" in again


def test_republish_at_a_time_schedules_it(runner: CliRunner, unpublished: dict) -> None:
    args = ["episode", "republish", unpublished["guid"], "--publish-at", "2099-01-02T09:00:00"]
    done = json.loads(_ok(runner.invoke(main, [*args, "--json"])))
    assert done["guid"] == unpublished["guid"] and done["status"] == "scheduled"
    assert done["publish_at"] == "2099-01-02T09:00:00+00:00"
    [listed] = _listed(runner)
    assert (listed["status"], listed["number"]) == ("scheduled", unpublished["number"])


def test_edit_publish_at_on_an_unpublished_episode_points_to_republish(
    runner: CliRunner, unpublished: dict
) -> None:
    guid = unpublished["guid"]
    args = ["episode", "edit", guid, "--publish-at", "2099-01-02T09:00:00"]
    assert f"lovetv episode republish {guid}" in _refused(runner.invoke(main, args))
    assert _listed(runner)[0]["status"] == "unpublished"


def test_republish_at_a_time_refuses_a_live_episode(runner: CliRunner, unpublished: dict) -> None:
    guid = unpublished["guid"]
    _ok(runner.invoke(main, ["episode", "republish", guid]))
    args = ["episode", "republish", guid, "--publish-at", "2099-01-02T09:00:00"]
    assert f"lovetv episode edit {guid} --publish-at" in _refused(runner.invoke(main, args))
