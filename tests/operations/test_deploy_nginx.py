"""The shipped deployment: Debian's nginx with deploy/nginx/lovetv.conf in front of two
`lovetv serve` instances on one PostgreSQL and one S3 server.

Through nginx: a member's feed and its 304, audio, the sign-in form; the app sees the
client's address, not nginx's; the access log holds no token; sixteen clients sending their
bodies a byte at a time leave the service answering; one instance stopping loses no GET.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import select
from support.catalog_factory import make_episode, make_member, make_season, make_show
from support.network import free_port
from support.nginx import Nginx, running_nginx
from support.served import Served, lovetv_serve
from support.service_env import service_env
from support.stripe_app import csrf_token_of

from publisher.config import load_config
from publisher.models import MediaRequest
from publisher.services import Services

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@dataclass
class Deployment:
    nginx: Nginx
    instances: list[Served]
    services: Services
    token: str
    guid: str

    @property
    def feed(self) -> str:
        return f"/feeds/{self.token}/season-1.xml"

    def session(self) -> requests.Session:
        browser = requests.Session()
        browser.trust_env = False  # REQUESTS_CA_BUNDLE would override the test's certificate
        browser.verify = str(self.nginx.certificate)
        return browser


@pytest.fixture
def deployment(
    database_url: str, s3_bucket: str, tmp_path: Path, mp3_file: Path
) -> Iterator[Deployment]:
    with ExitStack() as stack:
        env = {
            **service_env(database_url, f"s3://{s3_bucket}/media"),
            "LOVETV_TRUSTED_PROXIES": "1",
        }
        env.pop("LOVETV_ALLOW_HTTP")
        # The public address is nginx's: its port is chosen first, for the instances' links.
        folder = tmp_path / "nginx"
        https_port = free_port()
        env["LOVETV_BASE_URL"] = f"https://127.0.0.1:{https_port}"
        services = Services.from_config(load_config(environ=env, instance_path=tmp_path / "i"))
        with services.db.session() as session:
            make_show(session)
            episode = make_episode(session, services.storage, make_season(session), mp3_file)
            _, token = make_member(session, services.config.secret_key, "ann@example.com")
            guid = episode.guid
        instances = []
        for n in range(2):
            workdir = tmp_path / f"instance-{n}"
            workdir.mkdir()
            instances.append(stack.enter_context(lovetv_serve(env, workdir)))
        nginx = stack.enter_context(
            running_nginx(folder, [i.port for i in instances], https_port=https_port)
        )
        yield Deployment(nginx, instances, services, token, guid)


def test_members_listen_and_sign_in_through_nginx(deployment: Deployment) -> None:
    browser = deployment.session()
    url = deployment.nginx.url
    feed = browser.get(url + deployment.feed, headers={"User-Agent": "Overcast/3.0"}, timeout=30)
    assert feed.status_code == 200 and feed.headers["Content-Type"].startswith("application/rss")
    again = browser.get(
        url + deployment.feed, headers={"If-None-Match": feed.headers["ETag"]}, timeout=30
    )
    assert again.status_code == 304
    audio = browser.get(
        f"{url}/media/{deployment.token}/{deployment.guid}.mp3", allow_redirects=False, timeout=30
    )
    assert audio.status_code == 302  # to S3, presigned
    heard = requests.get(audio.headers["Location"], timeout=30).content
    assert heard.startswith((b"ID3", b"\xff\xfb"))  # an MP3, from the store
    # As a browser posts under our no-referrer policy: an Origin, no Referer.
    form = browser.get(f"{url}/account/sign-in", timeout=30)
    fields = {"email": "ann@example.com", "csrf_token": csrf_token_of(form.text)}
    forged = browser.post(
        f"{url}/account/sign-in", data=fields, headers={"Origin": "https://evil.test"}, timeout=30
    )
    assert forged.status_code == 400
    asked = browser.post(f"{url}/account/sign-in", data=fields, headers={"Origin": url}, timeout=30)
    assert asked.status_code == 200 and "on its way" in asked.text, asked.text[:300]
    plain = requests.get(
        f"http://127.0.0.1:{deployment.nginx.http_port}/", allow_redirects=False, timeout=30
    )
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
    # Nobody's token in nginx's access log, only the route.
    log = deployment.nginx.access_log.read_text()
    assert deployment.token not in log and "/feeds/[token]/season-1.xml" in log


def test_the_app_sees_the_clients_address_not_nginxs(deployment: Deployment) -> None:
    context = ssl.create_default_context(cafile=str(deployment.nginx.certificate))
    connection = http.client.HTTPSConnection(
        "127.0.0.1",
        deployment.nginx.https_port,
        timeout=30,
        context=context,
        source_address=("127.0.0.5", 0),
    )
    connection.request(
        "GET",
        f"/media/{deployment.token}/{deployment.guid}.mp3",
        headers={"User-Agent": "Overcast/3.0", "X-Forwarded-For": "203.0.113.66"},
    )
    assert connection.getresponse().status == 302
    connection.close()
    deadline = time.monotonic() + 15
    while True:  # each instance writes its requests in batches, every second
        with deployment.services.db.session() as session:
            seen = session.scalars(select(MediaRequest.client_ip)).all()
        if seen or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert seen == ["127.0.0.5"]  # what nginx saw; the client's own header is replaced


def test_slow_request_bodies_are_held_by_nginx_not_the_service(deployment: Deployment) -> None:
    stop = threading.Event()
    context = ssl.create_default_context(cafile=str(deployment.nginx.certificate))

    def trickle() -> None:
        raw = socket.create_connection(("127.0.0.1", deployment.nginx.https_port), timeout=30)
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as conn:
            conn.sendall(
                b"POST /account/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 1000\r\n\r\n"
            )
            while not stop.wait(0.5):
                conn.sendall(b"a")

    clients = [threading.Thread(target=trickle, daemon=True) for _ in range(16)]
    for client in clients:
        client.start()
    try:
        time.sleep(1.5)  # every slow client is connected and sending
        browser = deployment.session()
        for _ in range(5):
            started = time.monotonic()
            answer = browser.get(f"{deployment.nginx.url}/healthz", timeout=10)
            took = time.monotonic() - started
            assert answer.status_code == 200 and took < 1.0, took
            time.sleep(0.5)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=5)


def test_stopping_one_instance_loses_no_request(deployment: Deployment) -> None:
    browser = deployment.session()
    answers = []
    for n in range(30):
        if n == 10:
            first = deployment.instances[0].process
            first.terminate()
            first.wait(timeout=40)
        answer = browser.get(deployment.nginx.url + deployment.feed, timeout=30)
        answers.append(answer.status_code)
    assert answers == [200] * 30
