"""The first hour as a member, on `make run`'s own commands: demo billing end to end.

`lovetv demo` then `lovetv serve` (no Stripe key, development: what `make run` does) in a
folder of the test's own; Chromium, at a phone's and a desktop's width, goes from the home
page through the demo Checkout to the welcome page's feed link; a podcast app's request
fetches that feed and an episode's audio; the welcome email is read from its `.eml`; the
member signs in by the emailed link, cancels in the demo Customer Portal (asked first) and
moves the demo clock past the period's end, and the same feed turns into the lapsed notice;
joining again while signed in brings the same feed back.
"""

from __future__ import annotations

import re

import requests
from support.browser import assert_accessible, assert_fits_the_screen, labelled_field, press
from support.made_run import APP_HEADERS, MadeRun, app_fetch, plain_text, submit


def test_joining_listening_cancelling_on_make_runs_server(made_run: MadeRun, page) -> None:  # type: ignore[no-untyped-def]
    buyer = f"fan-{page.viewport_size['width']}@example.com"
    page.goto(made_run.url + "/")
    assert "charges nothing" in page.text_content("#plans")
    press(page, page.get_by_role("link", name="Join monthly"))
    page.wait_for_url(f"{made_run.url}/join/monthly")
    press(page, page.get_by_role("button", name="Continue to payment"))
    page.wait_for_url(re.compile(r"/c/pay/cs_"))

    # The demo Checkout: says it is a demo, asks for an address, charges nothing.
    assert "charges nothing" in page.text_content("main")
    assert_accessible(page)
    field = labelled_field(page, "Email")
    assert_fits_the_screen(page, field)
    field.fill(buyer)
    press(page, page.get_by_role("button", name="Pay (demo)"))
    page.wait_for_url(re.compile(r"/welcome\?session_id=cs_"))
    assert page.url.startswith(made_run.url)

    feed_url = page.get_by_label(re.compile("^Private feed link for")).first.input_value()
    assert feed_url.startswith(f"{made_run.url}/feeds/")

    # The podcast app: the feed, then one episode's audio.
    feed = app_fetch(feed_url)
    assert feed["episodes"], "the member's feed has no episodes"
    audio_url = feed["episodes"][0]["enclosures"][0]["url"]
    audio = requests.get(audio_url, headers={**APP_HEADERS, "Range": "bytes=0-9"}, timeout=30)
    assert audio.status_code == 206 and audio.content[:3] in (b"ID3", b"\xff\xfb"[:3])

    welcome = made_run.mail(buyer, "Welcome")
    assert feed_url in plain_text(welcome)

    # Signing in by the emailed link.
    page.goto(f"{made_run.url}/account/sign-in")
    labelled_field(page, "Your email address").fill(buyer)
    press(page, page.get_by_role("button", name=re.compile("sign-in link", re.I)))
    link = re.search(
        r"http://\S+/account/sign-in/\S+", plain_text(made_run.mail(buyer, "sign-in link"))
    )
    assert link is not None
    page.goto(link.group(0))
    press(page, page.get_by_role("button", name=re.compile("^Sign in")))
    page.wait_for_url(f"{made_run.url}/account")

    # The demo Customer Portal: cancel, then let the period end on the demo clock.
    press(page, page.get_by_role("button", name="Manage billing"))
    page.wait_for_url(re.compile(r"/p/session/"))
    assert_accessible(page)
    submit(page, page.get_by_role("button", name="Cancel membership"))
    assert "nothing more is charged" in page.text_content("main")  # asked first
    assert_accessible(page)
    submit(page, page.get_by_role("button", name="Yes, cancel my membership"))
    assert "Cancelled: your membership ends on" in page.text_content("main")
    assert app_fetch(feed_url)["episodes"][0]["title"] == feed["episodes"][0]["title"]
    submit(page, page.get_by_role("button", name=re.compile(r"^Skip to .* \(demo clock\)$")))
    assert "Ended" in page.text_content("main")
    assert "ahead of the real date" in page.text_content("main")  # the moved clock says so

    lapsed = app_fetch(feed_url)
    assert [e["title"] for e in lapsed["episodes"]] == [
        "Your membership has ended: renew to keep listening"
    ]
    assert made_run.mail(buyer, "membership has lapsed")
    press(page, page.get_by_role("link", name="Return to your account"))
    page.wait_for_url(f"{made_run.url}/account")

    # Coming back: signed in, joining again uses their own customer and the same feed resumes.
    page.goto(f"{made_run.url}/join/monthly")
    submit(page, page.get_by_role("button", name="Continue to payment"))
    assert f"Paying as {buyer}" in page.text_content("main")
    submit(page, page.get_by_role("button", name="Pay (demo)"))
    assert "Your membership is updated" in page.text_content("main")
    back = app_fetch(feed_url)
    assert [e["title"] for e in back["episodes"]] == [e["title"] for e in feed["episodes"]]
