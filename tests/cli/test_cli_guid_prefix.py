"""Every command that takes an episode's GUID takes a unique start of it too (at least six
characters), as `member show` takes part of an address; anything else is one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update
from support.cli_catalog import published, season_ready
from support.cli_results import refused as _refused
from support.cli_results import succeeded as _ok

from publisher.cli import main
from publisher.models import Episode
from publisher.services import Services

FIRST = "abcdef01-0000-4000-8000-000000000001"
SECOND = "abcdef02-0000-4000-8000-000000000002"


@pytest.fixture
def two_episodes(runner: CliRunner, mp3_file: Path, services: Services) -> None:
    """Two episodes whose GUIDs share their first six characters."""
    season_ready(runner)
    for title, guid in (("One", FIRST), ("Two", SECOND)):
        made = published(runner, mp3_file, title)["guid"]
        with services.db.session() as session:
            session.execute(update(Episode).where(Episode.guid == made).values(guid=guid))


def _statuses(runner: CliRunner) -> dict[str, str]:
    listed = json.loads(_ok(runner.invoke(main, ["episode", "list", "--json"])))
    return {e["guid"]: e["status"] for e in listed}


@pytest.mark.usefixtures("two_episodes")
def test_a_unique_start_of_a_guid_names_the_episode(runner: CliRunner) -> None:
    edited = json.loads(
        _ok(runner.invoke(main, ["episode", "edit", "abcdef02", "--title", "Deux", "--json"]))
    )
    assert (edited["guid"], edited["title"]) == (SECOND, "Deux")
    assert SECOND in _ok(runner.invoke(main, ["episode", "unpublish", "abcdef02"]))
    assert _statuses(runner) == {FIRST: "published", SECOND: "unpublished"}
    assert SECOND in _ok(runner.invoke(main, ["episode", "republish", "abcdef02-0"]))
    stats = json.loads(_ok(runner.invoke(main, ["stats", "--episode", "abcdef01", "--json"])))
    assert [e["guid"] for e in stats["episodes"]] == [FIRST]


@pytest.mark.usefixtures("two_episodes")
def test_an_ambiguous_short_or_unknown_start_is_refused_in_one_line(runner: CliRunner) -> None:
    ambiguous = _refused(runner.invoke(main, ["episode", "unpublish", "abcdef"]))
    assert "several episodes" in ambiguous and FIRST in ambiguous
    short = _refused(runner.invoke(main, ["episode", "unpublish", "abcd"]))
    assert (
        "a GUID prefix needs at least 6 characters" in short and "no episode starting" not in short
    )
    unknown = _refused(runner.invoke(main, ["episode", "edit", "ffffffff", "--title", "X"]))
    assert "no episode with GUID 'ffffffff'" in unknown
    assert "no episode" in _refused(runner.invoke(main, ["stats", "--episode", "ABCDEF01"]))
    assert _statuses(runner) == {FIRST: "published", SECOND: "published"}
