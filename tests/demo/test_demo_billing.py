"""Demo billing's stand-in on its own: never in production, its pages, clock, file and webhooks."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from support.network import free_port, wait_for_http
from support.stripe_scripts import ScriptedAccount
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from auth.stripe_events import verify_event
from publisher.config import ConfigError, load_config
from publisher.demo.billing.pages import create_pages_app, form_token
from publisher.demo.billing.server import DemoBillingRefused, DemoStripe, launch, wanted
from publisher.demo.billing.state import load_account
from publisher.demo.billing.webhooks import WebhookSender

LOVETV = Path(sys.executable).parent / "lovetv"
SECRET = "whsec_demo_pages_test"


def dev_config(tmp_path: Path, **environ: str):  # type: ignore[no-untyped-def]
    return load_config(
        environ={"LOVETV_DATABASE_URL": f"sqlite:///{tmp_path}/x.db", **environ},
        instance_path=tmp_path / "instance",
    )


# --- never in production ---------------------------------------------------------------


def test_demo_billing_is_wanted_only_in_development_without_a_key(tmp_path: Path) -> None:
    development = dev_config(tmp_path)
    assert development.dev and wanted(development)
    assert not wanted(replace(development, stripe_api_key="sk_live_real"))
    production = replace(development, env="production")
    assert not wanted(production)
    with pytest.raises(DemoBillingRefused, match="only in development without STRIPE_API_KEY"):
        launch(production, "127.0.0.1", 5000)


def test_production_refuses_the_demo_billing_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="LOVETV_DEMO_BILLING is for development only"):
        dev_config(
            tmp_path,
            LOVETV_ENV="production",
            LOVETV_SECRET_KEY="x" * 40,
            LOVETV_DEMO_BILLING="http://127.0.0.1:1",
        )


def test_the_stand_in_process_refuses_to_start_in_production(tmp_path: Path) -> None:
    command = ["-m", "publisher.demo.billing", "--webhook-url", "http://127.0.0.1:1/"]
    started = subprocess.run(
        [sys.executable, *command, "--state", str(tmp_path / "state.json")],
        env={**os.environ, "LOVETV_ENV": "production"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 1 and started.stdout == ""
    assert started.stderr == "error: demo billing runs only with LOVETV_ENV=development\n"
    assert not (tmp_path / "state.json").exists()


def test_lovetv_serve_in_production_without_a_key_keeps_joining_closed(tmp_path: Path) -> None:
    """No stand-in process, no join button, and a page (not plain text) for a browser."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not re.match(r"^(LOVETV_|STRIPE_)", k)}
    env |= {
        "LOVETV_ENV": "production",
        "LOVETV_SECRET_KEY": "production-secret-key-0123456789abcdef",
        "LOVETV_BASE_URL": url,
        "LOVETV_DATABASE_URL": f"sqlite:///{tmp_path}/lovetv.db",
    }
    assert subprocess.run([str(LOVETV), "db", "upgrade"], cwd=tmp_path, env=env).returncode == 0
    with (tmp_path / "serve.log").open("w") as log:
        serve = subprocess.Popen(
            [str(LOVETV), "serve", "--port", str(port), "--workers", "1"],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_http(f"{url}/healthz", timeout=30)
            children = Path(f"/proc/{serve.pid}/task/{serve.pid}/children").read_text().split()
            commands = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in children]
            assert len(commands) == 1 and not any(b"publisher.demo.billing" in c for c in commands)
            assert 'href="/join/' not in requests.get(url, timeout=30).text
            browser = requests.get(
                f"{url}/join/monthly", headers={"Accept": "text/html,*/*;q=0.8"}, timeout=30
            )
            assert browser.status_code == 503
            assert browser.headers["Content-Type"].startswith("text/html")
            assert "<h1>Joining is closed for now</h1>" in browser.text
            assert 'href="/"' in browser.text and "<footer" in browser.text
            script = requests.get(f"{url}/join/monthly", headers={"Accept": "*/*"}, timeout=30)
            assert script.status_code == 503 and script.text.count("\n") == 1
        finally:
            serve.terminate()
            serve.wait(timeout=30)
    assert "demo billing" not in (tmp_path / "serve.log").read_text()


# --- the stand-in's pages ----------------------------------------------------------------


@pytest.fixture(name="account")
def account_fixture() -> ScriptedAccount:
    return ScriptedAccount("sk_test_demo_pages", "http://stand-in.test")


@pytest.fixture(name="delivered")
def delivered_fixture() -> list[dict[str, Any]]:
    return []


@pytest.fixture(name="pages")
def pages_fixture(account: ScriptedAccount, delivered: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    return create_pages_app(account, SECRET, delivered.extend).test_client()


def open_checkout(account: ScriptedAccount, **params: Any) -> str:
    return account.create_checkout_session(
        {
            "mode": "subscription",
            "line_items": [{"price": "price_monthly_77", "quantity": 1}],
            "success_url": "http://service.test/welcome?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": "http://service.test/",
            "metadata": {"plan": "monthly"},
            **params,
        }
    )["id"]


def test_the_checkout_page_says_demo_and_pays_with_the_typed_address(
    account: ScriptedAccount, pages, delivered: list[dict[str, Any]]
) -> None:  # type: ignore[no-untyped-def]
    session_id = open_checkout(account)
    page = pages.get(f"/c/pay/{session_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "charges nothing" in html and "$77 / month" in html
    assert "On a live server you would pay $77 today" in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    paid = pages.post(f"/c/pay/{session_id}", data={"csrf_token": token, "email": "A@B.example"})
    assert paid.status_code == 303
    assert paid.headers["Location"] == f"http://service.test/welcome?session_id={session_id}"
    assert [e["type"] for e in delivered] == [
        "customer.created",
        "checkout.session.completed",
        "customer.subscription.created",
        "invoice.paid",
    ]
    assert account.get(session_id, "checkout.session")["customer_details"]["email"] == "a@b.example"
    again = pages.post(f"/c/pay/{session_id}", data={"csrf_token": token, "email": "c@d.example"})
    assert again.status_code == 303 and len(delivered) == 4  # paid once, never twice


def test_the_checkout_page_shows_the_price_as_charged_with_a_code_and_a_trial(
    account: ScriptedAccount, pages
) -> None:  # type: ignore[no-untyped-def]
    promo = account.add_promotion_code("SPRING", 20, "repeating", 3)
    coded = pages.get(
        f"/c/pay/{open_checkout(account, discounts=[{'promotion_code': promo['id']}])}"
    )
    html = coded.get_data(as_text=True)
    assert "$61.60 / month for the first 3 months, then $77 / month" in html
    assert "you would pay $61.60 today" in html
    trial = open_checkout(account, subscription_data={"trial_period_days": 7})
    html = pages.get(f"/c/pay/{trial}").get_data(as_text=True)
    ends = datetime.fromtimestamp(account.now() + 7 * 86400, UTC).strftime("%-d %B %Y")
    assert f"7 days free (until {ends}), then $77 / month" in html
    assert "you would pay nothing today" in html and "$77 today" not in html


@pytest.mark.parametrize("token", ["", "forged", form_token(SECRET, "/c/pay/cs_other")])
def test_a_checkout_form_without_its_own_token_pays_nothing(
    account: ScriptedAccount, pages, delivered: list[dict[str, Any]], token: str
) -> None:  # type: ignore[no-untyped-def]
    session_id = open_checkout(account)
    answer = pages.post(f"/c/pay/{session_id}", data={"csrf_token": token, "email": "a@b.example"})
    assert answer.status_code == 400 and delivered == []
    assert "This form has expired. Go back, reload the page and try again." in answer.text
    assert "Demo billing." in answer.text  # a page like the others, not a bare error
    assert account.get(session_id, "checkout.session")["status"] == "open"


def test_a_bad_address_is_asked_again_and_pays_nothing(
    account: ScriptedAccount, pages, delivered: list[dict[str, Any]]
) -> None:  # type: ignore[no-untyped-def]
    session_id = open_checkout(account)
    path = f"/c/pay/{session_id}"
    answer = pages.post(path, data={"csrf_token": form_token(SECRET, path), "email": "no at"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("?error=email")
    assert delivered == [] and account.get(session_id, "checkout.session")["status"] == "open"
    again = pages.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Enter an email address, like you@example.com." in again


def bought(account: ScriptedAccount) -> tuple[str, str, str]:
    """A paid monthly subscription: its customer, subscription and a portal session id."""
    session_id = open_checkout(account)
    account.pay_checkout(session_id, "member@example.com")
    session = account.get(session_id, "checkout.session")
    portal = account.create_portal_session(
        {"customer": session["customer"], "return_url": "http://service.test/account"}
    )
    return session["customer"], session["subscription"], portal["url"].rsplit("/", 1)[1]


def portal_post(pages, portal_id: str, sub_id: str, action: str):  # type: ignore[no-untyped-def]
    path = f"/p/session/{portal_id}/{sub_id}/{action}"
    return pages.post(path, data={"csrf_token": form_token(SECRET, path)})


def test_the_portal_cancels_at_the_period_end_and_the_demo_clock_ends_it(
    account: ScriptedAccount, pages, delivered: list[dict[str, Any]]
) -> None:  # type: ignore[no-untyped-def]
    _, sub_id, portal_id = bought(account)
    assert "Renews on" in pages.get(f"/p/session/{portal_id}").get_data(as_text=True)
    assert portal_post(pages, portal_id, sub_id, "cancel").status_code == 303
    sub = account.get(sub_id, "subscription")
    assert sub["cancel_at_period_end"] and sub["status"] == "active"
    page = pages.get(f"/p/session/{portal_id}").get_data(as_text=True)
    assert "Cancelled: your membership ends on" in page and "Keep my membership" in page
    portal_post(pages, portal_id, sub_id, "end-period")
    assert account.get(sub_id, "subscription")["status"] == "canceled"
    assert [e["type"] for e in delivered] == [
        "customer.subscription.updated",
        "customer.subscription.deleted",
    ]
    page = pages.get(f"/p/session/{portal_id}").get_data(as_text=True)
    assert "Ended" in page and "The demo clock says today is" in page


def test_cancelling_in_the_portal_asks_first_and_says_what_happens(
    account: ScriptedAccount, pages, delivered: list[dict[str, Any]]
) -> None:  # type: ignore[no-untyped-def]
    _, sub_id, portal_id = bought(account)
    portal = pages.get(f"/p/session/{portal_id}").get_data(as_text=True)
    assert f'<form method="get" action="/p/session/{portal_id}/{sub_id}/cancel">' in portal
    asked = pages.get(f"/p/session/{portal_id}/{sub_id}/cancel")
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Cancel your monthly membership?" in html
    assert "You keep listening until" in html and "nothing more is charged" in html
    assert "Yes, cancel my membership" in html and "No, keep my membership" in html
    assert not account.get(sub_id, "subscription")["cancel_at_period_end"] and delivered == []
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    yes = pages.post(f"/p/session/{portal_id}/{sub_id}/cancel", data={"csrf_token": token})
    assert yes.status_code == 303 and account.get(sub_id, "subscription")["cancel_at_period_end"]
    other = pages.get(f"/p/session/{portal_id}/sub_nobody/cancel")
    assert other.status_code == 404


def test_a_moved_demo_clock_is_shown_on_every_page_and_can_be_reset(
    account: ScriptedAccount, pages
) -> None:  # type: ignore[no-untyped-def]
    _, sub_id, portal_id = bought(account)
    assert "Demo clock" not in pages.get(f"/p/session/{portal_id}").get_data(as_text=True)
    portal_post(pages, portal_id, sub_id, "end-period")
    ahead = account.time_offset // 86400
    assert ahead >= 27
    for path in (f"/p/session/{portal_id}", f"/c/pay/{open_checkout(account)}"):
        html = pages.get(path).get_data(as_text=True)
        assert f"{ahead} days ahead of the real date" in html, path
    period_end = account.get(sub_id, "subscription")["items"]["data"][0]["current_period_end"]
    path = f"/p/session/{portal_id}/clock-reset"
    assert pages.post(path, data={"csrf_token": "forged"}).status_code == 400
    assert account.time_offset // 86400 == ahead
    reset = pages.post(path, data={"csrf_token": form_token(SECRET, path)})
    assert reset.status_code == 303 and account.time_offset == 0
    html = pages.get(f"/p/session/{portal_id}").get_data(as_text=True)
    assert "Demo clock" not in html and "Reset the demo clock" not in html
    # Memberships keep the dates the moved clock gave them.
    assert account.get(sub_id, "subscription")["items"]["data"][0]["current_period_end"] == (
        period_end
    )


def test_the_demo_clock_renews_a_subscription_nobody_cancelled(account: ScriptedAccount) -> None:
    _, sub_id, _ = bought(account)
    first_end = account.get(sub_id, "subscription")["items"]["data"][0]["current_period_end"]
    events = account.end_period_now(sub_id)
    assert [e["type"] for e in events] == ["invoice.paid", "customer.subscription.updated"]
    sub = account.get(sub_id, "subscription")
    assert sub["status"] == "active"
    assert sub["items"]["data"][0]["current_period_end"] > first_end + 29 * 86400


def test_a_portal_session_reaches_only_its_own_customers_subscriptions(
    account: ScriptedAccount, pages, delivered: list[dict[str, Any]]
) -> None:  # type: ignore[no-untyped-def]
    _, mine, my_portal = bought(account)
    _, theirs, _ = bought(account)
    assert portal_post(pages, my_portal, theirs, "cancel").status_code == 404
    assert portal_post(pages, my_portal, mine, "refund-everything").status_code == 404
    assert not account.get(theirs, "subscription")["cancel_at_period_end"] and delivered == []
    assert pages.get("/p/session/not-a-portal").status_code == 404


# --- the account on disk -----------------------------------------------------------------


def test_the_account_and_its_keys_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "instance" / "demo-billing.json"
    first = DemoStripe(state, "http://127.0.0.1:1", "http://127.0.0.1:2/webhooks/stripe")
    _, sub_id, _ = bought(first.account)
    first.account.time_offset = 86400
    first.save()
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    again, keys = load_account(state, "http://127.0.0.1:3")
    assert keys == first.keys and again.time_offset == 86400
    assert again.get(sub_id, "subscription")["customer"]
    assert json.loads(state.read_text())["keys"]["api_key"].startswith("sk_test_demo_")


# --- webhooks ------------------------------------------------------------------------------


class FlakyEndpoint:
    """A webhook endpoint that refuses its first `refusals` deliveries, then takes them."""

    def __init__(self, refusals: int) -> None:
        self.refusals, self.received = refusals, []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if self.refusals > 0:
            self.refusals -= 1
            return Response("down", status=503)(environ, start_response)
        body = request.get_data()
        self.received.append(verify_event(body, request.headers["Stripe-Signature"], SECRET))
        return Response("{}", mimetype="application/json")(environ, start_response)


@pytest.fixture(name="endpoint")
def endpoint_fixture() -> Iterator[tuple[str, FlakyEndpoint]]:
    endpoint = FlakyEndpoint(refusals=1)
    server = make_server("127.0.0.1", 0, endpoint, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/webhooks/stripe", endpoint
    server.shutdown()
    thread.join(timeout=10)


def test_undelivered_events_are_sent_again_in_their_order_signed_as_stripe_signs(
    account: ScriptedAccount, endpoint: tuple[str, FlakyEndpoint]
) -> None:
    url, received = endpoint
    sender = WebhookSender(url, SECRET)
    session_id = open_checkout(account)
    events = account.pay_checkout(session_id, "member@example.com")
    assert sender.deliver(events) is False and received.received == []
    later = account.cancel_at_period_end(account.session_subscription(session_id))
    assert sender.deliver(later) is False  # queued behind the older ones, never ahead
    sender.retry_pending()
    assert [e["id"] for e in received.received] == [e["id"] for e in events + later]
