"""User agent -> podcast app, bot, or big-app fetching server.

Apps and bots come from the Open Podcast Analytics Working Group's lists (vendored in
`data/`, MIT, see `data/README.md`): the first matching pattern names the app or bot, in
file order, as the lists' own tooling does. Fetching servers (Apple's, Overcast's and
Pocket Casts' servers, which download once for many listeners from one place) are a short
list of our own, from the user agents those services publish; they are left out of the
shared-link rule, and, being bots in the OPAWG list or servers, out of the downloads.

A user agent is only a claim: anyone can send `iTMS`. A fetcher counts as one only when the
request comes from the addresses its vendor publishes; from anywhere else it is classified
as an ordinary client by the shared-link rule (so a link fetched "as Apple" from thirty
networks is still flagged), and still not as a listener's download. Apple publishes that
its servers fetch from 17.0.0.0/8, Apple's own network (https://support.apple.com/en-us/119829,
"About Applebot"). Overcast and Pocket Casts publish no address ranges, so their server
agents are never trusted as fetchers.
"""

from __future__ import annotations

import ipaddress
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
@dataclass(frozen=True)
class Fetcher:
    """A big app's fetching server: its user agent, and where its vendor says it fetches from
    (no networks: unverifiable, so never trusted)."""

    label: str
    pattern: re.Pattern[str]
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    def sent(self, client_ip: str | None) -> bool:
        """Whether a request from `client_ip` really comes from this vendor's servers."""
        try:
            address = ipaddress.ip_address(client_ip or "")
        except ValueError:
            return False
        return any(address in network for network in self.networks)


FETCHERS = (
    Fetcher(
        "Apple Podcasts servers",
        re.compile(r"iTMS|itunesstored|^AppleCoreMedia/.*\(iTMS"),
        (ipaddress.ip_network("17.0.0.0/8"),),
    ),
    Fetcher("Overcast servers", re.compile(r"^Overcast/1\.0 Podcast Sync"), ()),
    Fetcher(
        "Pocket Casts servers",
        re.compile(r"Pocket Casts Feed Parser|^PocketCasts/1\.0 \("),
        (),
    ),
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


def classify(user_agent: str, client_ip: str | None = None) -> UserAgentInfo:
    """The app, bot and fetcher verdict of one request: a fetcher's user agent counts as a
    fetcher only from its vendor's published networks, else as any other client's would."""
    fetcher = _fetcher(user_agent)
    if fetcher is None:
        return _client(user_agent)
    if fetcher.sent(client_ip):
        return UserAgentInfo(app=fetcher.label, bot=True, fetcher=True)
    # A server's agent from elsewhere: not a listener's download either way, but counted
    # by the shared-link rule like any client.
    return UserAgentInfo(app=f"{fetcher.label} (unverified)", bot=True, fetcher=False)


@lru_cache(maxsize=4096)
def _fetcher(user_agent: str) -> Fetcher | None:
    return next((f for f in FETCHERS if f.pattern.search(user_agent)), None)


@lru_cache(maxsize=4096)
def _client(user_agent: str) -> UserAgentInfo:
    """The verdict of the OPAWG lists (cached: apps repeat a lot)."""
    bot = _first("bots", user_agent)
    if bot is not None or not user_agent.strip():
        return UserAgentInfo(app=bot or "(no user agent)", bot=True, fetcher=False)
    return UserAgentInfo(app=_first("apps", user_agent), bot=False, fetcher=False)
