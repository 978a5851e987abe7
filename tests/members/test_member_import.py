"""`lovetv member import FILE.csv`: a thousand members moved in at once, all rows or none."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from auth.access import effective_status
from publisher.cli import main
from publisher.models import Member, OutboxMessage
from publisher.services import Services


def write_csv(path: Path, rows: list[str], header: str = "email,plan") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def count(services: Services, model) -> int:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_thousand_rows_with_one_bad_one_import_nothing_then_all_then_none(
    runner: CliRunner, services: Services, tmp_path: Path
) -> None:
    runner.invoke(main, ["db", "upgrade"])
    rows = [f"member{n:04d}@example.com,{'yearly' if n % 2 else 'monthly'}" for n in range(1000)]
    bad = rows.copy()
    bad[500] = "not an address,monthly"
    refused = runner.invoke(main, ["member", "import", str(write_csv(tmp_path / "bad.csv", bad))])
    assert refused.exit_code == 1
    assert "error: line 502: 'not an address' is not an email address" in refused.stderr
    assert "nothing imported" in refused.stderr
    assert count(services, Member) == 0 and count(services, OutboxMessage) == 0

    good = write_csv(tmp_path / "good.csv", rows)
    done = runner.invoke(main, ["member", "import", str(good), "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout) == {"imported": 1000, "skipped": []}
    assert count(services, Member) == 1000
    with services.db.session() as session:
        welcomes = session.scalar(select(func.count()).where(OutboxMessage.kind == "welcome"))
        plans = dict(session.execute(select(Member.plan, func.count()).group_by(Member.plan)).all())
    assert welcomes == 1000 and plans == {"monthly": 500, "yearly": 500}

    again = runner.invoke(main, ["member", "import", str(good), "--json"])
    assert json.loads(again.stdout)["imported"] == 0
    assert len(json.loads(again.stdout)["skipped"]) == 1000
    assert count(services, Member) == 1000 and count(services, OutboxMessage) == 1000


def test_rows_are_checked_for_plans_dates_customers_and_repeats(
    runner: CliRunner, tmp_path: Path
) -> None:
    runner.invoke(main, ["db", "upgrade"])
    rows = [
        "ann@example.com,yearly,,",
        "fay@example.com,weekly,,",
        "bo@example.com,yearly,2020-01-01,",
        "cy@example.com,yearly,soon,",
        "di@example.com,yearly,,sub_123",
        "ann@example.com,yearly,,",
    ]
    path = write_csv(tmp_path / "rows.csv", rows, header="email,plan,ends,stripe_customer")
    refused = runner.invoke(main, ["member", "import", str(path)])
    assert refused.exit_code == 1
    lines = [line for line in refused.stderr.splitlines() if line.startswith("error: line")]
    assert [line.split(":")[1].strip() for line in lines] == [
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 7",
    ]
    assert "unknown plan 'weekly'" in lines[0] and "not in the future" in lines[1]
    assert "also on line 2" in lines[4]
    unknown = write_csv(tmp_path / "cols.csv", ["a@example.com,1"], header="email,phone")
    assert (
        "unknown column 'phone'" in runner.invoke(main, ["member", "import", str(unknown)]).stderr
    )


def test_a_prepaid_member_listens_until_the_day_their_old_membership_ends(
    runner: CliRunner, services: Services, tmp_path: Path
) -> None:
    runner.invoke(main, ["db", "upgrade"])
    ends = (datetime.now(UTC) + timedelta(days=40)).date()
    path = write_csv(
        tmp_path / "prepaid.csv",
        [f"pre@example.com,yearly,{ends},"],
        header="email,plan,ends,stripe_customer",
    )
    done = runner.invoke(main, ["member", "import", str(path), "--no-email"])
    assert done.exit_code == 0, done.output
    assert "imported 1 member; none emailed" in done.stdout
    with services.db.session() as session:
        member = session.scalar(select(Member))
        state = (member.status, member.billing_state, member.grace_until)
    assert effective_status(*state, datetime.now(UTC)) == "active"
    assert effective_status(*state, datetime.now(UTC) + timedelta(days=41)) == "lapsed"
    assert count(services, OutboxMessage) == 0


def test_the_account_page_says_until_when_a_prepaid_membership_runs() -> None:
    from publisher.accounts.account_page import membership_term

    member = Member(
        email="pre@example.com",
        plan="yearly",
        status="active",
        billing_state="prepaid",
        period_end=datetime(2027, 1, 31, tzinfo=UTC),
    )
    assert membership_term(member) == (
        "Paid until 31 January 2027: the membership ends then unless you join again."
    )
