"""`lovetv member list` and `member show`: filters, search, CSV and JSON, revenue summary."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from support.catalog_factory import make_member

from publisher.cli import main
from publisher.errors import UserError
from publisher.models import utcnow


def _members(services) -> None:  # type: ignore[no-untyped-def]
    """Two monthly, one yearly, one lifetime, one comp (all active), a lapsed and a revoked."""
    secret = services.config.secret_key
    renewal = utcnow() + timedelta(days=20)
    with services.db.session() as session:
        for i, plan in enumerate(["monthly", "monthly", "yearly", "lifetime", "comp"]):
            make_member(
                session,
                secret,
                f"{plan}{i}@example.com",
                plan=plan,
                stripe_customer_id=None if plan == "comp" else f"cus_{plan}{i}",
                period_end=renewal if plan in ("monthly", "yearly") else None,
            )
        make_member(session, secret, "gone@example.com", plan="monthly", status="lapsed")
        make_member(session, secret, "out@example.com", plan="yearly", status="revoked")


def _list(runner: CliRunner, *args: str) -> dict:
    result = runner.invoke(main, ["member", "list", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_member_list_summary_counts_plans_statuses_and_monthly_revenue(
    runner: CliRunner, services
) -> None:
    runner.invoke(main, ["db", "upgrade"])
    _members(services)
    listing = _list(runner)
    summary = listing["summary"]
    assert summary["members"] == 7
    assert summary["by_status"] == {"active": 5, "lapsed": 1, "revoked": 1}
    assert summary["by_plan"] == {"monthly": 3, "yearly": 2, "lifetime": 1, "comp": 1}
    assert summary["active_paying"] == 4  # comp pays nothing; lapsed and revoked don't count
    assert summary["mrr"] == "172.50"  # 2 x 77 + 222 / 12 (lifetime recurs nothing)
    first = listing["members"][0]
    assert first["email"] == "monthly0@example.com" and first["stripe_customer"] == "cus_monthly0"
    assert first["renews"] and first["downloads_30d"] == 0 and first["flagged"] is False


def test_member_list_filters_and_searches(runner: CliRunner, services) -> None:
    runner.invoke(main, ["db", "upgrade"])
    _members(services)
    assert [m["email"] for m in _list(runner, "--status", "lapsed")["members"]] == [
        "gone@example.com"
    ]
    yearly = [m["email"] for m in _list(runner, "--plan", "yearly")["members"]]
    assert yearly == ["yearly2@example.com", "out@example.com"]
    assert [m["email"] for m in _list(runner, "--search", "LIFE")["members"]] == [
        "lifetime3@example.com"
    ]
    by_customer = _list(runner, "--search", "cus_comp")["members"]
    assert by_customer == []  # the comp member has no Stripe customer
    assert _list(runner, "--search", "%")["members"] == []  # LIKE wildcards are literal
    assert _list(runner, "--flagged")["members"] == []


def test_member_list_csv_has_a_header_and_the_summary_on_stderr(
    runner: CliRunner, services
) -> None:
    runner.invoke(main, ["db", "upgrade"])
    _members(services)
    result = runner.invoke(main, ["member", "list", "--csv", "--plan", "monthly"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["email"] for r in rows] == [
        "monthly0@example.com",
        "monthly1@example.com",
        "gone@example.com",
    ]
    assert set(rows[0]) >= {"email", "plan", "status", "joined", "renews", "stripe_customer"}
    assert "MRR $154.00" in result.stderr
    both = runner.invoke(main, ["member", "list", "--csv", "--json"])
    assert both.exit_code != 0


def test_member_show_takes_a_unique_part_of_an_email(runner: CliRunner, services) -> None:
    runner.invoke(main, ["db", "upgrade"])
    _members(services)
    shown = runner.invoke(main, ["member", "show", "lifetime3", "--json"])
    assert shown.exit_code == 0, shown.output
    described = json.loads(shown.stdout)
    assert described["email"] == "lifetime3@example.com"
    assert described["stripe_customer"] == "cus_lifetime3" and described["joined"]
    assert described["last_requests"] == []
    ambiguous = runner.invoke(main, ["member", "show", "monthly"])
    assert ambiguous.exit_code == 1 and "matches several members" in ambiguous.stderr


def test_member_list_neither_runs_formulas_nor_obeys_escapes(runner: CliRunner, services) -> None:
    """Addresses come from Checkout, typed by anyone: a spreadsheet and a terminal stay safe."""
    from publisher.members.members import add_member

    runner.invoke(main, ["db", "upgrade"])
    hostile = ["=1+1@evil.example", "+cmd|'/ccalc'!a0@evil.example", "-2+3@evil.example"]
    with services.db.session() as session:
        for address in hostile:
            add_member(session, services.config.secret_key, address)
        # An address with control characters is refused at the door now; one stored before
        # that (or by hand) must still print harmlessly.
        with pytest.raises(UserError, match="is not an email address"):
            add_member(session, services.config.secret_key, "esc\x1b[2Jape@evil.example")
        stored = add_member(session, services.config.secret_key, "esc@evil.example")
        stored.email = "esc\x1b[2jape@evil.example"
    result = runner.invoke(main, ["member", "list", "--csv"])
    cells = [r["email"] for r in csv.DictReader(io.StringIO(result.stdout))]
    assert all(c.startswith("'") for c in cells if c.lstrip("'")[0] in "=+-@")
    assert sorted(c.lstrip("'") for c in cells)[:3] == sorted(hostile)
    lines = runner.invoke(main, ["member", "list"]).stdout
    assert "\x1b" not in lines and "esc\\x1b[2jape@evil.example" in lines  # stored lower-case
