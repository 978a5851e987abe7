"""`episode list`, `stats`, `season list`, `member list` and `mail list` print a header row
of column names before their lines (never with --json or --csv), and counts read in words:
'1 download', '2 downloads'."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from support.cli_catalog import published, season_ready
from support.cli_results import succeeded as _ok

from publisher.cli import main
from publisher.models import Episode, MediaRequest, utcnow
from publisher.services import Services


@pytest.fixture
def guid(runner: CliRunner, mp3_file: Path) -> str:
    season_ready(runner)
    return published(runner, mp3_file)["guid"]


def _downloads(services: Services, guid: str, count: int) -> None:
    """`count` counted downloads of the episode, from Overcast, an hour ago."""
    with services.db.session() as session:
        episode_id = session.scalar(select(Episode.id).where(Episode.guid == guid))
        for _ in range(count):
            session.add(
                MediaRequest(
                    at=utcnow().replace(microsecond=0),
                    episode_id=episode_id,
                    method="GET",
                    bytes_requested=1000,
                    network_hash="0" * 64,
                    user_agent="Overcast/3.0",
                    app="Overcast",
                    counted=True,
                )
            )


def test_episode_list_has_a_header_row(runner: CliRunner, guid: str) -> None:
    lines = _ok(runner.invoke(main, ["episode", "list"])).splitlines()
    assert lines[0] == "GUID\tSEASON\tNUMBER\tSTATUS\tPUBLISH AT\tTITLE"
    assert re.fullmatch(
        rf"{guid}\tseason-1\t1\tpublished\t\d{{4}}-\d\d-\d\d \d\d:\d\d UTC\tOpening up", lines[1]
    )
    assert len(json.loads(_ok(runner.invoke(main, ["episode", "list", "--json"])))) == 1


def test_season_list_has_a_header_row(runner: CliRunner, guid: str) -> None:
    lines = _ok(runner.invoke(main, ["season", "list"])).splitlines()
    assert lines == [
        "SLUG\tNUMBER\tEPISODES\tTITLE",
        "season-1\t1\t1 published, 0 scheduled, 0 unpublished\tCloser",
    ]
    assert json.loads(_ok(runner.invoke(main, ["season", "list", "--json"])))[0]["slug"] == (
        "season-1"
    )


def test_member_list_has_a_header_row_but_not_its_csv_or_json(runner: CliRunner) -> None:
    season_ready(runner)
    _ok(runner.invoke(main, ["member", "add", "ann@example.com", "--no-email"]))
    lines = _ok(runner.invoke(main, ["member", "list"])).splitlines()
    assert lines[0].split("\t") == [
        "EMAIL",
        "PLAN",
        "STATUS",
        "JOINED",
        "RENEWS OR ENDS",
        "STRIPE CUSTOMER",
        "DOWNLOADS (30 DAYS)",
    ]
    assert lines[1].startswith("ann@example.com\tcomp\tactive\tjoined ") and len(lines) == 2
    csv_lines = _ok(runner.invoke(main, ["member", "list", "--csv"])).splitlines()
    assert csv_lines[0].startswith("email,") and len(csv_lines) == 2
    listed = json.loads(_ok(runner.invoke(main, ["member", "list", "--json"])))
    assert [m["email"] for m in listed["members"]] == ["ann@example.com"]


def test_mail_list_has_a_header_row(runner: CliRunner) -> None:
    season_ready(runner)
    _ok(runner.invoke(main, ["member", "add", "ann@example.com"]))
    lines = _ok(runner.invoke(main, ["mail", "list"])).splitlines()
    assert lines[0].split() == ["CREATED", "STATUS", "KIND", "TO"]
    assert lines[0].index("STATUS") == lines[1].index("pending")
    assert lines[1].endswith("ann@example.com") and len(lines) == 2
    listed = json.loads(_ok(runner.invoke(main, ["mail", "list", "--json"])))
    assert [m["to"] for m in listed["messages"]] == ["ann@example.com"]


def test_stats_has_a_header_row_and_counts_in_words(
    runner: CliRunner, guid: str, services: Services
) -> None:
    _downloads(services, guid, 1)
    by_episode = runner.invoke(main, ["stats", "--days", "1"])
    assert _ok(by_episode).splitlines() == [
        "DOWNLOADS\tAUDIO\tVIDEO\tHLS\tSEASON\tGUID\tTITLE",
        f"1\t1\t0\t0\tseason-1\t{guid}\tOpening up",
    ]
    assert by_episode.stderr == "1 download in the last 1 day\n"
    _downloads(services, guid, 1)
    by_app = runner.invoke(main, ["stats", "--by", "app"])
    assert _ok(by_app).splitlines() == ["DOWNLOADS\tAPP", "2\tOvercast"]
    assert by_app.stderr == "2 downloads in the last 30 days\n"
    assert json.loads(_ok(runner.invoke(main, ["stats", "--json"])))["downloads"] == 2


def test_every_time_prints_the_same_way() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    from publisher.cli.terminal import moment

    when = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
    assert moment(when) == "2026-12-09 09:00 UTC"
    assert moment(when.astimezone(timezone(timedelta(hours=2)))) == "2026-12-09 09:00 UTC"
    assert moment("2026-12-09T09:00:00+00:00") == "2026-12-09 09:00 UTC"
    assert moment(None) == "-"
