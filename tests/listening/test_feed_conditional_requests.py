"""Conditional feed requests (RFC 9110 13.1-13.2): a podcast app gets 304 only when its copy
is current, so an app holding an older copy always sees new episodes.

First the rule itself, on plain requests (milliseconds, so the mutation run can use it),
then the same cases through `GET /feeds/<token>/<season>.xml` as an app sends them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest
from flask import Request
from support.apps import built_app
from support.catalog_factory import make_episode
from support.service_env import service_env
from werkzeug.test import EnvironBuilder

from publisher.config import load_config
from publisher.listening.cache import Variant
from publisher.listening.feed_http import (
    _next_second,
    member_etag,
    not_modified,
    notice_event,
    public_etag,
    wants_page,
)
from publisher.listening.invalidation import season_changed
from publisher.services import services_of

ETAG = '"0123456789abcdef"'
CHANGED = datetime(2024, 5, 1, 12, 0, 0, 500_000, tzinfo=UTC)  # stored with microseconds


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def asks(**headers: str) -> bool:
    """Whether `not_modified` answers 304 to a request with these headers."""
    request = Request(EnvironBuilder(headers=headers).get_environ())
    return not_modified(request, ETAG, CHANGED)


def test_no_validator_means_the_full_feed() -> None:
    assert not asks()


@pytest.mark.parametrize(
    "header",
    [
        ETAG,
        "W/" + ETAG,  # a weak copy of our strong tag: weak comparison (13.1.2) matches
        f'"older", {ETAG}',
        f'"older",W/{ETAG}',
        f'  {ETAG}  , "newer"',
        "*",
        '"older", *',
    ],
)
def test_a_matching_if_none_match_is_not_modified(header: str) -> None:
    assert asks(**{"If-None-Match": header})


@pytest.mark.parametrize("header", ['"older"', 'W/"older"', ETAG[:-2] + '"', ETAG + "x", '""'])
def test_a_different_entity_tag_is_modified(header: str) -> None:
    assert not asks(**{"If-None-Match": header})


def test_if_none_match_decides_even_when_the_date_says_current() -> None:
    """RFC 9110 13.2.2: If-Modified-Since is ignored when If-None-Match is present."""
    later = http_date(CHANGED + timedelta(days=1))
    assert not asks(**{"If-None-Match": '"older"', "If-Modified-Since": later})
    assert asks(
        **{"If-None-Match": ETAG, "If-Modified-Since": http_date(CHANGED - timedelta(days=1))}
    )


def test_a_copy_older_than_the_feed_is_modified() -> None:
    for older in (timedelta(seconds=1), timedelta(hours=1), timedelta(days=400)):
        assert not asks(**{"If-Modified-Since": http_date(CHANGED - older)})


def test_a_copy_as_new_as_the_feed_is_not_modified() -> None:
    # HTTP dates have whole seconds: the feed's sub-second change time counts as its second.
    assert asks(**{"If-Modified-Since": http_date(CHANGED.replace(microsecond=0))})
    assert asks(**{"If-Modified-Since": http_date(CHANGED + timedelta(seconds=1))})


@pytest.mark.parametrize("junk", ["", "yesterday", "Mon, 99 Foo 2024 25:61:61 GMT"])
def test_an_unreadable_date_is_modified(junk: str) -> None:
    assert not asks(**{"If-Modified-Since": junk})


# --- the same, over the member feed route -------------------------------------------------


@pytest.fixture
def app(sqlite_url: str, local_storage_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = service_env(sqlite_url, local_storage_url)
    yield from built_app(load_config(environ=env, instance_path=tmp_path / "i"))


def test_an_app_with_an_older_copy_gets_the_new_episode(app, client, catalog, mp3_file) -> None:
    first = client.get(catalog.feed_path())
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    services = services_of(app)
    with services.db.session() as session:
        make_episode(session, services.storage, catalog.season, mp3_file, title="Brand new")
        season_changed(session, catalog.season.id)
    fresh = client.get(catalog.feed_path())
    assert parsedate_to_datetime(fresh.headers["Last-Modified"]) >= parsedate_to_datetime(modified)
    older = http_date(parsedate_to_datetime(fresh.headers["Last-Modified"]) - timedelta(seconds=1))
    for headers in (
        {"If-None-Match": etag},
        {"If-None-Match": "W/" + etag},
        {"If-Modified-Since": older},
        {"If-None-Match": etag, "If-Modified-Since": fresh.headers["Last-Modified"]},
    ):
        answer = client.get(catalog.feed_path(), headers=headers)
        assert answer.status_code == 200, headers
        assert b"Brand new" in answer.data


def test_an_app_with_the_current_copy_gets_304_without_a_body(client, catalog) -> None:
    current = client.get(catalog.feed_path())
    etag, modified = current.headers["ETag"], current.headers["Last-Modified"]
    for headers in (
        {"If-None-Match": etag},
        {"If-None-Match": "W/" + etag},
        {"If-None-Match": f'"something-else", {etag}'},
        {"If-None-Match": "*"},
        {"If-Modified-Since": modified},
    ):
        answer = client.get(catalog.feed_path(), headers=headers)
        assert answer.status_code == 304, headers
        assert answer.data == b""
        assert answer.headers["ETag"] == etag
        assert answer.headers["Cache-Control"] == "private, no-cache"
        assert answer.headers["Referrer-Policy"] == "no-referrer"


def test_another_members_etag_is_not_this_members_copy(client, catalog) -> None:
    from support.catalog_factory import make_member
    from support.service_env import TEST_SECRET

    with catalog.services.db.session() as session:
        _, other = make_member(session, TEST_SECRET, "bob@lovetv.test")
    theirs = client.get(catalog.feed_path(other)).headers["ETag"]
    mine = client.get(catalog.feed_path()).headers["ETag"]
    assert theirs != mine
    answer = client.get(catalog.feed_path(), headers={"If-None-Match": theirs})
    assert answer.status_code == 200 and catalog.token.encode() in answer.data
    assert other.encode() not in answer.data


def test_the_public_teaser_feed_is_cacheable_and_conditional(client, catalog) -> None:
    first = client.get("/feeds/teaser.xml")
    assert first.headers["Cache-Control"] == "public, max-age=300"
    # a browser's page load gets an HTML page at the same URL (test_feed_pages.py)
    assert first.headers["Vary"] == "Accept-Encoding, Accept, Sec-Fetch-Mode"
    again = client.get("/feeds/teaser.xml", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def bare_variant() -> Variant:
    """A feed variant with only what its ETags are made from: no template is rendered."""
    return Variant(template=None, etag="ab" * 32, last_modified=CHANGED, source_etag="")  # type: ignore[arg-type]


def test_entity_tags_are_strong_forty_hex_digits_that_differ_between_members() -> None:
    variant = bare_variant()
    tags = [member_etag(variant, "a" * 64), member_etag(variant, "b" * 64), public_etag(variant)]
    for tag in tags:
        assert len(tag) == 42 and tag[0] == tag[-1] == '"' and not tag.startswith("W/")
        int(tag[1:-1], 16)
    assert len(set(tags)) == 3


def test_a_members_entity_tag_changes_with_the_notice_event_and_only_with_it() -> None:
    """A notice feed says when the member's access changed: a new change is new bytes.

    Were the tag the same for two notice events, an app holding the first notice would get
    304 for the second and keep telling the member the old date.
    """
    variant = bare_variant()
    lapsed, lapsed_again = notice_event(CHANGED), notice_event(CHANGED + timedelta(days=30))
    tags = {
        member_etag(variant, "a" * 64),
        member_etag(variant, "a" * 64, lapsed),
        member_etag(variant, "a" * 64, lapsed_again),
    }
    assert len(tags) == 3
    assert member_etag(variant, "a" * 64, lapsed) == member_etag(
        variant, "a" * 64, notice_event(CHANGED)
    )


def test_a_member_change_rounds_up_to_the_next_whole_second_and_a_whole_second_stays() -> None:
    whole = datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC)
    assert _next_second(whole) == whole
    assert _next_second(whole + timedelta(microseconds=1)) == whole + timedelta(seconds=1)
    assert _next_second(whole + timedelta(microseconds=999_999)) == whole + timedelta(seconds=1)


@pytest.mark.parametrize(
    ("accept", "page"),
    [
        (None, False),
        ("*/*", False),
        ("application/rss+xml, application/xml;q=0.9", False),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
        ("text/html;q=0.5, application/rss+xml", False),  # an app that also takes HTML
        ("text/html", True),
    ],
)
def test_browsers_get_a_page_and_apps_get_rss(accept: str | None, page: bool) -> None:
    headers = {"Accept": accept} if accept else {}
    assert wants_page(Request(EnvironBuilder(headers=headers).get_environ())) is page


def test_a_member_change_after_the_feed_is_the_last_modified_in_http_date_form(
    client, catalog
) -> None:
    from publisher.models import Member

    before = client.get(catalog.feed_path()).headers["Last-Modified"]
    later = parsedate_to_datetime(before) + timedelta(minutes=5, microseconds=1)
    with catalog.services.db.session() as session:
        member = session.get(Member, catalog.member.id)
        member.status = "revoked"
        member.status_changed_at = later
    after = client.get(catalog.feed_path()).headers["Last-Modified"]
    assert after == format_datetime(_next_second(later), usegmt=True)
    assert after.endswith(" GMT")
