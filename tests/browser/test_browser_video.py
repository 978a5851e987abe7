"""Video on the site, in Chromium at a phone's and a desktop's width: a free video episode's
page plays its MP4 (the picture moves, at the source's size) with captions from its
transcript, and a signed-in member watches a members-only one on their own page, which
stops the moment their membership does."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from support.browser import assert_accessible, assert_fits_the_screen
from support.catalog_factory import make_season, make_show
from support.stripe_app import Shop
from support.video import make_video

from publisher.catalog.publishing import EpisodeDraft, publish_episode
from publisher.members.admin import revoke
from publisher.members.members import add_member
from publisher.models import Member, Show

pytestmark = pytest.mark.stripe

TRANSCRIPT = (
    b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello there.\n\n00:02.000 --> 00:04.000\nWe talk.\n"
)
# Resolves once the video has played past `seconds`, or with its time after 5 s.
PLAYED_PAST = """(v, seconds) => new Promise(resolve => {
  v.muted = true;
  const began = performance.now();
  const check = () => (v.currentTime > seconds || performance.now() - began > 5000)
    ? resolve(v.currentTime) : setTimeout(check, 50);
  const playing = v.play();
  if (playing && playing.catch) playing.catch(() => {});
  check();
})"""


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("film")
    (folder / "talk.vtt").write_bytes(TRANSCRIPT)
    return make_video(folder / "talk.mp4", 4.0, width=480, height=270)


def publish(shop: Shop, film: Path, title: str, teaser: bool) -> str:
    with shop.services.db.session() as session:
        if session.get(Show, 1) is None:
            make_show(session)
            make_season(session, "season-1", 1, title="Closer")
    draft = EpisodeDraft(
        season="season-1",
        audio=film,
        title=title,
        teaser=teaser,
        transcript=film.with_suffix(".vtt"),
    )
    return publish_episode(shop.services, draft)["guid"]


def test_a_free_video_plays_on_its_page_at_its_own_size(shop: Shop, film: Path, page) -> None:  # type: ignore[no-untyped-def]
    guid = publish(shop, film, "Free to watch", teaser=True)
    page.goto(f"{shop.url}/episodes/{guid}")
    video = page.locator("video")
    assert video.get_attribute("src") == f"/media/teaser/{guid}.mp4"
    assert video.get_attribute("poster") == f"/media/teaser/{guid}.poster.jpg"
    assert page.locator("video track[kind=captions]").get_attribute("src").endswith(".vtt")
    played = video.evaluate(PLAYED_PAST, 1.0)  # the first frame is not enough: it advances
    assert played > 1.0, f"the video stopped at {played} s"
    assert video.evaluate("v => [v.videoWidth, v.videoHeight]") == [480, 270]
    assert_fits_the_screen(page)
    assert_accessible(page)
    listen = page.get_by_text("Listen only")
    listen.click()
    assert page.locator("details.listen-only audio").get_attribute("src").endswith(".m4a")


def test_a_member_watches_here_until_the_membership_stops(shop: Shop, film: Path, page) -> None:  # type: ignore[no-untyped-def]
    guid = publish(shop, film, "Members watch", teaser=False)
    assert page.goto(f"{shop.url}/episodes/{guid}").status == 404  # members only
    page.expected_failures.append(f"{shop.url}/episodes/{guid}")
    with shop.services.db.session() as session:
        add_member(session, shop.services.config.secret_key, "ann@example.com")
    shop.sign_in("ann@example.com")
    page.context.add_cookies(
        [{"name": c.name, "value": c.value, "url": shop.url} for c in shop.browser.cookies]
    )
    page.goto(f"{shop.url}/account")
    page.get_by_role("link", name="Members watch").click()
    page.wait_for_url(f"{shop.url}/account/episodes/{guid}")
    video = page.locator("video")
    src = video.get_attribute("src")
    assert src.startswith("/media/") and "/media/teaser/" not in src
    assert video.evaluate(PLAYED_PAST, 1.0) > 1.0
    assert video.evaluate("v => v.videoWidth") == 480
    assert_fits_the_screen(page)
    with shop.services.db.session() as session:  # the subscription ended (a lapse)
        session.execute(update(Member).values(status="lapsed", status_reason="canceled"))
    page.expected_failures.append(f"{shop.url}/account/episodes/{guid}")
    answer = page.goto(f"{shop.url}/account/episodes/{guid}")
    assert answer.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Your membership is paused"
    assert page.request.get(f"{shop.url}{src}").status == 403  # and so do its media URLs
    revoke(shop.services, "ann@example.com")  # a revoke also signs every browser out
    page.goto(f"{shop.url}/account/episodes/{guid}")
    assert page.url == f"{shop.url}/account/sign-in"
