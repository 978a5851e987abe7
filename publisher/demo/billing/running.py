"""Where a show's demo billing is running, so the CLI's billing commands reach it too.

`lovetv serve` writes the stand-in's address into the instance folder when it starts it and
removes it when it stops. `lovetv stripe sync`, `member revoke --cancel-subscription` and
`--refund-last` run in another process: they read the address and the demo keys, check the
stand-in answers, and then make the same Stripe calls they make against Stripe.
"""

from __future__ import annotations

import atexit
import json
import os
from dataclasses import replace
from pathlib import Path

from publisher.config import Config, parse_prices

RUNNING_FILE = "demo-billing-running.json"
# Seconds the CLI waits for a recorded stand-in to answer before taking it as stopped.
ANSWER_TIMEOUT = 2.0


def record_running(instance: Path, api_base: str) -> None:
    """Note the stand-in's address for this show's CLI, until this process exits."""
    path = instance / RUNNING_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"api_base": api_base, "pid": os.getpid()}) + "\n")
    atexit.register(_forget, path, os.getpid())


def _forget(path: Path, pid: int) -> None:
    try:
        if json.loads(path.read_text()).get("pid") == pid:
            path.unlink()
    except (OSError, ValueError):
        pass


def with_running_demo_billing(config: Config) -> Config:
    """`config` pointed at this show's running stand-in (development without a Stripe key);
    unchanged when there is none or it does not answer."""
    if not config.dev or config.stripe_api_key:
        return config
    try:
        api_base = json.loads((config.instance_path / RUNNING_FILE).read_text())["api_base"]
    except (OSError, ValueError, KeyError, TypeError):
        return config
    # The stand-in's own modules are imported only when one is recorded as running: every
    # command in development passes through here, and most never reach it.
    from publisher.demo.billing.state import STATE_FILE
    from publisher.demo.billing.store import PRICES_SETTING

    try:
        keys = json.loads((config.instance_path / STATE_FILE).read_text())["keys"]
    except (OSError, ValueError, KeyError, TypeError):
        return config
    if not _answers(api_base, keys["api_key"]):
        return config
    return replace(
        config,
        stripe_api_key=keys["api_key"],
        stripe_webhook_secret=keys["webhook_secret"],
        stripe_api_base=api_base,
        stripe_prices=parse_prices(PRICES_SETTING),
        demo_billing=api_base,
    )


def _answers(api_base: str, api_key: str) -> bool:
    """The stand-in at `api_base` answers an API call made with the show's demo key."""
    import urllib.request

    request = urllib.request.Request(
        f"{api_base}/v1/customers?limit=1", headers={"Authorization": f"Bearer {api_key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=ANSWER_TIMEOUT) as answer:
            return answer.status == 200
    except (OSError, ValueError):
        return False
