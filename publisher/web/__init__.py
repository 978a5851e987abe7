"""HTTP blueprints: thin views that parse a request, call a core or pipeline, shape a reply."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Each blueprint module registers itself with `init_app`."""
    from publisher.web import (
        account,
        billing,
        csrf,
        feeds,
        gift_redeem,
        gifts,
        health,
        home,
        media,
        public,
        site,
        transcript_page,
        watch,
        webhooks,
        welcome,
    )

    csrf.init_app(app)
    for module in (
        health,
        site,
        home,
        billing,
        public,
        welcome,
        account,
        watch,
        webhooks,
        feeds,
        media,
        gifts,
        gift_redeem,
        transcript_page,
    ):
        module.init_app(app)
    csrf.csrf.exempt(webhooks.bp)  # signed by Stripe instead
