"""`member revoke --cancel-subscription --refund-last` stops the money; `restore` undoes.

Against the fake Stripe API through the real `stripe` library; webhooks over HTTP.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.stripe_app import Shop

from publisher.cli import main

pytestmark = pytest.mark.stripe


def _cli(env: dict, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner(env=env).invoke(main, list(args))


def test_revoke_can_end_the_subscription_and_refund_and_is_idempotent(
    shop: Shop, env: dict, mp3_file: Path
) -> None:
    shop.add_catalog(mp3_file)
    session_id, events = shop.buy("monthly", "ann@example.com")
    shop.deliver(*events)
    subscription = shop.stripe.session_subscription(session_id)
    args = ("member", "revoke", "ann@", "--cancel-subscription", "--refund-last", "--json")
    first = _cli(env, *args)
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["status"] == "revoked"
    assert summary["stripe"]["subscription_cancelled"] == subscription
    assert summary["stripe"]["refunded_payment"]
    assert shop.stripe.get(subscription, "subscription")["status"] == "canceled"
    assert [c["refunded"] for c in shop.stripe.of_kind("charge")] == [True]
    again = _cli(env, *args)  # already cancelled and refunded: fine, nothing new
    assert again.exit_code == 0, again.output
    assert len(shop.stripe.of_kind("refund")) == 1
    assert json.loads(again.stdout)["stripe"]["refunded_payment"] is None
    shop.deliver(*shop.stripe.sent_events("customer.subscription.deleted"))
    assert shop.member("ann@example.com")["status"] == "revoked"  # the revoke stands
    ended = [m for m in shop.outbox("membership_ended") if m.to_address == "ann@example.com"]
    assert len(ended) == 1
    # Rejoining cannot undo a revoke: the email says whom to ask, and offers no Rejoin.
    assert "To ask about it" in ended[0].body_text and "Rejoin" not in ended[0].body_text
    assert "Rejoin" not in ended[0].body_html


def test_restore_follows_stripe_again_and_emails_the_member(
    shop: Shop, env: dict, mp3_file: Path
) -> None:
    shop.add_catalog(mp3_file)
    _, events = shop.buy("yearly", "bo@example.com")
    shop.deliver(*events)
    token = shop.token_of("bo@example.com")
    assert _cli(env, "member", "revoke", "bo@example.com").exit_code == 0
    assert not shop.access(token).allowed
    restored = _cli(env, "member", "restore", "bo@example.com", "--json")
    assert restored.exit_code == 0, restored.output
    assert json.loads(restored.stdout)["status"] == "active"  # Stripe still says paid
    assert shop.access(token).allowed  # the same feed links play again
    mails = [m for m in shop.outbox() if m.to_address == "bo@example.com"]
    assert mails[-1].kind in ("membership_restored", "welcome")
    assert "restored" in mails[-1].body_text or "Welcome" in mails[-1].body_text
    not_revoked = _cli(env, "member", "restore", "bo@example.com")
    assert not_revoked.exit_code == 1 and "is not revoked" in not_revoked.stderr


def test_restore_after_cancelling_leaves_a_lapsed_member_lapsed(
    shop: Shop, env: dict, mp3_file: Path
) -> None:
    shop.add_catalog(mp3_file)
    _, events = shop.buy("monthly", "cy@example.com")
    shop.deliver(*events)
    _cli(env, "member", "revoke", "cy@example.com", "--cancel-subscription")
    restored = _cli(env, "member", "restore", "cy@example.com", "--json")
    assert restored.exit_code == 0, restored.output
    assert json.loads(restored.stdout)["status"] == "lapsed"


def test_comp_member_restore_and_refund_without_stripe_customer(env: dict, app) -> None:
    assert _cli(env, "member", "add", "dee@example.com").exit_code == 0
    refused = _cli(env, "member", "revoke", "dee@example.com", "--refund-last")
    assert refused.exit_code == 1 and "no Stripe customer" in refused.stderr
    assert _cli(env, "member", "revoke", "dee@example.com").exit_code == 0
    restored = _cli(env, "member", "restore", "dee@example.com", "--json")
    assert json.loads(restored.stdout)["status"] == "active"


def test_revoked_members_audio_is_403_saying_why_and_where_to_go(
    env: dict, app, mp3_file: Path
) -> None:
    from support.catalog_factory import make_episode, make_season, make_show

    from publisher.services import services_of

    services = services_of(app)
    with services.db.session() as session:
        make_show(session)
        episode = make_episode(session, services.storage, make_season(session), mp3_file)
        guid = episode.guid
    added = json.loads(_cli(env, "member", "add", "eve@example.com", "--json").stdout)
    token = added["feeds"]["season-1"].split("/")[-2]
    client = app.test_client()
    assert client.get(f"/media/{token}/{guid}.mp3").status_code == 200
    _cli(env, "member", "revoke", "eve@example.com")
    answer = client.get(f"/media/{token}/{guid}.mp3")
    assert answer.status_code == 403 and answer.mimetype == "text/plain"
    body = answer.get_data(as_text=True)
    assert "withdrawn" in body and "To ask about it" in body  # whom to ask, not "sign in"
    assert "/account" not in body
    assert token not in body and body.count("\n") == 1
