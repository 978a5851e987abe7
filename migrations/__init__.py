"""Alembic migrations of the Love TV schema; `lovetv db upgrade` applies them."""
