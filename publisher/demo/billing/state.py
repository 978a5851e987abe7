"""The demo account on disk, so members made in the demo keep their billing across restarts.

The service's database remembers each demo member's customer and subscription ids; without
the account behind them "Manage billing" would fail after `make run` is started again. The
file holds Stripe-shaped objects and the demo clock, nothing secret beyond the demo's own
keys, and is rewritten whole (a temporary file renamed over it) after every change.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publisher.demo.billing.engine import StandInAccount

STATE_FILE = "demo-billing.json"
DEMO_CODE = "LAUNCH"


@dataclass(frozen=True)
class DemoKeys:
    """The demo account's API key and webhook signing secret (Stripe's shapes, demo values)."""

    api_key: str
    webhook_secret: str

    @classmethod
    def new(cls) -> DemoKeys:
        return cls(f"sk_test_demo_{secrets.token_hex(16)}", f"whsec_demo_{secrets.token_hex(24)}")


def load_account(path: Path, base_url: str) -> tuple[StandInAccount, DemoKeys]:
    """The account saved at `path` (a new, empty one with new keys when there is none)."""
    saved: dict[str, Any] = json.loads(path.read_text()) if path.is_file() else {}
    keys = DemoKeys(**saved["keys"]) if "keys" in saved else DemoKeys.new()
    account = StandInAccount(keys.api_key, base_url)
    account.objects.update(saved.get("objects", {}))
    account.time_offset = int(saved.get("time_offset", 0))
    if not saved:
        # What a producer would make in Stripe's dashboard for a launch, so `make run` shows
        # codes too: typed at Checkout, or pre-applied by /join/<plan>?code=LAUNCH.
        account.add_promotion_code(DEMO_CODE, 20, "repeating", 3)
    return account, keys


def save_account(path: Path, account: StandInAccount, keys: DemoKeys) -> None:
    """Write the account atomically, readable by its owner only (it holds the demo keys)."""
    with account.lock:
        document = {
            "keys": {"api_key": keys.api_key, "webhook_secret": keys.webhook_secret},
            "objects": account.objects,
            "time_offset": account.time_offset,
        }
        text = json.dumps(document, indent=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(temporary, path)
