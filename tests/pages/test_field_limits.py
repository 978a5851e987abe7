"""Field limits: the same refusal on SQLite and PostgreSQL, one line, before any upload.

SQLite stores a title of any length and PostgreSQL refuses one longer than its column, so
without a check of our own the two databases disagreed (and PostgreSQL refused only after
the audio was uploaded). The limits come from the model's columns.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from support.cli_results import refused as _refused
from support.cli_results import succeeded as _ok

from audio.storage import open_storage
from publisher.catalog.field_limits import DESCRIPTION_MAX, NUMBER_MAX, column_length
from publisher.cli import main
from publisher.models import Episode, Season, Show

TITLE_MAX = column_length(Episode, "title")


@pytest.fixture
def season(runner: CliRunner) -> str:
    _ok(runner.invoke(main, ["db", "upgrade"]))
    _ok(runner.invoke(main, ["show", "set", "--title", "Love TV", "--author", "Ann"]))
    _ok(runner.invoke(main, ["season", "add", "season-1", "--title", "Closer"]))
    return "season-1"


def _episodes(env: dict[str, str]) -> int:
    from publisher.config import load_config
    from publisher.services import Services

    services = Services.from_config(load_config(env))
    try:
        with services.db.session() as session:
            return session.scalar(select(func.count(Episode.id)))
    finally:
        services.db.dispose()


def test_the_limits_are_the_columns_sizes() -> None:
    assert TITLE_MAX == 512
    assert column_length(Season, "title") == column_length(Show, "title") == 255
    assert column_length(Episode, "description") == DESCRIPTION_MAX == 4000


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        (
            "--title",
            "t" * (TITLE_MAX + 1),
            f"the title is 513 characters long, at most {TITLE_MAX}",
        ),
        ("--description", "d" * 4001, "the show notes is 4001 characters long, at most 4000"),
        ("--number", str(NUMBER_MAX + 1), f"the episode number must be between 1 and {NUMBER_MAX}"),
    ],
)
def test_an_over_long_field_is_refused_before_any_upload(
    runner: CliRunner,
    season: str,
    env: dict[str, str],
    mp3_file: Path,
    option: str,
    value: str,
    message: str,
) -> None:
    store = open_storage(env["LOVETV_STORAGE_URL"])
    before = store.keys()
    args = ["episode", "publish", season, str(mp3_file), "--title", "Fine", option, value]
    assert message in _refused(runner.invoke(main, args))
    assert store.keys() == before
    assert _episodes(env) == 0


def test_a_title_at_the_limit_is_published_on_either_database(
    runner: CliRunner, season: str, env: dict[str, str], mp3_file: Path
) -> None:
    title = "é" * TITLE_MAX  # characters, not bytes: PostgreSQL counts the same way
    _ok(runner.invoke(main, ["episode", "publish", season, str(mp3_file), "--title", title]))
    assert _episodes(env) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["season", "add", "season-2", "--title", "s" * 256],
        ["season", "add", "season-2", "--title", "S", "--number", str(NUMBER_MAX + 1)],
        ["season", "edit", "season-1", "--description", "d" * 4001],
        ["show", "set", "--title", "s" * 256],
        ["show", "set", "--author", "a" * 256],
        ["show", "set", "--category", "c" * 256],
        ["show", "set", "--website", "https://" + "w" * 1024],
    ],
    ids=[
        "season-title",
        "season-number",
        "season-description",
        "show-title",
        "author",
        "category",
        "website",
    ],
)
def test_catalog_fields_over_their_limit_are_refused_and_nothing_changes(
    runner: CliRunner, season: str, args: list[str]
) -> None:
    before = _ok(runner.invoke(main, ["season", "list", "--json"]))
    message = _refused(runner.invoke(main, args))
    assert "characters long" in message or "must be between" in message
    assert _ok(runner.invoke(main, ["season", "list", "--json"])) == before


def test_an_episode_edit_over_the_limit_is_refused(
    runner: CliRunner, season: str, mp3_file: Path
) -> None:
    published = _ok(
        runner.invoke(main, ["episode", "publish", season, str(mp3_file), "--title", "A", "--json"])
    )
    guid = published.split('"guid": "')[1].split('"')[0]
    message = _refused(runner.invoke(main, ["episode", "edit", guid, "--title", "t" * 513]))
    assert "shorten --title" in message
