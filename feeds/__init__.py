"""The RSS core: plain dataclasses in, feed bytes out.

Nothing here imports Flask, SQLAlchemy or another core. The shell (`publisher/`) turns rows
into `feeds.model` values, asks for bytes once per change of a season, and personalises them
per request by putting the member's token where `TOKEN_PLACEHOLDER` stands.
"""
