"""Every table the service keeps, in one `MetaData`, for Alembic and the schema checks.

The tables live with their concern: most in `publisher.models`, the gift tables in
`publisher.gifts.models`, which builds on `publisher.models.base`. Neither imports the other
back, so this module is where they all meet: a table missing here would look to Alembic's
comparison like a table to drop.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from publisher.gifts import models as _gift_models  # noqa: F401 (registers the gift tables)
from publisher.models import Base

metadata: MetaData = Base.metadata
