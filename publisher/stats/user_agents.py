"""User agent -> podcast app, bot, or big-app fetching server.

Apps and bots come from the Open Podcast Analytics Working Group's lists (vendored in
`data/`, MIT, see `data/README.md`): the first matching pattern names the app or bot, in
file order, as the lists' own tooling does. Fetching servers (Apple's, Overcast's and
Pocket Casts' servers, which download once for many listeners from one place) are a short
list of our own, from the user agents those services publish; they are left out of the
shared-link rule, and, being bots in the OPAWG list or servers, out of the downloads.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data")

# Servers that fetch on behalf of many listeners (so many people, one network).
# Apple: https://podcasters.apple.com/support/829-validate-your-podcast ("iTMS" fetcher)
# Overcast: https://overcast.fm/podcasterinfo ("Overcast/1.0 Podcast Sync")
# Pocket Casts: https://support.pocketcasts.com ("PocketCasts/1.0 (Pocket Casts Feed Parser…")
FETCHERS = (
    ("Apple Podcasts servers", re.compile(r"iTMS|itunesstored|^AppleCoreMedia/.*\(iTMS")),
    ("Overcast servers", re.compile(r"^Overcast/1\.0 Podcast Sync")),
    ("Pocket Casts servers", re.compile(r"Pocket Casts Feed Parser|^PocketCasts/1\.0 \(")),
)


@dataclass(frozen=True)
class UserAgentInfo:
    """What a user agent string tells the counting rules."""

    app: str | None
    bot: bool
    fetcher: bool


@cache
def _patterns(name: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    entries = json.loads((DATA / f"{name}.runtime.json").read_text(encoding="utf-8"))["entries"]
    return tuple((e["name"], re.compile(e["pattern"])) for e in entries)


def _first(name: str, user_agent: str) -> str | None:
    for label, pattern in _patterns(name):
        if pattern.search(user_agent):
            return label
    return None


@lru_cache(maxsize=4096)
def classify(user_agent: str) -> UserAgentInfo:
    """The app, bot and fetcher verdict of one user agent (cached: apps repeat a lot)."""
    fetcher = next((label for label, p in FETCHERS if p.search(user_agent)), None)
    if fetcher is not None:
        return UserAgentInfo(app=fetcher, bot=True, fetcher=True)
    bot = _first("bots", user_agent)
    if bot is not None or not user_agent.strip():
        return UserAgentInfo(app=bot or "(no user agent)", bot=True, fetcher=False)
    return UserAgentInfo(app=_first("apps", user_agent), bot=False, fetcher=False)
