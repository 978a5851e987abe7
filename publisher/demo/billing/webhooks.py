"""Deliver a stand-in account's events to the service's webhook, signed as Stripe signs.

Stripe POSTs each event as JSON with a `Stripe-Signature: t=<unix time>,v1=<HMAC-SHA256 of
"<t>.<body>">` header (https://docs.stripe.com/webhooks#verify-manually) and retries an
event the endpoint did not answer 2xx. The demo does the same: events are sent in the order
they happened, before the buyer's browser is redirected (so the service has applied them
when the next page loads), and an undelivered one is retried from a background thread.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from typing import Any

log = logging.getLogger(__name__)

# Each delivery waits at most this long for the service (Stripe waits about 10 s too).
DELIVERY_TIMEOUT_SECONDS = 10
RETRY_EVERY_SECONDS = 5.0
# Stripe gives up after three days; a demo gives up after an hour.
GIVE_UP_AFTER_SECONDS = 3600


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe sends: HMAC-SHA256 of "<t>.<payload>"."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


class WebhookSender:
    """Signs and POSTs events to one endpoint; keeps what failed and tries it again."""

    def __init__(self, url: str, secret: str) -> None:
        self.url, self.secret = url, secret
        self._pending: deque[tuple[float, dict[str, Any]]] = deque()
        self._lock = threading.Lock()

    def deliver(self, events: list[dict[str, Any]]) -> bool:
        """Send `events` in order; True when every one was accepted now."""
        with self._lock:
            if self._pending:  # keep the order: older undelivered events go first
                self._pending.extend((time.monotonic(), e) for e in events)
                return False
            for index, event in enumerate(events):
                if not self._post(event):
                    self._pending.extend((time.monotonic(), e) for e in events[index:])
                    return False
            return True

    def retry_pending(self) -> None:
        """One pass over undelivered events, oldest first, stopping at the first failure."""
        with self._lock:
            while self._pending:
                queued_at, event = self._pending[0]
                if time.monotonic() - queued_at > GIVE_UP_AFTER_SECONDS:
                    log.warning("demo billing: gave up delivering %s", event["type"])
                    self._pending.popleft()
                    continue
                if not self._post(event):
                    return
                self._pending.popleft()

    def start_retrying(self, stop: threading.Event) -> threading.Thread:
        """A daemon thread that retries undelivered events until `stop` is set."""

        def loop() -> None:
            while not stop.wait(RETRY_EVERY_SECONDS):
                self.retry_pending()

        thread = threading.Thread(target=loop, name="demo-billing-webhooks", daemon=True)
        thread.start()
        return thread

    def _post(self, event: dict[str, Any]) -> bool:
        body = json.dumps(event).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": stripe_signature(body, self.secret),
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks) lovetv-demo",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT_SECONDS) as answer:
                return 200 <= answer.status < 300
        except (urllib.error.URLError, OSError) as exc:
            log.warning("demo billing: %s not delivered yet (%s)", event["type"], exc)
            return False
