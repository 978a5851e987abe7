"""A complete context for every email kind, with absolute links on the test base URL."""

from __future__ import annotations

from typing import Any

BASE = "http://podcasts.lovetv.test"
FEEDS = [
    {"title": "Season Two: Push & Pull", "url": f"{BASE}/feeds/tok2en/season-2.xml"},
    {"title": "Season One", "url": f"{BASE}/feeds/tok2en/season-1.xml"},
]

CONTEXTS: dict[str, dict[str, Any]] = {
    "welcome": {
        "plan": "yearly",
        "feeds": FEEDS,
        "account_url": f"{BASE}/account",
        "sign_in_url": f"{BASE}/account/sign-in",
        "trial": "",
    },
    "sign_in": {"link": f"{BASE}/account/sign-in/s1gn1nt0ken", "minutes": 15},
    "links_replaced": {
        "feeds": FEEDS,
        "account_url": f"{BASE}/account",
        "reason": "You asked for new links from your account page.",
    },
    "foreign_purchase": {
        "plan": "monthly",
        "refunded": True,
        "sign_in_url": f"{BASE}/account/sign-in",
        "join_url": f"{BASE}/join/monthly",
    },
    "membership_ended": {
        "reason": "lapsed",
        "detail": "Your last payment did not go through.",
        "join_url": f"{BASE}/join/monthly",
        "account_url": f"{BASE}/account",
        "explanation": "",
    },
    "revoked_sign_in": {
        "home_url": f"{BASE}/",
        "explanation": "Your membership was ended by Love TV. To ask about it, write to "
        "hello@lovetv.example.",
    },
    "membership_restored": {
        "plan": "monthly",
        "feeds": FEEDS,
        "account_url": f"{BASE}/account",
        "sign_in_url": f"{BASE}/account/sign-in",
    },
    "season_out": {
        "season_title": "Season Three",
        "feed_url": f"{BASE}/feeds/tok3/season-3.xml",
        "account_url": f"{BASE}/account",
    },
    "gift_receipt": {
        "recipient_name": "Sam",
        "gift_words": "a year of Love TV",
        "code": "GIFT-7K2M-AB12-CD34-EF56",
        "card_url": f"{BASE}/gift/card/GIFT-7K2M-AB12-CD34-EF56",
        "deliver_on": "2027-02-14",
        "message": "",
    },
    "gift_delivery": {
        "recipient_name": "Sam",
        "giver_name": "Alex",
        "gift_words": "a year of Love TV",
        "message": "For the two of us.",
        "code": "GIFT-7K2M-AB12-CD34-EF56",
        "redeem_url": f"{BASE}/gift/redeem/GIFT-7K2M-AB12-CD34-EF56",
        "claim_url": f"{BASE}/gift/claim/del1verytoken",
        "redeem_page": f"{BASE}/gift/redeem",
        "deliver_on": None,
    },
    "gift_claim": {
        "gift_words": "a year of Love TV",
        "link": f"{BASE}/gift/claim/cla1mt0ken",
        "minutes": 15,
    },
    "address_changed": {
        "new_address": "ann.new@example.com",
        "owner_email": "hello@lovetv.example",
        "home_url": f"{BASE}/",
    },
    "address_now_yours": {
        "account_url": f"{BASE}/account",
        "sign_in_url": f"{BASE}/account/sign-in",
    },
}


def context_of(kind: str, show_title: str = "Love TV") -> dict[str, Any]:
    """The context of `kind`, with the show title every email carries."""
    return {"show_title": show_title, **CONTEXTS[kind]}
