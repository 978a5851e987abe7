"""One-tap "add to my podcast app" links for a private feed URL.

Each app documents (or has long honoured) a URL scheme that opens its subscribe screen with
a feed filled in; the welcome page offers these beside a copy button for any other app.
Sources: Apple's `podcast://` scheme, Overcast's x-callback-url `add`, Pocket Casts'
`pktc://subscribe/`, Castro's `castros://subscribe/`, AntennaPod's documented deep link
(https://antennapod.org/deeplink/subscribe), Podcast Addict's `podcastaddict://`.
"""

from __future__ import annotations

from urllib.parse import quote


def _without_scheme(url: str) -> str:
    return url.split("://", 1)[1] if "://" in url else url


def podcast_app_links(feed_url: str) -> list[tuple[str, str]]:
    """(app name, link) pairs that subscribe the app to `feed_url`."""
    bare = _without_scheme(feed_url)
    encoded = quote(feed_url, safe="")
    return [
        ("Apple Podcasts", f"podcast://{bare}"),
        ("Overcast", f"overcast://x-callback-url/add?url={encoded}"),
        ("Pocket Casts", f"pktc://subscribe/{bare}"),
        ("Castro", f"castros://subscribe/{bare}"),
        ("AntennaPod", f"https://antennapod.org/deeplink/subscribe?url={encoded}"),
        ("Podcast Addict", f"podcastaddict://{bare}"),
    ]
