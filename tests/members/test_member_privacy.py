"""Privacy requests: `member export` shows everything held about a member, `member delete`
erases it (accounting kept under a placeholder), on SQLite and PostgreSQL.

One record of every kind that names a member or an address is made by `everything`; the
export must show each, and after the delete the address must be in no text column of any
table, and the feed and audio URLs must answer 404.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import JSON, String, Text, cast, func, select
from sqlalchemy.exc import IntegrityError
from support.catalog_factory import make_episode, make_season, make_show
from support.stripe_app import Shop, csrf_token_of

from publisher.accounts.rate_limits import key_hash
from publisher.accounts.sessions import start_session
from publisher.cli import main
from publisher.gifts.models import Gift, GiftClaim
from publisher.mail.outbox import queue_email
from publisher.members.emails import queue_welcome
from publisher.members.members import add_member, current_token, current_token_row, issue_token
from publisher.models import (
    Base,
    Checkout,
    FeedToken,
    Member,
    OutboxMessage,
    PendingSignIn,
    RateLimitHit,
    SharingFlag,
    SignInLink,
)
from publisher.services import Services

pytestmark = pytest.mark.stripe

ANN = "ann@example.com"


def _cli(env: dict, *args: str, **kwargs: Any):  # type: ignore[no-untyped-def]
    return CliRunner(env=env).invoke(main, list(args), **kwargs)


@dataclass
class Held:
    """The URLs of ann's feed and one episode's audio, and what else the test checks."""

    feed: str
    media: str
    token: str
    member_id: int


@pytest.fixture
def everything(app, services: Services, mp3_file: Path, client) -> Held:  # type: ignore[no-untyped-def]
    """Ann, a paying member, with one record of every kind the service keeps about someone;
    Cy, another member, whose records must survive Ann's deletion."""
    from publisher.web.media import recorder_of

    secret, config = services.config.secret_key, services.config
    now = datetime.now(UTC)
    with services.db.session() as session:
        make_show(session)
        episode = make_episode(
            session, services.storage, make_season(session), mp3_file, title="First Steps"
        )
        ann = add_member(session, secret, ANN, "monthly", "cus_ann")
        ann.stripe_subscription_id = "sub_ann"
        cy = add_member(session, secret, "cy@example.com", "yearly", "cus_cy")
        issue_token(session, secret, ann)  # one retired token, one current
        token_row = current_token_row(session, secret, ann)
        token, guid, ann_id = current_token(session, ann, secret), episode.guid, ann.id
        session.add(
            Checkout(id="cs_ann", member_id=ann.id, outcome="new_member", token_id=token_row.id)
        )
        session.add(Checkout(id="cs_cy", member_id=cy.id, outcome="new_member"))
        start_session(session, ann.id, now)
        start_session(session, cy.id, now)
        session.add(
            SignInLink(
                member_id=ann.id,
                token_hash="1" * 64,
                created_at=now,
                expires_at=now + timedelta(minutes=15),
                used_at=now,
            )
        )
        session.add(
            SignInLink(
                member_id=ann.id,
                token_hash="2" * 64,
                created_at=now,
                expires_at=now + timedelta(minutes=15),
            )
        )
        session.add(PendingSignIn(email=ANN, asked_at=now))
        session.add(RateLimitHit(bucket="sign_in_address", key_hash=key_hash(ANN, secret), at=now))
        session.add(
            SharingFlag(
                member_id=ann.id,
                token_id=token_row.id,
                day=now.date().isoformat(),
                networks=5,
                apps=["Overcast"],
                requests=9,
            )
        )
        queue_welcome(session, config, ann)  # pending
        sent = queue_email(
            session,
            config,
            "sign_in",
            ANN,
            {
                "show_title": "Love TV",
                "link": f"{config.base_url}/account/sign-in/x",
                "minutes": 15,
            },
            member_id=ann.id,
        )
        assert sent is not None
        sent.status, sent.sent_at, sent.last_error = "sent", now, f"550 {ANN} greylisted"
        bought = Gift(
            plan="yearly",
            status="bought",
            buyer_email=ANN,
            recipient_name="Bo",
            recipient_email="bo@example.com",
            message=f"love, {ANN}",
        )
        received = Gift(
            plan="yearly",
            status="redeemed",
            buyer_email="cy@example.com",
            recipient_name="Ann Example",
            recipient_email=ANN,
            message="For Ann",
            member_id=ann.id,
            redeemed_at=now,
        )
        session.add_all([bought, received])
        session.flush()
        session.add(
            GiftClaim(
                gift_id=received.id,
                email=ANN,
                token_hash="3" * 64,
                expires_at=now + timedelta(minutes=15),
            )
        )
    feed, media = f"/feeds/{token}/season-1.xml", f"/media/{token}/{guid}.mp3"
    assert client.get(feed).status_code == 200
    assert client.get(media, headers={"User-Agent": "Overcast/3.0"}).status_code == 200
    recorder_of(app).flush()  # the download is written now, as the background thread would
    return Held(feed, media, token, ann_id)


def test_export_holds_one_record_of_every_kind_and_no_secret(
    env: dict, everything: Held, services: Services
) -> None:
    exported = _cli(env, "member", "export", ANN)
    assert exported.exit_code == 0, exported.output
    document = json.loads(exported.stdout)
    profile = document["profile"]
    assert (
        profile["email"] == ANN and profile["plan"] == "monthly" and profile["status"] == "active"
    )
    assert (
        profile["stripe_customer_id"] == "cus_ann"
        and profile["stripe_subscription_id"] == "sub_ann"
    )
    assert [c["id"] for c in document["checkouts"]] == ["cs_ann"]
    tokens = document["feed_tokens"]
    assert len(tokens) == 2 and tokens[0]["retired_at"] and tokens[1]["retired_at"] is None
    assert len(document["sessions"]) == 1 and len(document["sign_in_links"]) == 2
    assert len(document["pending_sign_ins"]) == 1
    (download,) = document["downloads"]
    assert download["episode"] == "First Steps" and download["app"] == "Overcast"
    assert download["client_ip"] == "127.0.0.1" and "counted" in download
    assert {e["kind"] for e in document["emails"]} == {"welcome", "sign_in"}
    (bought,) = document["gifts_bought"]
    assert bought["buyer_email"] == ANN and bought["recipient_email"] == "bo@example.com"
    (received,) = document["gifts_received"]
    assert received["message"] == "For Ann" and received["plan"] == "yearly"
    assert len(document["gift_claims"]) == 1
    assert document["sharing_flags"][0]["apps"] == ["Overcast"]
    with services.db.session() as session:
        secrets = [r.nonce for r in session.scalars(select(FeedToken))]
        secrets += [r.lookup_hash for r in session.scalars(select(FeedToken))]
    for secret in [everything.token, *secrets, "1" * 64, "3" * 64]:
        assert secret not in exported.stdout
    assert "cy@example.com" not in json.dumps(document["sessions"])


def test_export_can_write_a_file(env: dict, everything: Held, tmp_path: Path) -> None:
    target = tmp_path / "ann.json"
    written = _cli(env, "member", "export", ANN, "--output", str(target))
    assert written.exit_code == 0, written.output
    assert json.loads(target.read_text())["profile"]["email"] == ANN
    assert "{" not in written.stdout and f"about {ANN} to" in written.stdout


def test_export_of_an_address_that_is_no_member_exports_nobody_else(
    env: dict, services: Services, tmp_path: Path
) -> None:
    with services.db.session() as session:
        add_member(session, services.config.secret_key, "joann@example.com", "monthly", "cus_jo")
    target = tmp_path / "ann.json"
    for typed in (ANN, "ann@", "example.com"):
        exported = _cli(env, "member", "export", typed, "--output", str(target))
        assert exported.exit_code != 0, exported.output
        assert "joann" not in exported.stdout and not target.exists()
    exported = _cli(env, "member", "export", ANN)
    assert exported.exit_code == 1 and exported.stdout == ""
    assert exported.stderr.startswith("error: no member has the address 'ann@example.com'")
    exported = _cli(env, "member", "export", "  JoAnn@Example.COM ")
    assert json.loads(exported.stdout)["profile"]["email"] == "joann@example.com"


def test_a_passed_on_gift_puts_nobody_elses_data_in_the_redeemers_export(
    env: dict, everything: Held, services: Services
) -> None:
    with services.db.session() as session:
        session.add(
            Gift(
                plan="months-3",
                status="redeemed",
                buyer_email="cy@example.com",
                recipient_name="Bo Bell",
                recipient_email="bo@example.com",
                message="Enjoy it, Bo",
                checkout_session_id="cs_gift_for_bo",
                payment_intent_id="pi_gift_for_bo",
                member_id=everything.member_id,
                redeemed_at=datetime.now(UTC),
            )
        )
    exported = _cli(env, "member", "export", ANN)
    assert exported.exit_code == 0, exported.output
    received = json.loads(exported.stdout)["gifts_received"]
    assert {g["plan"] for g in received} == {"yearly", "months-3"}
    assert "Enjoy it, Bo" in exported.stdout  # the message came with the code
    for theirs in ("cy@example.com", "bo@example.com", "Bo Bell", "cs_gift", "pi_gift"):
        assert theirs not in json.dumps(received), theirs


def _where_text_holds(session: Any, needle: str) -> list[str]:
    """Every `table.column` (strings, text, JSON) with a value containing `needle`."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, JSON):
                value = cast(column, Text)
            elif isinstance(column.type, String | Text):
                value = column
            else:
                continue
            hits = session.scalar(
                select(func.count()).select_from(table).where(value.like(f"%{needle}%"))
            )
            if hits:
                found.append(f"{table.name}.{column.name}")
    return found


def test_delete_erases_the_address_everywhere_and_the_feeds_answer_404(
    env: dict, everything: Held, services: Services, client
) -> None:
    with services.db.session() as session:
        assert _where_text_holds(session, ANN)  # the search does find the address before
    deleted = _cli(env, "member", "delete", ANN, "--yes", "--json")
    assert deleted.exit_code == 0, deleted.output
    assert json.loads(deleted.stdout)["deleted"] == ANN
    with services.db.session() as session:
        assert _where_text_holds(session, ANN) == []
        assert _where_text_holds(session, "Ann Example") == []
        member = session.get_one(Member, everything.member_id)
        assert member.email == f"deleted-{everything.member_id}@erased.invalid"
        assert member.status == "revoked" and member.stripe_customer_id == "cus_ann"
        kept = session.get_one(Checkout, "cs_ann")
        assert kept.member_id == member.id and kept.token_id is None
        assert (
            session.scalars(select(FeedToken).where(FeedToken.member_id == member.id)).all() == []
        )
        assert session.scalars(select(SharingFlag)).all() == []
        cy = session.scalars(select(Member).where(Member.email == "cy@example.com")).one()
        assert session.get(Checkout, "cs_cy") is not None and len(cy.tokens) == 1
        assert (
            session.scalar(
                select(func.count()).select_from(Gift).where(Gift.buyer_email == "cy@example.com")
            )
            == 1
        )
        assert all(m.to_address != ANN for m in session.scalars(select(OutboxMessage)))
    assert client.get(everything.feed).status_code == 404
    assert client.get(everything.media).status_code == 404


def test_delete_again_says_so_and_exits_0(env: dict, everything: Held) -> None:
    assert _cli(env, "member", "delete", ANN, "--yes").exit_code == 0
    again = _cli(env, "member", "delete", ANN, "--yes")
    assert again.exit_code == 0 and again.stdout.count("\n") == 1
    assert "no member has ann@example.com (already deleted, or never one)" in again.stdout
    stand_in = f"deleted-{everything.member_id}@erased.invalid"
    by_placeholder = _cli(env, "member", "delete", stand_in, "--json")
    assert by_placeholder.exit_code == 0
    assert json.loads(by_placeholder.stdout) == {"deleted": stand_in, "already_deleted": True}
    exported = json.loads(_cli(env, "member", "export", stand_in).stdout)
    assert exported["downloads"] == [] and exported["profile"]["stripe_customer_id"] == "cus_ann"


def test_delete_asks_first_and_a_no_changes_nothing(
    env: dict, everything: Held, services: Services
) -> None:
    refused = _cli(env, "member", "delete", ANN, input="n\n")
    assert refused.exit_code == 1
    with services.db.session() as session:
        assert session.get_one(Member, everything.member_id).email == ANN
    agreed = _cli(env, "member", "delete", ANN, "--json", input="y\n")
    assert agreed.exit_code == 0, agreed.output
    assert json.loads(agreed.stdout)["deleted"] == ANN  # the question went to stderr


def test_delete_can_cancel_the_subscription_first(shop: Shop, env: dict, mp3_file: Path) -> None:
    shop.add_catalog(mp3_file)
    session_id, events = shop.buy("monthly", "dee@example.com")
    shop.deliver(*events)
    subscription = shop.stripe.session_subscription(session_id)
    token = shop.token_of("dee@example.com")
    deleted = _cli(
        env, "member", "delete", "dee@example.com", "--cancel-subscription", "--yes", "--json"
    )
    assert deleted.exit_code == 0, deleted.output
    summary = json.loads(deleted.stdout)
    assert (
        summary["deleted"] == "dee@example.com"
        and summary["subscription_cancelled"] == subscription
    )
    assert shop.stripe.get(subscription, "subscription")["status"] == "canceled"
    shop.deliver(*shop.stripe.sent_events("customer.subscription.deleted"))
    assert shop.members() == [summary["placeholder"]]  # Stripe's word finds no address to restore
    assert not [m for m in shop.outbox() if m.to_address == "dee@example.com"]
    assert not [m for m in shop.outbox() if m.status == "pending"]  # nothing to send after
    with shop.services.db.session() as session:
        assert _where_text_holds(session, "dee@example.com") == []
    answer = requests.get(f"{shop.url}/feeds/{token}/season-1.xml", timeout=30)
    assert answer.status_code == 404


def test_a_subscription_left_running_is_named_and_can_be_ended_later(
    shop: Shop, env: dict, mp3_file: Path
) -> None:
    shop.add_catalog(mp3_file)
    session_id, events = shop.buy("yearly", "fay@example.com")
    shop.deliver(*events)
    subscription = shop.stripe.session_subscription(session_id)
    deleted = _cli(env, "member", "delete", "fay@example.com", "--yes", "--json")
    assert deleted.exit_code == 0, deleted.output
    stand_in = json.loads(deleted.stdout)["placeholder"]
    assert f"note: Stripe subscription {subscription} goes on" in deleted.stderr
    assert f"lovetv member delete {stand_in} --cancel-subscription" in deleted.stderr
    assert shop.stripe.get(subscription, "subscription")["status"] == "active"
    later = _cli(env, "member", "delete", stand_in, "--cancel-subscription", "--json")
    assert later.exit_code == 0, later.output
    assert json.loads(later.stdout)["subscription_cancelled"] == subscription
    assert shop.stripe.get(subscription, "subscription")["status"] == "canceled"


def test_comp_member_cannot_cancel_a_subscription_and_nothing_is_deleted(env: dict, app) -> None:
    assert _cli(env, "member", "add", "eve@example.com", "--no-email").exit_code == 0
    refused = _cli(env, "member", "delete", "eve@example.com", "--cancel-subscription", "--yes")
    assert refused.exit_code == 1 and "no Stripe customer" in refused.stderr
    shown = _cli(env, "member", "show", "eve@example.com", "--json")
    assert json.loads(shown.stdout)["status"] == "active"


# One address per door, each written as Stripe or a person might type it.
DOORS = {
    "checkout": "Cat.Checkout@Example.COM",
    "gift purchase": "Ann.Buyer@Example.COM",
    "gift redemption": "Sam.Redeemer@Example.COM",
    "member add": "Dan.Added@Example.COM",
    "member import": "Eve.Imported@Example.COM",
    "stripe sync": "Fay.Synced@Example.COM",
}


def _through_every_door(shop: Shop, env: dict, tmp_path: Path) -> None:
    """Each address of `DOORS` comes in through its door, in the case it was typed in."""
    _, events = shop.buy("monthly", DOORS["checkout"])
    shop.deliver(*events)
    shop.buy("yearly", DOORS["stripe sync"])  # paid; its webhook never comes
    synced = _cli(env, "stripe", "sync")
    assert synced.exit_code == 0 and "changed 1" in synced.output, synced.output
    page = shop.browser.get(f"{shop.url}/gift", timeout=30)
    form = {
        "csrf_token": csrf_token_of(page.text),
        "recipient_name": "Sam",
        "recipient_email": "Sam.Named@Example.COM",
        "message": "For you.",
    }
    answer = shop.browser.post(f"{shop.url}/gift/yearly", data=form, allow_redirects=False)
    gift_session = answer.headers["Location"].rsplit("/", 1)[1]
    shop.deliver(*shop.stripe.pay_checkout(gift_session, DOORS["gift purchase"]))
    (delivery,) = shop.outbox("gift_delivery")
    code = re.search(r"GIFT(-[0-9A-Z]{4}){4}", delivery.body_text).group(0)  # type: ignore[union-attr]
    page = shop.browser.get(f"{shop.url}/gift/redeem/{code}", timeout=30)
    shop.browser.post(
        f"{shop.url}/gift/redeem/{code}",
        data={"csrf_token": csrf_token_of(page.text), "email": DOORS["gift redemption"]},
    )
    link = re.search(r"http://\S+/gift/claim/\S+", shop.outbox("gift_claim")[-1].body_text)
    button = shop.browser.get(link.group(0), timeout=30)  # type: ignore[union-attr]
    done = shop.browser.post(
        link.group(0),  # type: ignore[union-attr]
        data={"csrf_token": csrf_token_of(button.text)},
        allow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert _cli(env, "member", "add", DOORS["member add"]).exit_code == 0
    rows = tmp_path / "members.csv"
    rows.write_text(f"email,plan\n{DOORS['member import']},yearly\n")
    imported = _cli(env, "member", "import", str(rows))
    assert imported.exit_code == 0, imported.output


def _where_address_is(session: Any, address: str) -> list[str]:
    """Every `table.column` holding the address's local part in any case."""
    needle = address.split("@")[0].lower()
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, JSON):
                value = cast(column, Text)
            elif isinstance(column.type, String | Text):
                value = column
            else:
                continue
            query = select(func.count()).select_from(table)
            if session.scalar(query.where(func.lower(value).like(f"%{needle}%"))):
                found.append(f"{table.name}.{column.name}")
    return found


def test_addresses_in_any_case_through_every_door_are_stored_once_and_erased_everywhere(
    shop: Shop, env: dict, mp3_file: Path, tmp_path: Path
) -> None:
    shop.add_catalog(mp3_file)
    _through_every_door(shop, env, tmp_path)
    members = set(shop.members())
    with shop.services.db.session() as session:
        buyers = set(session.scalars(select(Gift.buyer_email)))
        held = {door: _where_address_is(session, typed) for door, typed in DOORS.items()}
    for door, typed in DOORS.items():
        assert held[door], f"{door}: the search finds nothing before the delete"
        stored = typed.lower()
        assert stored in (buyers if door == "gift purchase" else members), door
    for typed in DOORS.values():
        deleted = _cli(env, "member", "delete", typed, "--yes", "--json")
        assert deleted.exit_code == 0, deleted.output
        assert json.loads(deleted.stdout)["deleted"] == typed.lower()
    with shop.services.db.session() as session:
        left = {door: _where_address_is(session, typed) for door, typed in DOORS.items()}
        bodies = " ".join(
            f"{m.to_address} {m.subject} {m.body_text} {m.body_html}"
            for m in session.scalars(select(OutboxMessage))
        ).lower()
    assert left == {door: [] for door in DOORS}
    for typed in DOORS.values():
        assert typed.split("@")[0].lower() not in bodies
    assert not [m for m in shop.outbox("gift_receipt") if m.status == "pending"]


def test_the_database_refuses_an_address_stored_as_typed(services: Services) -> None:
    """The guarantee behind one helper: a writer that skips it fails instead of storing an
    address that an erasure would not find."""
    with pytest.raises(IntegrityError), services.db.session() as session:
        session.add(
            Gift(
                plan="yearly",
                buyer_email="Ann@Example.COM",
                recipient_name="B",
                recipient_email="b@example.com",
            )
        )
    with pytest.raises(IntegrityError), services.db.session() as session:
        session.add(Member(email="Ann@Example.COM"))
