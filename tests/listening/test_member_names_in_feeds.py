"""The member's name in their feed titles: "Love TV: Closer (for Ann)", opt-in per show.

Set through the CLI (`lovetv show set --name-in-feed-title`, `lovetv member edit --name`)
and read back from the feed route with podcast apps' parsers, on SQLite and PostgreSQL.
The name is put in per request, like the token: the feed is still rendered once.
"""

from __future__ import annotations

import gzip
import json

import pytest
from support.catalog_factory import make_member
from support.feed_checks import parse_feed

from publisher.cli import main


def title_of(client, path: str, **headers: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    body = (
        gzip.decompress(response.data)
        if "gzip" in headers.get("Accept-Encoding", "")
        else response.data
    )
    feed = parse_feed(body)
    assert feed.gpodder["title"] == feed.feedparser.feed.title
    return feed.feedparser.feed.title


@pytest.fixture
def bo_token(catalog) -> str:  # type: ignore[no-untyped-def]
    with catalog.services.db.session() as session:
        _, token = make_member(session, catalog.services.config.secret_key, "bo@lovetv.test")
    return token


def test_a_named_member_feed_title_ends_with_their_name_and_no_one_elses(
    runner, client, catalog, bo_token
) -> None:
    assert (
        runner.invoke(main, ["member", "edit", "ann@lovetv.test", "--name", "Ann <& Co>"]).exit_code
        == 0
    )
    assert title_of(client, catalog.feed_path()) == "Love TV: Closer"  # not opted in yet
    result = runner.invoke(main, ["show", "set", "--name-in-feed-title"])
    assert result.exit_code == 0, result.output
    for slug in ("season-1", "all"):
        path = catalog.feed_path(slug=slug)
        expected = (
            "Love TV: Closer (for Ann <& Co>)"
            if slug == "season-1"
            else "Love TV: All seasons (for Ann <& Co>)"
        )
        assert title_of(client, path) == expected
        assert title_of(client, path, **{"Accept-Encoding": "gzip"}) == expected
        assert not title_of(client, catalog.feed_path(bo_token, slug)).endswith(")")
    assert runner.invoke(main, ["show", "set", "--no-name-in-feed-title"]).exit_code == 0
    assert title_of(client, catalog.feed_path()) == "Love TV: Closer"


def test_renaming_a_member_changes_their_feed_etag(runner, client, catalog) -> None:
    runner.invoke(main, ["show", "set", "--name-in-feed-title"])
    runner.invoke(main, ["member", "edit", "ann@lovetv.test", "--name", "Ann"])
    first = client.get(catalog.feed_path())
    assert (
        client.get(
            catalog.feed_path(), headers={"If-None-Match": first.headers["ETag"]}
        ).status_code
        == 304
    )
    runner.invoke(main, ["member", "edit", "ann@lovetv.test", "--name", "Annie"])
    again = client.get(catalog.feed_path(), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert parse_feed(again.data).feedparser.feed.title == "Love TV: Closer (for Annie)"


def test_a_lapsed_member_notice_feed_keeps_their_name_in_the_title(runner, client, catalog) -> None:
    runner.invoke(main, ["show", "set", "--name-in-feed-title"])
    runner.invoke(main, ["member", "edit", "ann@lovetv.test", "--name", "Ann"])
    assert runner.invoke(main, ["member", "revoke", "ann@lovetv.test"]).exit_code == 0
    assert title_of(client, catalog.feed_path()) == "Love TV: Closer (for Ann)"


def test_member_list_search_finds_a_name(runner, catalog, bo_token) -> None:
    runner.invoke(main, ["member", "edit", "ann@lovetv.test", "--name", "Ann Example"])
    result = runner.invoke(main, ["member", "list", "--search", "example", "--json"])
    assert result.exit_code == 0, result.output
    members = json.loads(result.output)["members"]
    assert [(m["email"], m["name"]) for m in members] == [("ann@lovetv.test", "Ann Example")]


def test_member_edit_needs_an_email_or_a_name(runner, catalog) -> None:
    result = runner.invoke(main, ["member", "edit", "ann@lovetv.test"])
    assert result.exit_code == 2
    assert "error:" in result.output and "--name" in result.output
