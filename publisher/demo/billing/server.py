"""Run the stand-in: its API and pages on one loopback port, its account saved on each change.

`lovetv serve` calls `launch` in development when no `STRIPE_API_KEY` is set: the stand-in
runs as a child process (so gunicorn forks no thread of it), tells its parent its port and
keys on one line of its standard output, and stops with its parent. The parent then sets
the `STRIPE_*` variables its workers read, exactly as an operator would for Stripe.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from publisher.config import Config
from publisher.demo import stand_in_wanted as wanted
from publisher.demo.billing.api import StripeApi
from publisher.demo.billing.pages import create_pages_app
from publisher.demo.billing.running import record_running
from publisher.demo.billing.state import STATE_FILE, DemoKeys, load_account, save_account
from publisher.demo.billing.store import PRICES_SETTING
from publisher.demo.billing.webhooks import WebhookSender

# How long `lovetv serve` waits for the stand-in to say it is listening.
START_TIMEOUT_SECONDS = 15
_WILDCARDS = ("0.0.0.0", "::", "")


class DemoBillingRefused(RuntimeError):
    """Demo billing was asked for where it must never run (production, or with a key)."""


class DemoStripe:
    """The stand-in's WSGI app: Stripe's API under /v1/, the hosted pages elsewhere."""

    def __init__(self, state_path: Path, public_base: str, webhook_url: str) -> None:
        self.state_path = state_path
        self.account, self.keys = load_account(state_path, public_base)
        self.sender = WebhookSender(webhook_url, self.keys.webhook_secret)
        self.api = StripeApi()
        self.api.base_url = public_base
        self.api.accounts[self.keys.api_key] = self.account
        self.pages = create_pages_app(self.account, self.keys.webhook_secret, self.deliver)
        self.save()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        app = self.api if environ.get("PATH_INFO", "").startswith("/v1/") else self.pages
        result = app(environ, start_response)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            self.save()
        return result

    def deliver(self, events: list[dict[str, Any]]) -> None:
        """Save what changed, then send its events to the service, in order."""
        self.save()
        self.sender.deliver(events)

    def save(self) -> None:
        save_account(self.state_path, self.account, self.keys)


@dataclass(frozen=True)
class DemoBilling:
    """A running stand-in as the service needs to know it."""

    api_base: str
    keys: DemoKeys
    process: subprocess.Popen[bytes] | None = None

    def environment(self) -> dict[str, str]:
        """The variables that point the service's workers at the stand-in."""
        return {
            "STRIPE_API_KEY": self.keys.api_key,
            "STRIPE_WEBHOOK_SECRET": self.keys.webhook_secret,
            "STRIPE_API_BASE": self.api_base,
            "LOVETV_STRIPE_PRICES": PRICES_SETTING,
            "LOVETV_DEMO_BILLING": self.api_base,
        }


def launch(config: Config, host: str, port: int) -> DemoBilling:
    """Start the stand-in for a service about to listen on `host:port`; stop it at exit."""
    if not wanted(config):
        raise DemoBillingRefused(
            "demo billing runs only in development without STRIPE_API_KEY "
            f"(this server is {config.env}{', with a key' if config.stripe_api_key else ''})"
        )
    reach = "127.0.0.1" if host in _WILDCARDS or host.startswith("127.") else host
    public_host = urlsplit(config.base_url).hostname or reach
    bind = host if host not in ("", "localhost") else "127.0.0.1"
    command = [
        sys.executable,
        "-m",
        "publisher.demo.billing",
        "--bind",
        bind,
        "--public-host",
        public_host,
        "--webhook-url",
        f"http://{reach}:{port}/webhooks/stripe",
        "--state",
        str(config.instance_path / STATE_FILE),
    ]
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, env={**os.environ, "LOVETV_ENV": config.env}
    )
    atexit.register(_stop, child)
    hello = _first_line(child)
    api_base = f"http://{reach}:{hello['port']}"
    record_running(config.instance_path, api_base)
    return DemoBilling(api_base, DemoKeys(**hello["keys"]), child)


def _first_line(child: subprocess.Popen[bytes]) -> dict[str, Any]:
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], START_TIMEOUT_SECONDS)
    line = child.stdout.readline() if ready else b""
    if not line:
        _stop(child)
        raise DemoBillingRefused("demo billing did not start (see the lines above)")
    return json.loads(line)


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()


def serve(
    bind: str, public_host: str, webhook_url: str, state_path: Path, environ: Mapping[str, str]
) -> None:
    """The child's life: refuse production, listen, say hello, serve until the parent goes."""
    from werkzeug.serving import make_server

    if environ.get("LOVETV_ENV") != "development":
        raise DemoBillingRefused("demo billing runs only with LOVETV_ENV=development")
    server = make_server(
        bind, 0, lambda e, s: app(e, s), threaded=True, request_handler=_QuietHandler()
    )
    base = f"http://{public_host}:{server.server_port}"
    app = DemoStripe(state_path, base, webhook_url)
    stop = threading.Event()
    app.sender.start_retrying(stop)
    _stop_with_parent(server, stop)
    hello = {"port": server.server_port, "keys": vars(app.keys)}
    sys.stdout.write(json.dumps(hello) + "\n")
    sys.stdout.flush()
    server.serve_forever(poll_interval=0.2)


def _QuietHandler() -> type:
    """werkzeug's handler without its access log: the paths carry Checkout Session ids."""
    from werkzeug.serving import WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            return None

    return QuietHandler


def _stop_with_parent(server: Any, stop: threading.Event) -> None:
    """Shut down when the parent is gone, even if it was killed without a word."""
    parent = os.getppid()

    def watch() -> None:
        while not stop.wait(1.0):
            if os.getppid() != parent:
                stop.set()
                server.shutdown()

    threading.Thread(target=watch, name="demo-billing-parent", daemon=True).start()
