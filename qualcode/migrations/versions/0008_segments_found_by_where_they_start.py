"""segments found by where they start: an index on (document, start)

Every coding applied looks up the segment that holds it, the one of its document
starting last at or before the coding. Without this index the database read all of
the document's segments to find it (thousands in a long transcript) at every click.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_segments_document_start", "segments", ["document_id", "start"])


def downgrade() -> None:
    op.drop_index("ix_segments_document_start", table_name="segments")
