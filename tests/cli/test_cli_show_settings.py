"""`lovetv show get` reads back every detail `show set` sets; `show set` refuses an owner
address that is not one and a category Apple Podcasts does not have, suggesting the near one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.cli_results import refused as _refused
from support.cli_results import succeeded as _ok
from support.media import make_png

from publisher.cli import main


@pytest.fixture
def migrated(runner: CliRunner) -> None:
    _ok(runner.invoke(main, ["db", "upgrade"]))


@pytest.mark.usefixtures("migrated")
def test_show_get_prints_what_show_set_set(runner: CliRunner, tmp_path: Path) -> None:
    terms = tmp_path / "terms.md"
    terms.write_text("Be kind.")
    art = make_png(tmp_path / "show.png", size=1400)
    args = ["show", "set", "--title", "Love TV", "--author", "Dr. Ann", "--image", str(art)]
    args += ["--owner-email", "ann@lovetv.example", "--description", "Love well.\nLive well."]
    args += ["--language", "en-GB", "--category", "Health & Fitness > Mental Health"]
    args += ["--website", "https://lovetv.example", "--explicit", "--terms", str(terms)]
    args += ["--regular-price", "monthly=199, yearly=$499.5"]
    _ok(runner.invoke(main, args))

    settings = json.loads(_ok(runner.invoke(main, ["show", "get", "--json"])))
    made = {key: settings.pop(key) for key in ("image_key", "podcast_guid", "updated_at")}
    assert settings == {
        "title": "Love TV",
        "author": "Dr. Ann",
        "owner_email": "ann@lovetv.example",
        "description": "Love well.\nLive well.",
        "language": "en-GB",
        "category": "Health & Fitness > Mental Health",
        "website": "https://lovetv.example",
        "explicit": True,
        "name_in_feed_title": False,
        "terms": "Be kind.",
        "refund_policy": "",
        "regular_prices": "monthly=199,yearly=499.50",
    }
    assert made["image_key"].startswith("art/") and made["podcast_guid"]

    lines = _ok(runner.invoke(main, ["show", "get"])).splitlines()
    assert "title          Love TV" in lines
    assert "description    Love well. Live well." in lines
    assert "explicit       yes (--explicit)" in lines
    assert "refund policy  (not set)" in lines
    assert "regular prices monthly $199, yearly $499.50 (struck through beside the prices)" in lines
    assert "name in title  no (--no-name-in-feed-title)" in lines
    assert "terms          8 characters, shown at /terms" in lines


@pytest.mark.usefixtures("migrated")
def test_show_get_before_the_show_exists_says_how_to_create_it(runner: CliRunner) -> None:
    assert "lovetv show set --title" in _refused(runner.invoke(main, ["show", "get", "--json"]))


@pytest.mark.usefixtures("migrated")
@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--owner-email", "ann@", "'ann@' is not an email address (--owner-email)"),
        ("--owner-email", "ann at lovetv.example", "is not an email address"),
        ("--category", "Helth", "did you mean 'Health & Fitness'?"),
        ("--category", "Mental Helth", "did you mean 'Health & Fitness > Mental Health'?"),
        ("--category", "Podcasts About Nothing", "is not an Apple Podcasts category"),
    ],
)
def test_show_set_refuses_what_podcast_directories_would(
    runner: CliRunner, option: str, value: str, expected: str
) -> None:
    _ok(runner.invoke(main, ["show", "set", "--title", "Love TV"]))
    before = _ok(runner.invoke(main, ["show", "get", "--json"]))
    assert expected in _refused(runner.invoke(main, ["show", "set", option, value]))
    assert _ok(runner.invoke(main, ["show", "get", "--json"])) == before


@pytest.mark.usefixtures("migrated")
def test_show_set_stores_a_category_as_apple_spells_it(runner: CliRunner) -> None:
    args = ["show", "set", "--title", "Love TV", "--category", "health & fitness >sexuality"]
    _ok(runner.invoke(main, [*args, "--owner-email", "Ann@LoveTV.Example"]))
    settings = json.loads(_ok(runner.invoke(main, ["show", "get", "--json"])))
    assert settings["category"] == "Health & Fitness > Sexuality"
    assert settings["owner_email"] == "Ann@lovetv.example"
