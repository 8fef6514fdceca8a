"""a passage of an assignment: the characters of the document a coder is asked to code

An assignment may name a passage of its document (``start``, ``end``: character offsets,
end exclusive), a sample inside a long transcript; both null, as every assignment made
before, is the whole document. Agreement compares coders only where both were asked.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(sa.Column("start", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("end", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("end")
        batch.drop_column("start")
