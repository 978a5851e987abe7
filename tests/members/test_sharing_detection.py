"""Shared links: a token used from more networks in a day than the threshold is flagged.

Requests come from distinct loopback /24s through a live server; the big apps' fetching
servers never flag anyone; with auto-rotate the link is replaced and the member emailed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from support.catalog_factory import make_episode, make_member, make_season, make_show
from support.downloads import fetch
from support.service_env import service_env

from publisher.cli import main
from publisher.models import OutboxMessage, SharingFlag
from publisher.services import services_of
from publisher.web.media import recorder_of

PHONE = "Pocket Casts/7.58 (iPhone; iOS 17.1)"
POCKET_CASTS_SERVER = "PocketCasts/1.0 (Pocket Casts Feed Parser; +http://pocketcasts.com/)"
APPLE_SERVER = "iTMS"
OVERCAST_SERVER = "Overcast/1.0 Podcast Sync (3 subscribers; feed-id=123; +http://overcast.fm/)"


@pytest.fixture
def env(database_url: str, local_storage_url: str, request) -> dict[str, str]:
    settings = service_env(database_url, local_storage_url)
    settings["LOVETV_SHARING_NETWORKS"] = "2"
    settings.update(getattr(request, "param", {}))
    return settings


@pytest.fixture
def links(app, mp3_file: Path) -> dict[str, str]:
    """Two members' audio paths for one published episode."""
    services = services_of(app)
    with services.db.session() as session:
        make_show(session)
        episode = make_episode(session, services.storage, make_season(session), mp3_file)
        paths = {}
        for email in ("ann@example.com", "bo@example.com"):
            _, token = make_member(session, services.config.secret_key, email)
            paths[email] = f"/media/{token}/{episode.guid}.mp3"
        return paths


def _flagged(runner) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, ["member", "list", "--flagged", "--json"])
    assert result.exit_code == 0, result.output
    return {m["email"]: m for m in json.loads(result.stdout)["members"]}


def test_a_link_used_from_more_networks_than_the_threshold_is_flagged(
    app, served, links, runner
) -> None:
    for network in (1, 2):  # two networks: at the threshold, normal use
        fetch(served, links["ann@example.com"], f"127.0.{network}.9", PHONE)
        fetch(served, links["ann@example.com"], f"127.0.{network}.10", PHONE)  # same /24
    recorder_of(app).flush()
    assert _flagged(runner) == {}
    fetch(served, links["ann@example.com"], "127.0.3.9", "AntennaPod/3.2.0")
    recorder_of(app).flush()
    flagged = _flagged(runner)
    assert list(flagged) == ["ann@example.com"]
    evidence = flagged["ann@example.com"]["sharing"][0]
    assert evidence["networks"] == 3 and evidence["apps"] == ["AntennaPod", "Pocket Casts"]
    assert evidence["rotated"] is False
    text = runner.invoke(main, ["member", "list", "--flagged"])
    assert "FLAGGED" in text.stdout and "3 networks" in text.stdout


@pytest.mark.parametrize("env", [{"LOVETV_TRUSTED_PROXIES": "1"}], indirect=True)
def test_apples_servers_from_apples_network_flag_nobody(app, served, links, runner) -> None:
    for network in range(9):
        fetch(
            served,
            links["bo@example.com"],
            "127.0.0.1",
            APPLE_SERVER,
            forwarded_for=f"17.{network}.0.1",
        )
    recorder_of(app).flush()
    assert _flagged(runner) == {}


@pytest.mark.parametrize("agent", [APPLE_SERVER, OVERCAST_SERVER, POCKET_CASTS_SERVER])
def test_a_servers_user_agent_from_anywhere_else_is_counted_like_any_client(
    app, served, links, runner, agent: str
) -> None:
    for network in range(3):
        fetch(served, links["bo@example.com"], f"127.0.{10 + network}.1", agent)
    recorder_of(app).flush()
    assert list(_flagged(runner)) == ["bo@example.com"]


@pytest.mark.parametrize("env", [{"LOVETV_SHARING_AUTO_ROTATE": "1"}], indirect=True)
def test_auto_rotate_replaces_the_link_and_emails_the_member(app, served, links, runner) -> None:
    old = links["ann@example.com"]
    for network in (1, 2, 3):
        assert fetch(served, old, f"127.0.{network}.9", PHONE) == 200
    recorder_of(app).flush()
    assert fetch(served, old, "127.0.1.9", PHONE) == 403  # the shared link stopped
    assert fetch(served, links["bo@example.com"], "127.0.1.9", PHONE) == 200
    services = services_of(app)
    with services.db.session() as session:
        mails = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "links_replaced"))
        sent = [(m.to_address, m.body_text) for m in mails]
        flags = session.scalars(select(SharingFlag)).all()
    assert len(sent) == 1 and sent[0][0] == "ann@example.com"
    assert "3 different networks" in sent[0][1]
    assert old.split("/")[2] not in sent[0][1]  # the old token is not in the email
    assert len(flags) == 1 and flags[0].rotated_at is not None
