"""Bodies are bounded before a view reads them: chunked ones too, and forms of many fields."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
import requests
from werkzeug.serving import make_server

from publisher.app import MAX_CONTENT_LENGTH
from publisher.web.body_limits import MAX_FORM_FIELDS


@pytest.fixture(name="served")
def served_fixture(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def signed_in_form(served: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    browser.headers["Host"] = "podcasts.lovetv.test"
    page = browser.get(f"{served}/account/sign-in", timeout=30).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return browser, match.group(1)


def test_a_chunked_form_over_the_limit_is_refused_not_cut(served: str) -> None:
    browser, token = signed_in_form(served)

    def chunks() -> Iterator[bytes]:
        yield f"csrf_token={token}&email=a%40b.example&pad=".encode()
        for _ in range(3):
            yield b"x" * (MAX_CONTENT_LENGTH // 2)

    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = browser.post(f"{served}/account/sign-in", data=chunks(), headers=headers, timeout=30)
    assert answer.status_code == 413 and "over" in answer.text
    small = browser.post(
        f"{served}/account/sign-in",
        data=iter([f"csrf_token={token}&email=a%40b.example".encode()]),
        headers=headers,
        timeout=30,
    )
    assert small.status_code == 200  # a chunked form under the limit still works


@pytest.mark.parametrize("fields", [MAX_FORM_FIELDS, 300_000])
def test_a_form_of_too_many_fields_is_refused_before_parsing(served: str, fields: int) -> None:
    browser, token = signed_in_form(served)
    body = f"csrf_token={token}&email=a%40b.example&" + "&".join(["a="] * fields)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = browser.post(f"{served}/account/sign-in", data=body, headers=headers, timeout=30)
    assert answer.status_code == 400 and answer.text == "the form has too many fields\n"


def test_an_ordinary_form_is_untouched(served: str) -> None:
    browser, token = signed_in_form(served)
    answer = browser.post(
        f"{served}/account/sign-in",
        data={"csrf_token": token, "email": "a@b.example"},
        timeout=30,
    )
    assert answer.status_code == 200
