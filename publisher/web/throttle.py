"""A limit on the pages that ask Stripe something for a visitor.

Starting a Checkout, looking up a join link's promotion code and checking a returning
buyer's session each cost a call to Stripe's API, which has its own rate limit for the whole
account: one client scripting them could make joining fail for everyone. So each client
address gets `STRIPE_PAGES` of them per window, counted in the database like the sign-in
limit (every worker and machine counts together).
"""

from __future__ import annotations

from datetime import timedelta

from flask import Response, current_app, request

from publisher.accounts.rate_limits import Limit, admit, client_key
from publisher.models import utcnow
from publisher.services import services_of
from publisher.web.responses import Refusal

# A buyer who changes their mind a few times, or a household behind one address, stays
# far below it; a script starting Checkout Sessions in a loop does not.
STRIPE_PAGES = Limit("stripe_pages_client", 20, timedelta(minutes=15))


def stripe_throttle() -> Response | None:
    """Count this request; a 429 page (with `Retry-After`) once the client is over the limit."""
    client = client_key(request.remote_addr or "")
    services = services_of(current_app)
    with services.db.session() as db:
        wait = admit(db, services.config.secret_key, utcnow(), (STRIPE_PAGES, client))
    if wait is None:
        return None
    minutes = -(-wait // 60)
    plural = "s" * (minutes != 1)
    answer = Refusal(
        429,
        "Too many tries",
        f"This page was asked for too often from your network: wait {minutes} minute{plural} "
        "and try again.",
        f"too many requests: try again in {minutes} minute{plural}",
        (("/", "Listen to the free episodes meanwhile"),),
    ).response()
    answer.headers["Retry-After"] = str(wait)
    return answer
