"""One shape of an episode and one set of checks: what `episode list` says of an episode is
what `episode publish` said of it, and a publish and an edit refuse the same details in the
same words."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.cli_results import succeeded

from publisher.catalog.drafts import EpisodeDraft, EpisodeEdit
from publisher.catalog.episode_edit import _checked as checked_edit
from publisher.catalog.publishing import _checked as checked_draft
from publisher.cli import main
from publisher.errors import UserError


def test_episode_list_says_what_publish_said(runner: CliRunner, mp3_file: Path) -> None:
    succeeded(runner.invoke(main, ["db", "upgrade"]))
    succeeded(runner.invoke(main, ["show", "set", "--title", "Love TV"]))
    succeeded(runner.invoke(main, ["season", "add", "season-1", "--title", "Closer"]))
    args = ["episode", "publish", "season-1", str(mp3_file), "--title", "Opening", "--json"]
    published = json.loads(succeeded(runner.invoke(main, args)))
    listed = json.loads(succeeded(runner.invoke(main, ["episode", "list", "--json"])))
    assert listed == [published]


@pytest.mark.parametrize(
    ("details", "words"),
    [
        ({"title": "  "}, "an episode needs a title (--title)"),
        ({"episode_type": "clip"}, "unknown episode type 'clip' (use full, trailer, bonus)"),
        ({"number": 0}, "episode numbers start at 1 (--number)"),
        ({"title": "x" * 1000}, "the title is 1000 characters long"),
    ],
)
def test_a_publish_and_an_edit_refuse_in_the_same_words(
    details: dict[str, object], words: str
) -> None:
    draft = EpisodeDraft(season="season-1", audio=Path("a.mp3"), title="Opening")
    with pytest.raises(UserError) as by_publish:
        checked_draft(replace(draft, **details))  # type: ignore[arg-type]
    with pytest.raises(UserError) as by_edit:
        checked_edit(EpisodeEdit(**details))  # type: ignore[arg-type]
    assert str(by_publish.value) == str(by_edit.value)
    assert words in str(by_edit.value)


def test_a_publish_and_an_edit_store_a_time_in_utc() -> None:
    paris = datetime(2099, 1, 1, 9, 0, tzinfo=timezone(timedelta(hours=1)))
    naive = datetime(2099, 1, 1, 9, 0)
    for given, stored in (
        (paris, datetime(2099, 1, 1, 8, 0, tzinfo=UTC)),
        (naive, naive.replace(tzinfo=UTC)),
    ):
        draft = EpisodeDraft(season="s", audio=Path("a.mp3"), title="T", publish_at=given)
        assert checked_draft(draft).publish_at == stored
        assert checked_edit(EpisodeEdit(publish_at=given)).publish_at == stored
