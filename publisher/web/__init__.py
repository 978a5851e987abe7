"""HTTP blueprints: thin views that parse a request, call a core or pipeline, shape a reply."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Each blueprint module registers itself with `init_app`."""
    from publisher.web import billing, feeds, health, media, webhooks

    for module in (health, billing, webhooks, feeds, media):
        module.init_app(app)
