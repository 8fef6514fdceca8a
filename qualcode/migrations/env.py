"""Alembic environment: qualcode runs migrations itself, on a connection it passes in."""

from alembic import context

from qualcode import models  # noqa: F401  (registers the tables on Base.metadata)
from qualcode.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds tables
)
with context.begin_transaction():
    context.run_migrations()
