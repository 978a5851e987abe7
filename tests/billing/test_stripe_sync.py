"""`lovetv stripe sync` repairs what missed webhooks left wrong; `member show` reports it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from support.stripe_app import Shop

from publisher.billing.membership import MemberChange
from publisher.cli import main

pytestmark = pytest.mark.stripe

DAY = 86400


def sync(runner: CliRunner) -> list[str]:
    result = runner.invoke(main, ["stripe", "sync"])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()


def show(runner: CliRunner, email: str) -> dict:
    result = runner.invoke(main, ["member", "show", email, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_sync_creates_members_whose_checkout_webhook_never_came(
    shop: Shop, runner: CliRunner
) -> None:
    shop.buy("monthly", "ann@example.com")  # paid, but no webhook arrives
    shop.buy("lifetime", "bea@example.com")
    lines = sync(runner)
    assert lines[-1] == "checked 2 members in Stripe; changed 2"
    assert any(line.startswith("ann@example.com: new member -> active monthly") for line in lines)
    assert shop.access(shop.token_of("bea@example.com")).allowed
    assert show(runner, "bea@example.com")["status"] == "active"


def test_sync_corrects_drift_and_a_second_run_changes_nothing(
    shop: Shop, runner: CliRunner
) -> None:
    session_id, events = shop.buy("monthly", "cy@example.com")
    shop.deliver(*events)
    lifetime, events = shop.buy("lifetime", "di@example.com")
    shop.deliver(*events)
    # An outage longer than Stripe's retries: these events are never delivered.
    shop.stripe.end_subscription(shop.stripe.session_subscription(session_id))
    shop.stripe.refund(shop.stripe.session_charge(lifetime))
    lines = sync(runner)
    assert "cy@example.com: active monthly -> lapsed monthly (subscription canceled" in lines[0]
    assert lines[1].startswith("di@example.com: active lifetime -> revoked lifetime")
    assert lines[-1] == "checked 2 members in Stripe; changed 2"
    assert show(runner, "cy@example.com")["status"] == "lapsed"
    assert show(runner, "di@example.com")["status"] == "revoked"
    assert sync(runner) == ["checked 2 members in Stripe; changed 0"]


def test_member_show_counts_a_past_due_member_in_grace_as_active(
    shop: Shop, runner: CliRunner
) -> None:
    in_grace, events = shop.buy("monthly", "ed@example.com")
    shop.deliver(*events, *shop.stripe.fail_renewal(shop.stripe.session_subscription(in_grace)))
    past_grace, events = shop.buy("yearly", "fay@example.com")
    sub = shop.stripe.session_subscription(past_grace)
    shop.deliver(*events, *shop.stripe.fail_renewal(sub, at=shop.stripe.now() - 8 * DAY))
    assert show(runner, "ed@example.com")["status"] == "active"
    assert show(runner, "fay@example.com")["status"] == "lapsed"


def test_comp_members_are_left_alone(shop: Shop, runner: CliRunner) -> None:
    result = runner.invoke(main, ["member", "add", "guest@example.com", "--plan", "comp"])
    assert result.exit_code == 0, result.output
    shop.deliver(*shop.buy("monthly", "gus@example.com")[1])
    assert sync(runner) == ["checked 1 member in Stripe; changed 0"]
    assert show(runner, "guest@example.com")["status"] == "active"


def test_a_revocation_by_hand_survives_payments_and_sync(shop: Shop, runner: CliRunner) -> None:
    session_id, events = shop.buy("monthly", "hal@example.com")
    shop.deliver(*events)
    assert runner.invoke(main, ["member", "revoke", "hal@example.com"]).exit_code == 0
    shop.deliver(*shop.stripe.renew(shop.stripe.session_subscription(session_id)))
    sync(runner)
    assert show(runner, "hal@example.com")["status"] == "revoked"


def test_sync_without_a_stripe_key_says_what_to_set(runner: CliRunner) -> None:
    result = runner.invoke(main, ["stripe", "sync"], env={"STRIPE_API_KEY": ""})
    assert result.exit_code == 1
    assert result.output.strip().startswith("error: billing is not configured")
    assert "STRIPE_API_KEY" in result.output and len(result.output.strip().splitlines()) == 1


def test_sync_never_merges_a_customer_into_a_member_by_email(shop: Shop, runner: CliRunner) -> None:
    _, events = shop.buy("monthly", "jo@example.com")
    shop.deliver(*events)
    before = shop.member("jo@example.com")
    shop.browser.cookies.clear()
    shop.buy("lifetime", "jo@example.com")  # typed the member's address; no webhook came
    lines = sync(runner)
    assert lines == ["checked 1 member in Stripe; changed 0"]
    assert shop.member("jo@example.com") == before
    assert shop.members() == ["jo@example.com"]


def test_a_member_made_by_sync_is_emailed_their_links(shop: Shop, runner: CliRunner) -> None:
    shop.buy("yearly", "kai@example.com")  # paid; the webhook never came
    sync(runner)
    assert [m.to_address for m in shop.outbox("welcome")] == ["kai@example.com"]
    assert sync(runner) == ["checked 1 member in Stripe; changed 0"]
    assert len(shop.outbox("welcome")) == 1


def test_sync_makes_no_member_of_a_customer_whose_subscription_already_ended(
    shop: Shop, runner: CliRunner
) -> None:
    session_id, _ = shop.buy("monthly", "gone@example.com")  # no webhook ever came
    shop.stripe.end_subscription(shop.stripe.session_subscription(session_id))
    sync(runner)
    assert shop.members() == [] and shop.outbox("welcome") == []


def test_sync_with_no_email_creates_the_member_and_emails_nobody(
    shop: Shop, runner: CliRunner
) -> None:
    shop.buy("yearly", "quiet@example.com")
    result = runner.invoke(main, ["stripe", "sync", "--no-email"])
    assert result.exit_code == 0, result.output
    assert shop.members() == ["quiet@example.com"] and shop.outbox("welcome") == []


@pytest.mark.parametrize(
    ("before", "after", "created", "line"),
    [
        (
            {},
            {
                "status": "active",
                "plan": "monthly",
                "billing_state": "active",
                "status_reason": "paid",
            },
            True,
            "ann@example.com: new member -> active monthly (paid)",
        ),
        (
            {"status": "active", "plan": "monthly", "billing_state": "active"},
            {
                "status": "active",
                "plan": "yearly",
                "billing_state": "past_due",
                "status_reason": "renewal failed",
            },
            False,
            "ann@example.com: active monthly -> active yearly "
            "(renewal failed; plan monthly -> yearly, billing_state active -> past_due)",
        ),
        (
            {"status": "lapsed", "plan": None, "billing_state": "canceled"},
            {
                "status": "active",
                "plan": "lifetime",
                "billing_state": None,
                "status_reason": "bought",
            },
            False,
            "ann@example.com: lapsed - -> active lifetime "
            "(bought; plan - -> lifetime, billing_state canceled -> -)",
        ),
        (
            {"status": "active", "plan": "yearly", "billing_state": "active"},
            {"status": None, "plan": "yearly", "billing_state": "active", "status_reason": "same"},
            False,
            "ann@example.com: active yearly -> - yearly (same)",
        ),
    ],
)
def test_a_sync_line_says_what_changed_for_whom_and_why(
    before: dict, after: dict, created: bool, line: str
) -> None:
    assert MemberChange("ann@example.com", before, after, created).describe() == line
