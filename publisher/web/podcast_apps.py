"""One-tap "add to my podcast app" links for a private feed URL, and help for every other app.

A link is offered only when it carries the whole feed URL, scheme included: links that
drop the scheme (Apple's `podcast://host/path`, Castro's `castros://subscribe/host/path`,
Pocket Casts' `pktc://subscribe/host/path`, Podcast Addict's `podcastaddict://host/path`)
make the app guess `http://` for an `https://` feed, and a custom scheme fails with a bare
error on a phone without the app. What each app publishes:

- AntennaPod: an https link that opens the app when installed and otherwise a web page
  that offers it, `https://antennapod.org/deeplink/subscribe?url=<encoded feed>` (their
  "Create an 'Open in AntennaPod' link" page,
  https://antennapod.org/documentation/podcasters-hosters/add-on-antennapod). Without the
  app, the browser sends the whole feed URL to antennapod.org: fine for the public teaser
  feed, never for a private one, whose token is a secret. Its custom scheme
  (`antennapod-subscribe://`) drops an https feed's scheme. So private feeds offer only
  links that go straight to an app, and AntennaPod's "add by URL" steps.
- Overcast: the x-callback-url action `overcast://x-callback-url/add?url=<encoded feed>`
  (listed in the Podlove Subscribe Button's client table, podlove/podlove-subscribe-button
  src/coffee/clients.coffee); it keeps the whole URL. Overcast publishes no https link for
  a feed outside Apple's directory (https://overcast.fm/podcasterinfo: listeners add such
  feeds with "Add URL").
- Apple Podcasts, Pocket Casts, Castro, Podcast Addict: their documented links drop the
  scheme (the Podlove table above; Castro's own post on URL schemes,
  https://castro.fm/blog/a-podcast-url-scheme, explains why a missing app gives a vague
  error), and their https links (podcasts.apple.com, pca.st, castro.fm) name shows in
  Apple's directory, which private feeds are blocked from. Each has "add by URL": the
  page shows the steps beside the copy button and the QR code.
"""

from __future__ import annotations

from urllib.parse import quote


def podcast_app_links(feed_url: str, private: bool = True) -> list[tuple[str, str]]:
    """(app name, link) pairs that subscribe the app to `feed_url`, scheme and all; for a
    private feed only links that reach no web site (a token never goes to a third party)."""
    encoded = quote(feed_url, safe="")
    links = [("Overcast", f"overcast://x-callback-url/add?url={encoded}")]
    if not private:
        links.append(("AntennaPod", f"https://antennapod.org/deeplink/subscribe?url={encoded}"))
    return links


# Apps whose links cannot carry a private https feed: how to paste the copied link. Each
# step finishes the pages' sentence "copy the link above, then …", so it starts lower-case.
OTHER_APPS: tuple[tuple[str, str], ...] = (
    ("Apple Podcasts", "open Library, then ⋯ (More), then Follow a Show by URL, and paste."),
    ("Pocket Casts", "open Discover, paste the link into the search field, then Subscribe."),
    ("Castro", "open Library, then Add Podcast (+), and paste the link into search."),
    ("Podcast Addict", "tap + (Add podcast), then RSS Feed, and paste."),
    ("AntennaPod", "tap + (Add podcast), then Add podcast by RSS address, and paste."),
    ("Any other app", 'look for "Add by URL" or "RSS feed" and paste the link.'),
)
