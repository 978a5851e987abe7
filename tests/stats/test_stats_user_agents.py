"""User agents -> apps, bots and fetching servers, from the vendored OPAWG lists."""

from __future__ import annotations

import json
import re

import pytest

from publisher.stats.user_agents import DATA, classify


@pytest.mark.parametrize("name", ["apps", "bots"])
def test_every_vendored_pattern_compiles_and_names_something(name: str) -> None:
    entries = json.loads((DATA / f"{name}.runtime.json").read_text(encoding="utf-8"))["entries"]
    assert len(entries) > 150
    for entry in entries:
        assert entry["name"].strip()
        re.compile(entry["pattern"])
    assert (DATA / "LICENSE").read_text().startswith("MIT License")


@pytest.mark.parametrize(
    ("agent", "app", "bot", "fetcher"),
    [
        ("Podcasts/1570.5 CFNetwork/1335.0.3 Darwin/21.6.0", "Apple Podcasts", False, False),
        ("Overcast/3.0 (+http://overcast.fm/; iOS podcast app)", "Overcast", False, False),
        ("AntennaPod/3.2.0", "AntennaPod", False, False),
        ("Spotify/8.8.0 Android/33 (SM-G991B)", "Spotify", False, False),
        ("Mozilla/5.0 (compatible; Googlebot/2.1)", "Googlebot", True, False),
        ("python-requests/2.32.3", "python-requests", True, False),
        ("curl/8.5.0", "curl", True, False),
        ("", "(no user agent)", True, False),
        ("iTMS", "Apple Podcasts servers (unverified)", True, False),
        (
            "Overcast/1.0 Podcast Sync (5 subscribers; feed-id=1)",
            "Overcast servers (unverified)",
            True,
            False,
        ),
        (
            "PocketCasts/1.0 (Pocket Casts Feed Parser; +http://pocketcasts.com/)",
            "Pocket Casts servers (unverified)",
            True,
            False,
        ),
        ("SomethingNew/1.0", None, False, False),
    ],
)
def test_user_agents_name_apps_bots_and_fetchers(agent, app, bot, fetcher) -> None:
    info = classify(agent)
    assert (info.app, info.bot, info.fetcher) == (app, bot, fetcher)


@pytest.mark.parametrize(
    ("client_ip", "fetcher"),
    [("17.58.100.1", True), ("203.0.113.9", False), ("2001:db8::1", False), (None, False)],
)
def test_apples_fetcher_counts_only_from_apples_network(client_ip, fetcher) -> None:  # type: ignore[no-untyped-def]
    info = classify("iTMS", client_ip)
    assert (info.fetcher, info.bot) == (fetcher, True)  # never a listener's download


def test_fetchers_without_published_networks_are_never_trusted() -> None:
    for agent in ("Overcast/1.0 Podcast Sync (1 subscribers)", "PocketCasts/1.0 (Pocket Casts"):
        assert not classify(agent, "17.58.100.1").fetcher
