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
        ("iTMS", "Apple Podcasts servers", True, True),
        ("Overcast/1.0 Podcast Sync (5 subscribers; feed-id=1)", "Overcast servers", True, True),
        (
            "PocketCasts/1.0 (Pocket Casts Feed Parser; +http://pocketcasts.com/)",
            "Pocket Casts servers",
            True,
            True,
        ),
        ("SomethingNew/1.0", None, False, False),
    ],
)
def test_user_agents_name_apps_bots_and_fetchers(agent, app, bot, fetcher) -> None:
    info = classify(agent)
    assert (info.app, info.bot, info.fetcher) == (app, bot, fetcher)
