"""The webhook refuses oversized, deeply nested and future-dated deliveries before they cost."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest
import requests
from support.hardening import plain_env
from support.served import lovetv_serve
from support.stripe_app import WEBHOOK_SECRET, Shop, stripe_signature

from auth.stripe_events import MAX_JSON_DEPTH, EventRejected, json_depth, verify_event
from publisher.web.webhooks import MAX_WEBHOOK_BYTES

pytestmark = pytest.mark.stripe


def event_body(event_id: str = "evt_hardening_1") -> bytes:
    return json.dumps(
        {"id": event_id, "type": "ping", "created": int(time.time()), "data": {"object": {}}}
    ).encode()


def test_a_signature_from_the_future_beyond_the_tolerance_is_refused(shop: Shop) -> None:
    body = event_body()
    answer = shop.post_webhook(body, timestamp=int(time.time()) + 3600)
    assert answer.status_code == 400 and "future" in answer.json()["error"]
    assert shop.recorded_events() == []
    # Clocks drift: a little ahead of ours is fine.
    assert shop.post_webhook(body, timestamp=int(time.time()) + 60).status_code == 200


def test_a_signed_deeply_nested_body_is_a_400_not_a_500(shop: Shop) -> None:
    for depth in (MAX_JSON_DEPTH + 1, 100_000):
        body = b"[" * depth + b"]" * depth
        answer = shop.post_webhook(body)
        assert answer.status_code == 400, depth
        assert "nests deeper" in answer.json()["error"]
    assert shop.recorded_events() == []


def test_json_depth_skips_brackets_inside_strings() -> None:
    assert json_depth(b'{"a": "[[[[{{{{", "b": [1, {"c": "\\"]]"}]}') == 3
    assert json_depth(b"1") == 0
    with pytest.raises(EventRejected, match="future"):
        body = event_body()
        verify_event(body, stripe_signature(body, "s", 2_000_000_000), "s", now=1_900_000_000)


def test_a_declared_body_over_the_limit_is_refused_unread(shop: Shop) -> None:
    headers = {"Content-Type": "application/json", "Stripe-Signature": "t=1,v1=00"}
    body = b" " * (MAX_WEBHOOK_BYTES + 1)
    answer = requests.post(f"{shop.url}/webhooks/stripe", data=body, headers=headers, timeout=30)
    assert answer.status_code == 413
    assert shop.recorded_events() == []


def test_a_chunked_body_over_the_limit_is_refused_while_it_streams(shop: Shop) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(3):
            yield b" " * (MAX_WEBHOOK_BYTES // 2 + 1)

    headers = {"Content-Type": "application/json", "Stripe-Signature": "t=1,v1=00"}
    url = f"{shop.url}/webhooks/stripe"
    answer = requests.post(url, data=chunks(), headers=headers, timeout=30)
    assert answer.status_code == 413
    # A chunked body under the limit still reaches the signature check.
    small = requests.post(
        f"{shop.url}/webhooks/stripe", data=iter([b"{}"]), headers=headers, timeout=30
    )
    assert small.status_code == 400 and "signature" in small.json()["error"]


def post_raw(port: int, headers: str, body_size: int, chunked: bool) -> str:
    """Send a huge body in a thread while reading the answer: the server may not read it."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(headers.encode())

    def send_body() -> None:
        piece = b" " * (1024 * 1024)
        try:
            for _ in range(body_size // len(piece)):
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed without reading it all: that is the point

    sender = threading.Thread(target=send_body, daemon=True)
    sender.start()
    answer = b""
    while b"\r\n\r\n" not in answer:
        data = sock.recv(65536)
        if not data:
            break
        answer += data
    sock.close()
    sender.join(timeout=30)
    return answer.decode("latin-1")


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_50_mb_post_gets_413_and_the_worker_memory_barely_moves(
    sqlite_url: str, local_storage_url: str, tmp_path: Path, chunked: bool
) -> None:
    env = plain_env(
        sqlite_url,
        local_storage_url,
        LOVETV_BASE_URL="http://127.0.0.1",
        STRIPE_API_KEY="sk_test_never_called",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    size = 50 * 1024 * 1024
    with lovetv_serve(env, tmp_path) as served:
        warm = requests.post(f"{served.url}/webhooks/stripe", data=b"{}", timeout=10)
        assert warm.status_code == 400  # the view's code is loaded before measuring
        before = served.worker_rss_kib()
        length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
        headers = (
            "POST /webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nStripe-Signature: t=1,v1=00\r\n{length}\r\n\r\n"
        )
        answer = post_raw(served.port, headers, size, chunked)
        after = served.worker_rss_kib()
        assert answer.startswith("HTTP/1.1 413"), answer[:200]
        assert after - before < 8 * 1024, f"worker grew by {after - before} KiB"
        assert requests.get(f"{served.url}/healthz", timeout=10).status_code == 200
