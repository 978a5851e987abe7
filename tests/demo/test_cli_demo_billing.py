"""The CLI on `make run`'s show: it finds the show from its folder, and its billing commands
(`stripe sync`, `member revoke --cancel-subscription --refund-last`) reach the running demo
billing with the same Stripe calls they make against Stripe; with none running they say so."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import requests
from support.made_run import LOVETV, MadeRun, development_env


def lovetv(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = development_env("http://127.0.0.1:9")
    return subprocess.run(
        [str(LOVETV), *args], cwd=folder, env=env, capture_output=True, text=True, timeout=60
    )


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def join_on_demo_billing(url: str, plan: str, email: str) -> None:
    """A buyer's form posts: the join page, then the demo Checkout, paid with `email`."""
    browser = requests.Session()
    join = browser.get(f"{url}/join/{plan}", timeout=30)
    checkout = browser.post(f"{url}/join/{plan}", data=hidden_fields(join.text), timeout=30)
    assert "Pay (demo)" in checkout.text, checkout.text
    paid = browser.post(
        checkout.url, data={**hidden_fields(checkout.text), "email": email}, timeout=30
    )
    assert paid.status_code == 200 and "/welcome" in paid.url, paid.url


def test_from_the_project_folder_and_below_it_the_cli_lists_the_demo_season(
    made_run: MadeRun,
) -> None:
    recordings = made_run.folder / "recordings"
    recordings.mkdir(exist_ok=True)
    for folder in (made_run.folder, recordings):
        listed = lovetv(folder, "season", "list")
        assert listed.returncode == 0, listed.stderr
        assert "season-1" in listed.stdout
    assert list(recordings.iterdir()) == []


def test_stripe_sync_completes_against_demo_billing(made_run: MadeRun) -> None:
    join_on_demo_billing(made_run.url, "monthly", "sync-fan@example.com")
    synced = lovetv(made_run.folder, "stripe", "sync", "--json")
    assert synced.returncode == 0, synced.stderr
    assert '"checked": ' in synced.stdout
    again = lovetv(made_run.folder, "stripe", "sync")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().endswith("changed 0")


def test_revoke_cancels_and_refunds_at_demo_billing(made_run: MadeRun) -> None:
    join_on_demo_billing(made_run.url, "monthly", "refund-fan@example.com")
    revoked = lovetv(
        made_run.folder,
        "member",
        "revoke",
        "refund-fan@example.com",
        "--cancel-subscription",
        "--refund-last",
    )
    assert revoked.returncode == 0, revoked.stderr
    assert re.search(r"subscription sub_\w+ ended", revoked.stdout), revoked.stdout
    assert re.search(r"refunded pi_\w+", revoked.stdout), revoked.stdout


def stopped_copy(made_run: MadeRun, folder: Path) -> Path:
    """The show of `made_run` copied to `folder`, its demo billing recorded but not answering
    (as after `make run` was killed)."""
    instance = folder / "instance"
    instance.mkdir()
    with (
        sqlite3.connect(made_run.folder / "instance" / "lovetv.db") as source,
        sqlite3.connect(instance / "lovetv.db") as copy,
    ):
        source.backup(copy)
    for name in ("secret_key", "demo-billing.json"):
        shutil.copy(made_run.folder / "instance" / name, instance / name)
    (instance / "demo-billing-running.json").write_text('{"api_base": "http://127.0.0.1:9"}')
    return folder


@pytest.mark.parametrize(
    "args",
    [
        ["stripe", "sync"],
        ["member", "revoke", "stopped-fan@example.com", "--cancel-subscription"],
        ["member", "revoke", "stopped-fan@example.com", "--refund-last"],
    ],
)
def test_without_demo_billing_running_billing_commands_say_so_in_one_line(
    made_run: MadeRun, tmp_path: Path, args: list[str]
) -> None:
    join_on_demo_billing(made_run.url, "monthly", "stopped-fan@example.com")
    wait_for_member(made_run.folder, "stopped-fan@example.com")
    refused = lovetv(stopped_copy(made_run, tmp_path), *args)
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1
    assert "demo billing is not running (`make run` starts it)" in refused.stderr


def wait_for_member(folder: Path, email: str) -> None:
    """Until the webhook of `email`'s Checkout has made them a member."""
    deadline = time.monotonic() + 20
    while lovetv(folder, "member", "show", email).returncode != 0:
        assert time.monotonic() < deadline, f"{email} never became a member"
        time.sleep(0.3)
