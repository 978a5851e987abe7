"""One set of limits on what producers type, checked before anything is stored.

PostgreSQL refuses a title longer than its column and SQLite stores it; either way the
refusal used to come after the upload, as a database error. Every length here is read
from the model's own column (`publisher.models`), so the check and the schema cannot
disagree, and every refusal is one line naming the option to change. Free-text fields
(`Text` columns) get Apple's limit for descriptions; numbers must fit PostgreSQL's
`integer`.
"""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from publisher.errors import UserError

# Apple Podcasts shows at most 4,000 characters of a show's or episode's description:
# https://podcasters.apple.com/support/823-podcast-requirements
DESCRIPTION_MAX = 4000
# PostgreSQL's `integer` (and so every Integer column) holds up to 2^31 - 1.
NUMBER_MAX = 2**31 - 1


def column_length(model: type[DeclarativeBase], column: str) -> int:
    """The declared length of a String column, or DESCRIPTION_MAX for a Text column."""
    length = getattr(model.__table__.c[column].type, "length", None)
    return int(length) if length else DESCRIPTION_MAX


def check_text(
    value: str | None, model: type[DeclarativeBase], column: str, what: str, option: str
) -> None:
    """Refuse `value` when it is longer than `model.column` can hold."""
    if value is None:
        return
    limit = column_length(model, column)
    if len(value) > limit:
        raise UserError(
            f"{what} is {len(value)} characters long, at most {limit} fit: shorten {option}"
        )


def check_number(value: int | None, what: str, option: str, minimum: int = 1) -> None:
    """Refuse a number below `minimum` or beyond what an integer column holds."""
    if value is None:
        return
    if not minimum <= value <= NUMBER_MAX:
        raise UserError(f"{what} must be between {minimum} and {NUMBER_MAX} ({option})")
