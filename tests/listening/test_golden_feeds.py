"""Golden feeds: each golden_feeds/<case>.json holds a renderer's input, and <case>.xml the
exact bytes it must produce, checked in one parametrized loop as podcastparser checks its
own (tests/support/golden.py turns the JSON into `feeds.model` values).

A change to what apps receive then shows up as a diff of a file a reviewer reads. After a
deliberate change, `GOLDEN_UPDATE=1 .venv/bin/pytest tests/listening/test_golden_feeds.py`
rewrites the .xml files; read `git diff` before committing them. CI never rewrites them.
"""

from __future__ import annotations

import difflib
import io
import json
import os
from pathlib import Path

import feedparser
import podcastparser
import pytest
from support.golden import RENDERERS, render_case

from feeds.model import PLACEHOLDERS

GOLDEN = Path(__file__).resolve().parent / "golden_feeds"
CASES = sorted(GOLDEN.glob("*.json"))
UPDATING = os.environ.get("GOLDEN_UPDATE") == "1"


def test_every_renderer_has_a_golden_case_and_every_case_its_feed() -> None:
    renderers = {json.loads(case.read_text())["renderer"] for case in CASES}
    assert renderers == set(RENDERERS)
    inputs = {case.stem for case in CASES}
    outputs = {feed.stem for feed in GOLDEN.glob("*.xml")}
    assert inputs == outputs, f"cases without a feed or feeds without a case: {inputs ^ outputs}"


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.stem)
def test_the_renderer_writes_the_golden_feed(case: Path) -> None:
    rendered = render_case(json.loads(case.read_text()))
    golden = case.with_suffix(".xml")
    if UPDATING:
        assert os.environ.get("CI", "").lower() not in ("1", "true", "yes"), "never in CI"
        golden.write_bytes(rendered)
    expected = golden.read_bytes()
    if rendered != expected:
        diff = difflib.unified_diff(
            expected.decode().splitlines(),
            rendered.decode().splitlines(),
            str(golden.name),
            "rendered",
            lineterm="",
        )
        pytest.fail("the feed differs from its golden file:\n" + "\n".join(diff))


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.stem)
def test_the_golden_feed_reads_in_podcast_apps_once_filled(case: Path) -> None:
    """What apps receive (placeholders filled as a request fills them) parses in gPodder's
    podcastparser and in feedparser, with every item's audio."""
    body = case.with_suffix(".xml").read_text()
    for placeholder, value in zip(PLACEHOLDERS, _FILLED, strict=True):
        body = body.replace(placeholder, value)
    parsed = podcastparser.parse(
        "https://podcasts.lovetv.example/feed.xml", io.BytesIO(body.encode())
    )
    assert parsed["title"] and parsed["episodes"]
    assert all(episode["enclosures"] for episode in parsed["episodes"])
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert len(feed.entries) == len(parsed["episodes"])


_FILLED = ("tok" * 10 + "en", "Mon, 02 Mar 2026 09:00:00 +0000", "event-1", " (for Ann)", "")
