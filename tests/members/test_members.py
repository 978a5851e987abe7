"""Members and tokens in the database: one current token, rotation, lookup by token."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from publisher.errors import UserError
from publisher.members.members import (
    add_member,
    current_token,
    feed_urls,
    find_token_holder,
    get_member,
    issue_token,
)
from publisher.models import FeedToken, Season

SECRET = "a-secret-long-enough-for-tests"


@pytest.fixture
def session(database):  # type: ignore[no-untyped-def]
    with database.session() as session:
        yield session


def test_a_new_member_holds_one_working_token(session) -> None:
    member = add_member(session, SECRET, "Ann@Example.com ")
    assert member.email == "ann@example.com" and member.status == "active"
    token = current_token(session, member, SECRET)
    holder = find_token_holder(session, SECRET, token)
    assert holder is not None and holder.member.id == member.id and holder.current


def test_the_database_never_holds_the_token(session) -> None:
    member = add_member(session, SECRET, "bea@example.com")
    token = current_token(session, member, SECRET)
    row = session.scalar(select(FeedToken))
    assert token not in (row.nonce, row.lookup_hash)


def test_rotation_retires_the_old_token_but_keeps_it_recognisable(session) -> None:
    member = add_member(session, SECRET, "cy@example.com")
    old = current_token(session, member, SECRET)
    issue_token(session, SECRET, member)
    new = current_token(session, member, SECRET)
    assert new != old
    assert find_token_holder(session, SECRET, old).current is False
    assert find_token_holder(session, SECRET, new).current is True


def test_a_token_under_another_secret_is_unknown(session) -> None:
    member = add_member(session, SECRET, "di@example.com")
    token = current_token(session, member, SECRET)
    assert find_token_holder(session, "another-secret-entirely", token) is None
    assert find_token_holder(session, SECRET, "x" * 32) is None


def test_duplicate_and_malformed_emails_are_refused(session) -> None:
    add_member(session, SECRET, "eve@example.com")
    with pytest.raises(UserError, match="already a member"):
        add_member(session, SECRET, "EVE@example.com")
    with pytest.raises(UserError, match="not an email"):
        add_member(session, SECRET, "eve at example")
    with pytest.raises(UserError, match="no member with email"):
        get_member(session, "nobody@example.com")


def test_feed_urls_name_every_season(session) -> None:
    session.add_all(
        [Season(slug="s2", title="Two", number=2), Season(slug="s1", title="One", number=1)]
    )
    session.flush()
    urls = feed_urls(session, "https://p.example", "TOKEN")
    assert urls == {
        "s1": "https://p.example/feeds/TOKEN/s1.xml",
        "s2": "https://p.example/feeds/TOKEN/s2.xml",
    }
