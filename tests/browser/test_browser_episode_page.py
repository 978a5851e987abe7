"""An episode's chapters and transcript in a real browser, at a phone's and a desktop's width:
choosing a chapter seeks the player there, the transcript reads as a page whose times lead
back to that moment, and axe-core finds nothing serious or critical on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.browser import (
    assert_accessible,
    assert_fits_the_screen,
    press,
    reached_by_tab,
    tab_stops,
)
from support.catalog_factory import make_episode, make_season, make_show
from support.stripe_app import Shop

pytestmark = pytest.mark.stripe

TRANSCRIPT = (
    b"WEBVTT\n\n00:00.000 --> 00:01.400\nHello there.\n\n00:01.500 --> 00:02.900\nWhy we talk.\n"
)
# Resolves with how long (ms) the player took to reach `seconds`: far less than playing
# there from the start would take, so the seek really happened.
SEEKED_TO = """([a, seconds]) => new Promise(resolve => {
  const began = performance.now();
  setTimeout(() => resolve(Infinity), 3000);  // never there: no seek, and no hang either
  const check = () => (a.currentTime >= seconds - 0.05)
    ? resolve(performance.now() - began) : setTimeout(check, 20);
  check();
})"""


@pytest.fixture(name="guid")
def teaser_fixture(shop: Shop, mp3_file: Path) -> str:
    with shop.services.db.session() as session:
        make_show(session)
        season = make_season(session, "season-1", 1, title="Closer")
        episode = make_episode(
            session,
            shop.services.storage,
            season,
            mp3_file,
            title="Free taste",
            teaser=True,
            chapters=[{"startTime": 0, "title": "Hello"}, {"startTime": 1.5, "title": "Why"}],
            transcript=(TRANSCRIPT, "text/vtt"),
        )
        return episode.guid


def test_choosing_a_chapter_seeks_the_player(shop: Shop, guid: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{shop.url}/episodes/{guid}")
    player = page.locator("audio")
    player.evaluate("a => { a.muted = true; }")
    chapter = page.get_by_role("link", name="0:01 Why")
    tab_stops(page)
    reached_by_tab(chapter)
    assert_fits_the_screen(page, chapter)
    press(page, chapter)
    took = page.evaluate(SEEKED_TO, [player.element_handle(), 1.5])
    assert took < 1000, f"the player reached 1.5 s only after {took} ms: no seek"
    assert page.url.endswith("#t=1.5")


def test_the_transcript_reads_as_a_page_and_its_times_lead_to_the_moment(
    shop: Shop, guid: str, page
) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{shop.url}/episodes/{guid}")
    press(page, page.get_by_role("link", name="Read the transcript"))
    page.wait_for_url(f"{shop.url}/episodes/{guid}/transcript")
    assert page.get_by_role("heading", level=1).inner_text() == "Transcript: Free taste"
    lines = page.locator("ol.cues li").all_inner_texts()
    assert [" ".join(line.split()) for line in lines] == ["0:00 Hello there.", "0:01 Why we talk."]
    assert_accessible(page)
    assert_fits_the_screen(page)
    assert page.locator("audio").count() == 0  # a page to read; the player is on the episode's
    page.get_by_role("link", name="Play from 0:01").click()
    page.wait_for_url(f"{shop.url}/episodes/{guid}#t=1.5")
    player = page.locator("audio")
    player.evaluate("a => { a.muted = true; }")
    took = page.evaluate(SEEKED_TO, [player.element_handle(), 1.5])
    assert took < 1000, f"the player reached 1.5 s only after {took} ms: no seek"
