"""The soak's traffic: a mix of listener, browser and Stripe requests, paced open-loop.

Each request is recorded as (start time, route, status, seconds), status 0 for a request
that failed without an answer, so the report can split results by route and by whether
they fell inside a fault window.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import itertools
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Target:
    """Everything the mix needs to know about the service under test."""

    port: int
    feeds: list[str]
    media: list[str]
    teaser_media: list[str]
    webhook_secret: str
    etags: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    started: float
    route: str
    status: int
    seconds: float


class Webhooks:
    """Signed Stripe deliveries with fresh ids (some delivered twice, as Stripe does)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self._ids = itertools.count(1)
        self.acknowledged: set[str] = set()
        self.unacknowledged: set[str] = set()
        self.sent: list[str] = []
        self.deliveries = 0
        self._lock = threading.Lock()

    def next_event(self) -> tuple[str, bytes]:
        with self._lock:
            self.deliveries += 1
            if self.sent and random.random() < 0.2:
                event_id = random.choice(self.sent)  # a repeated delivery
            else:
                event_id = f"evt_soak_{next(self._ids)}"
                self.sent.append(event_id)
        body = {
            "id": event_id,
            "type": "charge.succeeded",
            "created": int(time.time()),
            "data": {"object": {"id": "ch_soak", "object": "charge"}},
        }
        return event_id, json.dumps(body).encode()

    def signature(self, body: bytes) -> str:
        t = int(time.time())
        mac = hmac.new(self.secret.encode(), f"{t}.".encode() + body, hashlib.sha256)
        return f"t={t},v1={mac.hexdigest()}"

    def record(self, event_id: str, status: int) -> None:
        with self._lock:
            if status == 200:
                self.acknowledged.add(event_id)
                self.unacknowledged.discard(event_id)
            elif event_id not in self.acknowledged:
                self.unacknowledged.add(event_id)


def one_request(
    conn: http.client.HTTPConnection, target: Target, hooks: Webhooks
) -> tuple[str, int]:
    """Send one request of the mix on `conn`; (route name, status)."""
    roll = random.random()
    headers: dict[str, str] = {}
    method, body, event_id = "GET", None, None
    if roll < 0.35:
        route, path = "feed", random.choice(target.feeds)
    elif roll < 0.55:
        route, path = "feed 304", random.choice(target.feeds)
        headers["If-None-Match"] = target.etags.get(path, '"none"')
    elif roll < 0.65:
        route, path = "feed gzip", random.choice(target.feeds)
        headers["Accept-Encoding"] = "gzip"
    elif roll < 0.78:
        route, path = "media", random.choice(target.media)
        method = random.choice(["GET", "HEAD"])
    elif roll < 0.86:
        route, path = "teaser", "/feeds/teaser.xml"
    elif roll < 0.92:
        route, path = "teaser media", random.choice(target.teaser_media)
    else:
        route, path, method = "webhook", "/webhooks/stripe", "POST"
        event_id, body = hooks.next_event()
        headers = {"Content-Type": "application/json", "Stripe-Signature": hooks.signature(body)}
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    if route == "feed" and response.status == 200 and response.getheader("ETag"):
        target.etags[path] = response.getheader("ETag") or ""
    if event_id is not None:
        hooks.record(event_id, response.status)
    return route, response.status


def run_paced(
    target: Target,
    hooks: Webhooks,
    rate: float,
    seconds: float,
    threads: int = 16,
    on_tick: Callable[[float], None] | None = None,
) -> list[Outcome]:
    """Issue `rate` requests per second (0: as fast as possible) for `seconds`."""
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    start = time.monotonic()
    slots = itertools.count()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=15)
        while True:
            n = next(slots)
            due = start + n / rate if rate else time.monotonic()
            if due - start >= seconds:
                return
            time.sleep(max(0.0, due - time.monotonic()))
            began = time.monotonic()
            try:
                route, status = one_request(conn, target, hooks)
            except (OSError, http.client.HTTPException):
                route, status = "(no answer)", 0
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=15)
            with lock:
                outcomes.append(Outcome(began - start, route, status, time.monotonic() - began))

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    while any(t.is_alive() for t in pool):
        time.sleep(1)
        if on_tick is not None:
            on_tick(time.monotonic() - start)
    return outcomes
