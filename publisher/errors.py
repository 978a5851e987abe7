"""Errors a producer or operator sees as one line: what went wrong and what to do."""


class UserError(Exception):
    """A refused request (bad input, missing season, duplicate number); nothing was changed."""
