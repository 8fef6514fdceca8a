"""suggestions for a coder and their decisions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 22:58:54.138191
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("suggestions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("coder_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("decided_by_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("coding_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_suggestions_coder_id"), ["coder_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_suggestions_coder_id_coders"),
            "coders",
            ["coder_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_suggestions_coding_id_codings"),
            "codings",
            ["coding_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_suggestions_decided_by_id_coders"),
            "coders",
            ["decided_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("suggestions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_suggestions_decided_by_id_coders"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_suggestions_coding_id_codings"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_suggestions_coder_id_coders"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_suggestions_coder_id"))
        batch_op.drop_column("coding_id")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("decided_by_id")
        batch_op.drop_column("coder_id")
