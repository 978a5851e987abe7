"""Notices apps show as new: each is dated at the member's event, named by it, and the feed's
Last-Modified moves with it, so an app polling with If-Modified-Since alone sees it.

Members are revoked, rotated and put past due through the service's own code (`lovetv
member revoke` and `rotate`'s functions, the billing refresh that a Stripe event runs), on
SQLite and PostgreSQL. What an app sees is read from the feed route's answers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from support.catalog_factory import Catalog, make_member
from support.feed_checks import parse_feed

from auth.billing_rules import SubscriptionState
from auth.stripe_api import Purchases
from publisher.billing.refresh import refresh_member
from publisher.members import admin
from publisher.members.members import issue_token
from publisher.models import FeedToken, Member, utcnow

AN_HOUR_AGO = timedelta(hours=1)


@pytest.fixture
def storage_url(local_storage_url: str) -> str:
    """Notices do not depend on the store: the local one is enough."""
    return local_storage_url


def member_since_an_hour(catalog: Catalog, email: str) -> str:
    """A member whose every stored time is an hour old (so a change now is a later second)."""
    with catalog.services.db.session() as session:
        member, token = make_member(session, catalog.services.config.secret_key, email)
        then = utcnow() - AN_HOUR_AGO
        member.created_at = member.updated_at = member.status_changed_at = then
        member.stripe_customer_id = f"cus_{email.split('@')[0]}"
    return token


def poll(client, token: str, since: str | None = None):  # type: ignore[no-untyped-def]
    """GET the season-1 feed as an app that sends only If-Modified-Since."""
    headers = {"If-Modified-Since": since} if since else {}
    return client.get(f"/feeds/{token}/season-1.xml", headers=headers)


def notice_of(response) -> dict:  # type: ignore[no-untyped-def]
    """The one notice item (gPodder's reading of it)."""
    assert response.status_code == 200
    found = [
        e
        for e in parse_feed(response.data).gpodder["episodes"]
        if "-notice-" in e["guid"] and "coming_soon" not in e["guid"]
    ]
    assert len(found) == 1, found
    return found[0]


def stored(catalog: Catalog, email: str) -> Member:
    with catalog.services.db.session() as session:
        member = session.query(Member).filter_by(email=email).one()
        session.expunge(member)
        return member


def assert_app_sees_it_once(client, token: str, since: str, event: datetime) -> dict:  # type: ignore[no-untyped-def]
    """The If-Modified-Since poll gets 200 with the notice dated at `event`; polling again
    with the new Last-Modified gets 304, and a full fetch shows the same GUID."""
    changed = poll(client, token, since)
    item = notice_of(changed)
    assert item["published"] == int(event.timestamp())
    last_modified = changed.headers["Last-Modified"]
    assert parsedate_to_datetime(last_modified) > parsedate_to_datetime(since)
    assert poll(client, token, last_modified).status_code == 304
    assert notice_of(poll(client, token))["guid"] == item["guid"]
    return item


def test_revoked_member_is_told_at_the_revocation_and_304_after(client, catalog) -> None:
    token = member_since_an_hour(catalog, "rita@lovetv.test")
    before = poll(client, token)
    assert before.status_code == 200
    since = before.headers["Last-Modified"]
    admin.revoke(catalog.services, "rita@lovetv.test")
    revoked_at = stored(catalog, "rita@lovetv.test").status_changed_at
    assert revoked_at is not None
    item = assert_app_sees_it_once(client, token, since, revoked_at)
    assert item["title"] == "Access to this feed was withdrawn"


def test_a_second_revocation_is_a_new_notice(client, catalog) -> None:
    token = member_since_an_hour(catalog, "rita@lovetv.test")
    admin.revoke(catalog.services, "rita@lovetv.test")
    first = notice_of(poll(client, token))
    with catalog.services.db.session() as session:  # restored by hand, then revoked again
        member = session.query(Member).filter_by(email="rita@lovetv.test").one()
        member.status = "active"
    assert poll(client, token).status_code == 200
    admin.revoke(catalog.services, "rita@lovetv.test")
    second = notice_of(poll(client, token))
    assert second["guid"] != first["guid"]
    assert second["published"] >= first["published"]


def test_rotated_link_is_told_at_the_rotation_and_each_rotation_has_its_guid(
    client, catalog
) -> None:
    first_token = member_since_an_hour(catalog, "rob@lovetv.test")
    since = poll(client, first_token).headers["Last-Modified"]
    admin.rotate(catalog.services, "rob@lovetv.test")
    with catalog.services.db.session() as session:
        retired = session.query(FeedToken).filter(FeedToken.retired_at.is_not(None)).one()
        retired_at = retired.retired_at
    item = assert_app_sees_it_once(client, first_token, since, retired_at)
    assert item["title"] == "This private link was replaced by a newer one"
    second_url = admin.rotate(catalog.services, "rob@lovetv.test")["feeds"]["season-1"]
    assert notice_of(poll(client, first_token))["guid"] == item["guid"]  # still its own event
    with catalog.services.db.session() as session:  # the second token retires in turn
        member = session.query(Member).filter_by(email="rob@lovetv.test").one()
        issue_token(session, catalog.services.config.secret_key, member)
    second_token = second_url.split("/feeds/")[1].split("/")[0]
    assert notice_of(poll(client, second_token))["guid"] != item["guid"]


def past_due(catalog: Catalog, email: str, failed_at: datetime, status: str = "past_due") -> None:
    """What a Stripe event about a failed renewal does: refresh the member from Stripe."""
    config = catalog.services.config
    with catalog.services.db.session() as session:
        member = session.query(Member).filter_by(email=email).one()
        subscription = SubscriptionState(
            id="sub_1",
            customer_id=member.stripe_customer_id or "",
            status=status,
            plan="monthly",
            created=int(failed_at.timestamp()) - 86400 * 30,
            current_period_start=failed_at,
            current_period_end=failed_at + timedelta(days=30),
        )
        purchases = Purchases(subscriptions=(subscription,))
        refresh_member(session, config, member, purchases, email=email, version=None)


def test_failed_payment_is_told_at_the_failed_renewal_and_304_after(client, catalog) -> None:
    token = member_since_an_hour(catalog, "pat@lovetv.test")
    since = poll(client, token).headers["Last-Modified"]
    failed_at = (utcnow() - timedelta(minutes=10)).replace(microsecond=0)
    past_due(catalog, "pat@lovetv.test", failed_at)
    item = assert_app_sees_it_once(client, token, since, failed_at)
    assert item["title"] == "Payment problem: update your card"
    episodes = parse_feed(poll(client, token).data).gpodder["episodes"]
    assert len(episodes) == 4  # the notice on top of the three episodes


def test_a_later_failed_renewal_is_a_new_notice(client, catalog) -> None:
    token = member_since_an_hour(catalog, "pat@lovetv.test")
    first_failure = (utcnow() - timedelta(days=3)).replace(microsecond=0)
    past_due(catalog, "pat@lovetv.test", first_failure)
    first = notice_of(poll(client, token))
    past_due(catalog, "pat@lovetv.test", first_failure, status="active")  # the card was fixed
    assert all("-notice-" not in e["guid"] for e in episodes_of(poll(client, token)))
    next_failure = (utcnow() - timedelta(days=1)).replace(microsecond=0)
    past_due(catalog, "pat@lovetv.test", next_failure)
    later = notice_of(poll(client, token))
    assert later["guid"] != first["guid"]
    assert (first["published"], later["published"]) == (
        int(first_failure.timestamp()),
        int(next_failure.timestamp()),
    )


def episodes_of(response) -> list[dict]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    return parse_feed(response.data).gpodder["episodes"]


def test_lapsed_member_is_told_at_the_lapse(client, catalog) -> None:
    token = member_since_an_hour(catalog, "lee@lovetv.test")
    since = poll(client, token).headers["Last-Modified"]
    past_due(catalog, "lee@lovetv.test", utcnow() - timedelta(days=3), status="canceled")
    lapsed_at = stored(catalog, "lee@lovetv.test").status_changed_at
    assert lapsed_at is not None and lapsed_at > utcnow() - timedelta(minutes=1)
    item = assert_app_sees_it_once(client, token, since, lapsed_at)
    assert item["title"] == "Your membership has ended: renew to keep listening"


def test_restored_member_gets_the_episodes_back_with_a_later_last_modified(client, catalog) -> None:
    token = member_since_an_hour(catalog, "rita@lovetv.test")
    admin.revoke(catalog.services, "rita@lovetv.test")
    with catalog.services.db.session() as session:  # the revoke happened an hour ago
        member = session.query(Member).filter_by(email="rita@lovetv.test").one()
        member.status_changed_at = member.updated_at = utcnow() - AN_HOUR_AGO / 2
    since = poll(client, token).headers["Last-Modified"]
    with catalog.services.db.session() as session:
        member = session.query(Member).filter_by(email="rita@lovetv.test").one()
        member.status = "active"
    back = poll(client, token, since)
    assert back.status_code == 200
    assert len(parse_feed(back.data).gpodder["episodes"]) == 3


def test_notice_moment_never_uses_the_wall_clock_for_an_old_event() -> None:
    """A notice read long after its event keeps the event's date (a fixed instant)."""
    from publisher.listening.listeners import Listener

    event = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    listener = Listener(1, "h", True, "revoked", None, None, status_changed_at=event)
    assert listener.notice_moment("revoked", 7) == event
    grace = Listener(1, "h", True, "active", "past_due", event + timedelta(days=7))
    assert grace.notice_moment("payment_problem", 7) == event
    assert grace.notice_moment("lapsed", 7) == event + timedelta(days=7)
