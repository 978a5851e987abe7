"""Every time the CLI prints for a person reads `2026-12-09 09:00 UTC`, and a missing one
reads `-` (never `None`); `--json` and `--csv` keep ISO 8601 for programs and spreadsheets."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from support.catalog_factory import make_episode, make_member, make_season
from support.cli_results import succeeded as _ok

from publisher.cli import main
from publisher.gifts.models import BOUGHT, REDEEMED, Gift
from publisher.models import MediaRequest, Member
from publisher.services import Services

JOINED = datetime(2026, 12, 1, 8, 30, 59, 123456, tzinfo=UTC)
RENEWS = datetime(2099, 12, 9, 9, 0, tzinfo=UTC)
HEARD = datetime(2026, 12, 8, 21, 15, 30, tzinfo=UTC)


@pytest.fixture
def members(runner: CliRunner, services: Services, mp3_file: Path) -> None:
    """A monthly member who renews and fetched an episode once; a comp member with no end,
    no Stripe customer and no requests."""
    _ok(runner.invoke(main, ["db", "upgrade"]))
    secret = services.config.secret_key
    with services.db.session() as session:
        ann, _ = make_member(
            session,
            secret,
            "ann@example.com",
            plan="monthly",
            stripe_customer_id="cus_ann",
            period_end=RENEWS,
            created_at=JOINED,
        )
        make_member(session, secret, "bo@example.com", plan="comp", created_at=JOINED)
        episode = make_episode(
            session, services.storage, make_season(session), mp3_file, title="Opening up"
        )
        session.add(
            MediaRequest(
                at=HEARD,
                episode_id=episode.id,
                member_id=ann.id,
                method="GET",
                bytes_requested=1000,
                network_hash="0" * 64,
                user_agent="Overcast/3.0",
                app="Overcast",
                counted=False,  # not a download: the 30-day count stays 0 whatever today is
            )
        )


def test_member_show_prints_times_to_the_minute_in_utc_and_a_dash_for_none(
    runner: CliRunner, members: None
) -> None:
    ann = _ok(runner.invoke(main, ["member", "show", "ann@"]))
    assert "  joined 2026-12-01 08:30 UTC  renews 2099-12-09 09:00 UTC  stripe: cus_ann\n" in ann
    assert "  2026-12-08 21:15 UTC  Overcast  GET  Opening up\n" in ann
    bo = _ok(runner.invoke(main, ["member", "show", "bo@"]))
    assert "  joined 2026-12-01 08:30 UTC  ends -  stripe: -\n" in bo
    assert "None" not in ann + bo


def test_member_list_prints_times_to_the_minute_in_utc_and_a_dash_for_none(
    runner: CliRunner, members: None
) -> None:
    assert _ok(runner.invoke(main, ["member", "list"])).splitlines() == [
        "EMAIL\tPLAN\tSTATUS\tJOINED\tRENEWS OR ENDS\tSTRIPE CUSTOMER\tDOWNLOADS (30 DAYS)",
        "ann@example.com\tmonthly\tactive\tjoined 2026-12-01 08:30 UTC\t"
        "renews 2099-12-09 09:00 UTC\tcus_ann\t0 downloads",
        "bo@example.com\tcomp\tactive\tjoined 2026-12-01 08:30 UTC\t-\t-\t0 downloads",
    ]


def test_json_and_csv_keep_iso_8601_times(runner: CliRunner, members: None) -> None:
    shown = json.loads(_ok(runner.invoke(main, ["member", "show", "ann@", "--json"])))
    assert (shown["joined"], shown["renews"], shown["ends"]) == (
        JOINED.isoformat(),
        RENEWS.isoformat(),
        None,
    )
    assert shown["last_requests"][0]["at"] == HEARD.isoformat()
    listed = json.loads(_ok(runner.invoke(main, ["member", "list", "--json"])))["members"]
    assert [(m["joined"], m["renews"]) for m in listed] == [
        (JOINED.isoformat(), RENEWS.isoformat()),
        (JOINED.isoformat(), None),
    ]
    rows = csv.DictReader(io.StringIO(_ok(runner.invoke(main, ["member", "list", "--csv"]))))
    assert [(r["joined"], r["renews"], r["ends"]) for r in rows] == [
        (JOINED.isoformat(), RENEWS.isoformat(), ""),
        (JOINED.isoformat(), "", ""),
    ]


def test_gift_list_prints_times_to_the_minute_in_utc_and_a_dash_for_none(
    runner: CliRunner, services: Services, members: None
) -> None:
    with services.db.session() as session:
        ann = session.scalar(select(Member.id).where(Member.email == "ann@example.com"))
        common = {"plan": "yearly", "recipient_name": "Cy", "recipient_email": "cy@example.com"}
        session.add(Gift(**common, status=BOUGHT, paid_at=HEARD, deliver_on=date(2099, 2, 14)))
        session.add(
            Gift(
                **common,
                status=REDEEMED,
                buyer_email="dee@example.com",
                paid_at=JOINED,
                member_id=ann,
                ends_at=RENEWS,
            )
        )
    lines = _ok(runner.invoke(main, ["gift", "list"])).splitlines()
    assert lines[1:] == [
        f"2026-12-01 08:30 UTC  yearly    redeemed   {'dee@example.com':<28}  cy@example.com"
        "  redeemed by ann@example.com, ends 2099-12-09 09:00 UTC",
        f"2026-12-08 21:15 UTC  yearly    bought     {'-':<28}  cy@example.com"
        "  delivery 2099-02-14",
    ]


def test_one_download_is_said_in_the_singular() -> None:
    from publisher.cli.member_list import _line

    member = {
        "email": "cy@example.com",
        "plan": "comp",
        "discount": None,
        "status": "active",
        "joined": JOINED.isoformat(),
        "renews": None,
        "ends": None,
        "stripe_customer": None,
        "downloads_30d": 1,
        "flagged": False,
        "sharing": [],
    }
    assert _line(member).endswith("\t-\t-\t1 download")
    assert _line({**member, "downloads_30d": 2}).endswith("\t2 downloads")


def test_stripe_sync_lines_print_a_dash_never_none() -> None:
    from publisher.billing.membership import MemberChange

    before = {"status": "active", "plan": "comp", "billing_state": None}
    after = {"status": "active", "plan": "monthly", "billing_state": "active", "status_reason": "x"}
    line = MemberChange("cy@example.com", before, after).describe()
    assert line == (
        "cy@example.com: active comp -> active monthly "
        "(x; plan comp -> monthly, billing_state - -> active)"
    )
