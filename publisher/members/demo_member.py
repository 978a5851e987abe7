"""The demo member `lovetv demo` adds, so a newcomer can paste a private feed into an app."""

from __future__ import annotations

from auth.plans import Plan
from publisher.members.members import add_member, current_token, feed_urls, find_member
from publisher.services import Services

DEMO_MEMBER_EMAIL = "demo-member@lovetv.example"


def ensure_demo_member(services: Services) -> dict[str, str]:
    """Add the demo member if missing (idempotent); return labelled feed URLs to print."""
    secret, base = services.config.secret_key, services.config.base_url
    with services.db.session() as session:
        member = find_member(session, DEMO_MEMBER_EMAIL)
        if member is None:
            member = add_member(session, secret, DEMO_MEMBER_EMAIL, plan=Plan.COMP)
        token = current_token(session, member, secret)
        urls = {"teaser feed": f"{base}/feeds/teaser.xml"}
        for slug, url in feed_urls(session, base, token).items():
            urls[f"demo member feed ({slug})"] = url
    return urls
