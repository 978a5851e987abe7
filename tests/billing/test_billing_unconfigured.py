"""Without Stripe's keys the billing routes answer 503 in one line; everything else works."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from publisher.cli import main

# The shared `env` (no `stripe` mark) is an installation that sells nothing yet: no Stripe
# variables at all.


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/join/monthly"),
        ("get", "/welcome?session_id=cs_test_1"),
        ("get", "/account/billing"),
        ("post", "/webhooks/stripe"),
    ],
)
def test_billing_routes_answer_503_with_a_clear_line(client, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    answer = getattr(client, method)(path)
    assert answer.status_code == 503
    text = answer.get_data(as_text=True).strip()
    assert "not configured" in text and "STRIPE_" in text and "\n" not in text


def test_the_rest_of_the_service_works(client, runner: CliRunner) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz").status_code == 200
    landing = client.get("/")
    page = landing.get_data(as_text=True)
    assert landing.status_code == 200 and "cannot be bought on this site yet" in page
    assert 'href="/join/' not in page
    added = runner.invoke(main, ["member", "add", "guest@example.com", "--json"])
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["status"] == "active"


def test_a_missing_webhook_secret_closes_only_the_webhook(config, client) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from publisher.app import create_app

    app = create_app(config=replace(config, stripe_api_key="sk_test_only_the_key"))
    answer = app.test_client().post("/webhooks/stripe", data=b"{}")
    assert answer.status_code == 503
    assert "STRIPE_WEBHOOK_SECRET" in answer.get_data(as_text=True)


def test_season_pages_offer_no_join_button_when_joining_is_closed(client, app, mp3_file) -> None:  # type: ignore[no-untyped-def]
    from support.catalog_factory import Catalog

    from publisher.services import services_of

    Catalog(services_of(app), mp3_file)
    page = client.get("/seasons/season-1").get_data(as_text=True)
    assert "Members only" in page and "Join to hear it" not in page
