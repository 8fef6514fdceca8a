"""document revisions; every coding keeps its quote and context; the review list

A corrected transcript becomes a new revision of its document instead of overwriting
it. Every document gets revision 1 (its current text, dated when it was imported);
every coding gets its exact quote, up to 32 characters either side and the revision it
stands on, taken from the text it points into. Codings that a correction cannot place
with confidence wait in ``coding_reviews`` until a coder re-places or drops them.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CONTEXT = 32  # qualcode.models.ANCHOR_CONTEXT when this revision was written

documents = sa.table(
    "documents",
    sa.column("id", sa.Uuid()),
    sa.column("text", sa.Text()),
    sa.column("content_hash", sa.String()),
    sa.column("imported_at", sa.DateTime(timezone=True)),
    sa.column("revision", sa.Integer()),
)
codings = sa.table(
    "codings",
    sa.column("id", sa.Uuid()),
    sa.column("document_id", sa.Uuid()),
    sa.column("start", sa.Integer()),
    sa.column("end", sa.Integer()),
    sa.column("quote", sa.Text()),
    sa.column("prefix", sa.Text()),
    sa.column("suffix", sa.Text()),
    sa.column("revision", sa.Integer()),
)


def _backfill(bind: sa.Connection) -> None:
    """Revision 1 of every document; the anchor of every coding, one document at a time."""
    revisions = sa.table(
        "document_revisions",
        sa.column("document_id", sa.Uuid()),
        sa.column("number", sa.Integer()),
        sa.column("text", sa.Text()),
        sa.column("content_hash", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("reason", sa.Text()),
    )
    for doc_id, text, digest, imported_at in bind.execute(
        sa.select(documents.c.id, documents.c.text, documents.c.content_hash,
                  documents.c.imported_at)
    ).all():  # fmt: skip
        bind.execute(
            revisions.insert().values(
                document_id=doc_id, number=1, text=text, content_hash=digest,
                created_at=imported_at, reason="imported",
            )
        )  # fmt: skip
        rows = bind.execute(
            sa.select(codings.c.id, codings.c.start, codings.c.end).where(
                codings.c.document_id == doc_id
            )
        ).all()
        if not rows:
            continue
        bind.execute(
            codings.update()
            .where(codings.c.id == sa.bindparam("coding_id"))
            .values(
                quote=sa.bindparam("q"), prefix=sa.bindparam("p"), suffix=sa.bindparam("s"),
                revision=1,
            ),
            [
                {
                    "coding_id": coding_id,
                    "q": text[start:end],
                    "p": text[max(0, start - CONTEXT) : start],
                    "s": text[end : end + CONTEXT],
                }
                for coding_id, start, end in rows
            ],
        )


def upgrade() -> None:
    op.create_table(
        "document_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placements", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "number"),
    )
    op.create_index(
        op.f("ix_document_revisions_document_id"), "document_revisions", ["document_id"]
    )
    op.create_table(
        "coding_reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Uuid(), nullable=False),
        sa.Column("coder_id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("memo", sa.Text(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("suffix", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["code_id"], ["codes.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["coder_id"], ["coders.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_coding_reviews_coder_id"), "coding_reviews", ["coder_id"])
    op.create_index(op.f("ix_coding_reviews_document_id"), "coding_reviews", ["document_id"])
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("revision", sa.Integer(), server_default="1", nullable=False)
        )
    with op.batch_alter_table("codings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quote", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("prefix", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("suffix", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("anchor", sa.String(length=16), nullable=True))
    _backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("codings", schema=None) as batch_op:
        for name in ("anchor", "revision", "suffix", "prefix", "quote"):
            batch_op.drop_column(name)
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("revision")
    op.drop_index(op.f("ix_coding_reviews_document_id"), table_name="coding_reviews")
    op.drop_index(op.f("ix_coding_reviews_coder_id"), table_name="coding_reviews")
    op.drop_table("coding_reviews")
    op.drop_index(op.f("ix_document_revisions_document_id"), table_name="document_revisions")
    op.drop_table("document_revisions")
