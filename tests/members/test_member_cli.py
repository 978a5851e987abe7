"""`lovetv member …`: comp members, their links, rotation and revocation, as the README says."""

from __future__ import annotations

import json

from click.testing import CliRunner

from publisher.cli import main


def invoke(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    result = runner.invoke(main, list(args))
    return result


def test_member_add_prints_the_contract_json_with_a_feed_per_season(runner: CliRunner) -> None:
    assert invoke(runner, "db", "upgrade").exit_code == 0
    added = invoke(runner, "member", "add", "Ann@Example.com", "--plan", "yearly", "--json")
    assert added.exit_code == 0, added.output
    summary = json.loads(added.stdout)
    assert summary["email"] == "ann@example.com"
    assert summary["status"] == "active" and summary["plan"] == "yearly"
    assert summary["feeds"] == {}
    shown = json.loads(invoke(runner, "member", "show", "ann@example.com", "--json").stdout)
    assert shown["email"] == "ann@example.com"


def test_rotate_gives_new_links_and_revoke_withdraws(runner: CliRunner, services) -> None:
    from publisher.models import Season

    invoke(runner, "db", "upgrade")
    with services.db.session() as session:
        session.add(Season(slug="season-1", title="One", number=1))
    first = json.loads(invoke(runner, "member", "add", "bo@example.com", "--json").stdout)
    old_url = first["feeds"]["season-1"]
    assert old_url.startswith("http://podcasts.lovetv.test/feeds/") and old_url.endswith(
        "/season-1.xml"
    )
    rotated = invoke(runner, "member", "rotate", "bo@example.com")
    assert rotated.exit_code == 0 and old_url not in rotated.output
    new = json.loads(invoke(runner, "member", "show", "bo@example.com", "--json").stdout)
    assert new["feeds"]["season-1"] != old_url
    revoked = invoke(runner, "member", "revoke", "bo@example.com")
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    shown = json.loads(invoke(runner, "member", "show", "bo@example.com", "--json").stdout)
    assert shown["status"] == "revoked"


def test_unknown_member_and_bad_plan_fail_in_one_line(runner: CliRunner) -> None:
    invoke(runner, "db", "upgrade")
    missing = invoke(runner, "member", "show", "nobody@example.com")
    assert missing.exit_code == 1
    assert (
        missing.stderr.startswith("error: no member with email") and missing.stderr.count("\n") == 1
    )
    duplicate = invoke(runner, "member", "add", "cy@example.com")
    assert duplicate.exit_code == 0
    again = invoke(runner, "member", "add", "cy@example.com")
    assert again.exit_code == 1 and "already a member" in again.stderr
    assert invoke(runner, "member", "add", "dee@example.com", "--plan", "weekly").exit_code == 2


def test_demo_member_is_added_once_and_its_links_work(app, services) -> None:
    from publisher.members.demo_member import ensure_demo_member
    from publisher.models import Season

    with services.db.session() as session:
        session.add(Season(slug="season-1", title="One", number=1))
    first, second = ensure_demo_member(services), ensure_demo_member(services)
    assert first == second
    assert first["teaser feed"] == "http://podcasts.lovetv.test/feeds/teaser.xml"
    member_feed = first["demo member feed (season-1)"]
    response = app.test_client().get(member_feed.removeprefix("http://podcasts.lovetv.test"))
    assert response.status_code == 200


def test_member_add_emails_the_welcome_unless_told_not_to(runner: CliRunner, services) -> None:
    from sqlalchemy import select

    from publisher.models import OutboxMessage

    told = invoke(runner, "member", "add", "told@example.com")
    assert told.exit_code == 0 and "emailed the welcome" in told.stdout
    quiet = invoke(runner, "member", "add", "quiet@example.com", "--no-email", "--json")
    assert quiet.exit_code == 0 and json.loads(quiet.stdout)["emailed"] is False
    with services.db.session() as session:
        queued = session.execute(select(OutboxMessage.kind, OutboxMessage.to_address)).all()
        (welcome,) = session.scalars(select(OutboxMessage)).all()
    assert queued == [("welcome", "told@example.com")]
    assert "complimentary" in welcome.body_text and "(comp)" not in welcome.body_text
    assert "/account" in welcome.body_text
