"""`lovetv member edit EMAIL --email NEW`: the address changes, the feeds do not.

Against the fake Stripe API through the real `stripe` library, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from support.fake_stripe import FakeStripeAccount

from publisher.accounts.sessions import start_session
from publisher.cli import main
from publisher.members.members import add_member, find_member
from publisher.models import AccountSession, OutboxMessage, Season, SignInLink
from publisher.services import Services

pytestmark = pytest.mark.stripe


def _cli(env: dict, *args: str, **kwargs: Any):  # type: ignore[no-untyped-def]
    return CliRunner(env=env).invoke(main, list(args), **kwargs)


@pytest.fixture
def member(services: Services) -> str:
    """ann@example.com, a comp member signed in on one browser, with an unused sign-in link."""
    now = datetime.now(UTC)
    with services.db.session() as session:
        session.add(Season(slug="season-1", title="One", number=1))
        added = add_member(session, services.config.secret_key, "ann@example.com")
        start_session(session, added.id, now)
        link = SignInLink(
            member_id=added.id, token_hash="a" * 64, created_at=now, expires_at=now + timedelta(1)
        )
        session.add(link)
    return "ann@example.com"


def test_edit_changes_the_address_keeps_the_feed_and_ends_every_session(
    env: dict, services: Services, member: str, client
) -> None:
    shown = json.loads(_cli(env, "member", "show", member, "--json").stdout)
    feed = shown["feeds"]["season-1"]
    edited = _cli(env, "member", "edit", member, "--email", " Ann.New@Example.COM ", "--json")
    assert edited.exit_code == 0, edited.output
    summary = json.loads(edited.stdout)
    assert summary["email"] == "ann.new@example.com"
    assert summary["previous_email"] == member and summary["feeds"]["season-1"] == feed
    with services.db.session() as session:
        moved = find_member(session, "ann.new@example.com")
        assert moved is not None and find_member(session, member) is None
        assert session.scalars(select(AccountSession)).all() == []
        assert session.scalars(select(SignInLink)).all() == []
        mails = {m.kind: m for m in session.scalars(select(OutboxMessage))}
    old, new = mails["address_changed"], mails["address_now_yours"]
    assert old.to_address == member and "ann.new@example.com" in old.body_text
    assert "wasn't you" in old.body_text
    assert new.to_address == "ann.new@example.com" and "/account" in new.body_text
    path = feed.split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{path}").status_code == 200  # the same feed URL still plays


def test_the_old_address_email_names_the_owner_to_write_to(
    env: dict, services: Services, member: str
) -> None:
    from support.catalog_factory import make_show

    with services.db.session() as session:
        make_show(session, owner_email="owner@lovetv.test")
    assert _cli(env, "member", "edit", member, "--email", "ann2@example.com").exit_code == 0
    with services.db.session() as session:
        told = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "address_changed")
        ).one()
    assert "write to owner@lovetv.test" in told.body_text
    assert "owner@lovetv.test" in told.body_html and "ann2@example.com" in told.body_html


def test_edit_refuses_an_address_another_member_holds_in_one_line(
    env: dict, services: Services, member: str
) -> None:
    assert _cli(env, "member", "add", "bo@example.com", "--no-email").exit_code == 0
    refused = _cli(env, "member", "edit", member, "--email", "BO@example.com")
    assert refused.exit_code == 1
    assert refused.stderr.count("\n") == 1 and "already another member's" in refused.stderr
    bad = _cli(env, "member", "edit", member, "--email", "not-an-address")
    assert bad.exit_code == 1 and "is not an email address" in bad.stderr
    missing = _cli(env, "member", "edit", "nobody@example.com", "--email", "x@example.com")
    assert missing.exit_code == 1 and "no member with email" in missing.stderr
    with services.db.session() as session:
        assert find_member(session, member) is not None
        assert session.scalars(select(AccountSession)).all() != []  # nothing changed


def test_edit_updates_the_stripe_customers_email(
    env: dict,
    services: Services,
    stripe_account: FakeStripeAccount,
) -> None:
    customer = stripe_account.add("cus", {"object": "customer", "email": "cy@example.com"})
    with services.db.session() as session:
        add_member(session, services.config.secret_key, "cy@example.com", "monthly", customer["id"])
    edited = _cli(env, "member", "edit", "cy@example.com", "--email", "cy@new.example")
    assert edited.exit_code == 0, edited.output
    assert f"Stripe customer {customer['id']} has the new address" in edited.stdout
    assert stripe_account.get(customer["id"], "customer")["email"] == "cy@new.example"


def test_a_stripe_failure_keeps_the_change_and_says_how_to_finish(
    env: dict, services: Services, stripe_account: FakeStripeAccount
) -> None:
    customer = stripe_account.add("cus", {"object": "customer", "email": "dee@example.com"})
    with services.db.session() as session:
        add_member(
            session, services.config.secret_key, "dee@example.com", "monthly", customer["id"]
        )
    stripe_account.outage = True
    failed = _cli(env, "member", "edit", "dee@example.com", "--email", "dee@new.example")
    assert failed.exit_code == 1 and failed.stderr.count("\n") == 1
    assert "lovetv member edit dee@new.example --email dee@new.example" in failed.stderr
    sent = [r for r in stripe_account.sent if r.method == "POST"]
    assert sent and sent[0].path == f"/v1/customers/{customer['id']}"
    assert sent[0].params == {"email": "dee@new.example"}
    with services.db.session() as session:
        assert find_member(session, "dee@new.example") is not None  # the change stands
