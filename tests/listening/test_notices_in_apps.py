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
from publisher.billing.membership import refresh_member
from publisher.listening.listeners import Listener
from publisher.members import admin
from publisher.members.members import issue_token
from publisher.models import FeedToken, Member, utcnow

AN_HOUR_AGO = timedelta(hours=1)


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


# --- when each notice happened, read from the stored rows -------------------------------------


def hours_ago(hours: float) -> datetime:
    """A stored time `hours` before now, to the second (what a feed's pubDate carries)."""
    return (utcnow() - timedelta(hours=hours)).replace(microsecond=0)


def restate(catalog: Catalog, email: str, **fields: object) -> None:
    """Store the member's fields as given; `status` first, since setting it stamps
    `status_changed_at` and a test may want to store another time there."""
    with catalog.services.db.session() as session:
        member = session.query(Member).filter_by(email=email).one()
        if "status" in fields:
            member.status = fields.pop("status")
        for name, value in fields.items():
            setattr(member, name, value)


def published_notice(client, token: str) -> int:  # type: ignore[no-untyped-def]
    return notice_of(poll(client, token))["published"]


def test_a_revocation_is_dated_at_the_status_change_not_at_a_later_edit(client, catalog) -> None:
    token = member_since_an_hour(catalog, "rita@lovetv.test")
    revoked_at = hours_ago(3)
    restate(
        catalog,
        "rita@lovetv.test",
        status="revoked",
        status_changed_at=revoked_at,
        updated_at=hours_ago(2),  # e.g. the reason was reworded later
    )
    assert published_notice(client, token) == int(revoked_at.timestamp())


def test_a_notice_with_no_stored_status_change_time_is_dated_at_the_last_update(
    client, catalog
) -> None:
    """`status_changed_at` may be empty (only the ORM stamps it, not an SQL UPDATE)."""
    token = member_since_an_hour(catalog, "rita@lovetv.test")
    updated_at = hours_ago(2)
    restate(
        catalog,
        "rita@lovetv.test",
        status="revoked",
        status_changed_at=None,
        updated_at=updated_at,
    )
    assert published_notice(client, token) == int(updated_at.timestamp())


def test_a_replaced_link_is_dated_at_its_retirement_not_at_a_status_change(client, catalog) -> None:
    old_token = member_since_an_hour(catalog, "rob@lovetv.test")  # status changed an hour ago
    retired_at = hours_ago(2)
    with catalog.services.db.session() as session:
        member = session.query(Member).filter_by(email="rob@lovetv.test").one()
        issue_token(session, catalog.services.config.secret_key, member)
        old = session.query(FeedToken).filter(FeedToken.retired_at.is_not(None)).one()
        old.retired_at = retired_at
    assert published_notice(client, old_token) == int(retired_at.timestamp())


# --- the same rules on plain values: a table of every notice and what dates it ----------------

EVENT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
BEFORE = EVENT - timedelta(days=1)
# A grace end neither at the event nor seven days after it, so a wrong branch shows.
OTHER_GRACE = EVENT + timedelta(days=2)


def listener(
    status: str = "active",
    billing_state: str | None = None,
    grace_until: datetime | None = None,
    **times: datetime | None,
) -> Listener:
    """The listener of a token in the given state (retired when `times` has `retired_at`)."""
    current = times.get("retired_at") is None
    return Listener(1, "h", current, status, billing_state, grace_until, **times)


NOTICE_MOMENTS = [
    pytest.param(
        listener("revoked", status_changed_at=EVENT, updated_at=EVENT + timedelta(hours=1)),
        "revoked",
        EVENT,
        id="revoked-at-the-status-change-not-a-later-update",
    ),
    pytest.param(
        listener("revoked", updated_at=EVENT),
        "revoked",
        EVENT,
        id="revoked-with-no-status-change-time-at-the-last-update",
    ),
    pytest.param(
        listener("revoked", "past_due", OTHER_GRACE, status_changed_at=EVENT),
        "revoked",
        EVENT,
        id="revoked-within-a-grace-at-the-revocation",
    ),
    pytest.param(
        listener(retired_at=EVENT, status_changed_at=BEFORE, updated_at=BEFORE),
        "rotated",
        EVENT,
        id="rotated-at-the-retirement",
    ),
    pytest.param(
        listener("active", "past_due", EVENT + timedelta(days=7), status_changed_at=BEFORE),
        "payment_problem",
        EVENT,
        id="payment-problem-at-the-failed-renewal",
    ),
    pytest.param(
        listener("active", "past_due", EVENT, status_changed_at=BEFORE),
        "lapsed",
        EVENT,
        id="lapsed-by-a-grace-running-out-at-its-end",
    ),
    pytest.param(
        listener("lapsed", "canceled", OTHER_GRACE, status_changed_at=EVENT),
        "lapsed",
        EVENT,
        id="lapsed-by-stripe-at-the-status-change-not-the-old-grace",
    ),
    pytest.param(listener(status_changed_at=EVENT), None, None, id="no-notice-no-moment"),
]


@pytest.mark.parametrize(("member", "notice", "moment"), NOTICE_MOMENTS)
def test_each_notice_is_dated_at_its_own_event(
    member: Listener, notice: str | None, moment: datetime | None
) -> None:
    assert member.notice_moment(notice, 7) == moment


def test_a_grace_running_out_changes_the_feed_at_its_end_though_no_row_changed() -> None:
    """Last-Modified follows the notice's moment too, or an If-Modified-Since poll misses it."""
    grace_end = EVENT + timedelta(days=7)
    member = listener("active", "past_due", grace_end, status_changed_at=BEFORE, updated_at=BEFORE)
    assert member.changed_at(None, 7) == BEFORE
    assert member.changed_at("payment_problem", 7) == EVENT
    assert member.changed_at("lapsed", 7) == grace_end


def test_a_listener_built_without_stored_times_has_no_change_time() -> None:
    assert listener().changed_at(None, 7) is None
