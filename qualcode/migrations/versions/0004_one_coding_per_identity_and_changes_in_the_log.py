"""one coding per place, code and coder; the coding log grouped into changes

Codings sent several times at once could be stored several times. This revision merges
such duplicates (the earliest stays; the others' memos, suggestions, memo rows and log
entries move to it), then lets the database refuse a second one with a unique index.
The coding log gets ``change_id`` (the entries of one command, undone together) and a
nullable ``coding_id`` (a rejected suggestion or a memo on a document has no coding).
``move`` entries written by ``import --replace`` before this revision lacked the place
of the coding (which made ``qualcode history`` fail); they get it from the coding.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

IDENTITY = ("document_id", "start", "end", "code_id", "coder_id")

codings = sa.table(
    "codings",
    sa.column("id", sa.Uuid()),
    *(sa.column(name, sa.Uuid()) for name in ("document_id", "code_id", "coder_id")),
    sa.column("start", sa.Integer()),
    sa.column("end", sa.Integer()),
    sa.column("origin", sa.String()),
    sa.column("memo", sa.Text()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
suggestions = sa.table("suggestions", sa.column("coding_id", sa.Uuid()))
memos = sa.table(
    "memos", sa.column("target_type", sa.String()), sa.column("target_id", sa.String())
)
log = sa.table(
    "coding_log",
    sa.column("id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("coding_id", sa.Uuid()),
    sa.column("data", sa.JSON()),
)


def _merge_duplicate_codings(bind: sa.Connection) -> None:
    """Keep the earliest coding of each identity; move what pointed at the others to it."""
    doubled = (
        sa.select(*(codings.c[name] for name in IDENTITY))
        .group_by(*(codings.c[name] for name in IDENTITY))
        .having(sa.func.count() > 1)
        .subquery()
    )
    rows = bind.execute(
        sa.select(codings).join(
            doubled, sa.and_(*(codings.c[name] == doubled.c[name] for name in IDENTITY))
        )
    ).all()
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        groups.setdefault(tuple(getattr(row, name) for name in IDENTITY), []).append(row)
    for group in groups.values():
        group.sort(key=lambda row: (row.created_at is None, row.created_at, str(row.id)))
        kept, extra = group[0], group[1:]
        notes = list(dict.fromkeys(row.memo for row in group if row.memo))
        if notes:
            bind.execute(
                codings.update().where(codings.c.id == kept.id).values(memo="\n\n".join(notes))
            )
        for row in extra:
            bind.execute(
                suggestions.update()
                .where(suggestions.c.coding_id == row.id)
                .values(coding_id=kept.id)
            )
            bind.execute(
                memos.update()
                .where(memos.c.target_type == "coding", memos.c.target_id == str(row.id))
                .values(target_id=str(kept.id))
            )
            bind.execute(log.update().where(log.c.coding_id == row.id).values(coding_id=kept.id))
            bind.execute(codings.delete().where(codings.c.id == row.id))


def _complete_move_entries(bind: sa.Connection) -> None:
    """Give old ``move`` entries the place of their coding, as every other entry has."""
    for entry in bind.execute(sa.select(log).where(log.c.action == "move")).all():
        data = dict(entry.data or {})
        if "document_id" in data:
            continue
        coding = bind.execute(sa.select(codings).where(codings.c.id == entry.coding_id)).first()
        start, end = (data.get("to") or [None, None])[:2]
        place = {
            "document_id": str(coding.document_id) if coding else None,
            "start": start,
            "end": end,
            "code_id": str(coding.code_id) if coding else None,
            "coder_id": str(coding.coder_id) if coding else None,
            "origin": coding.origin if coding else None,
        }
        bind.execute(log.update().where(log.c.id == entry.id).values(data={**place, **data}))


def upgrade() -> None:
    bind = op.get_bind()
    _merge_duplicate_codings(bind)
    _complete_move_entries(bind)
    op.drop_index("ix_codings_document_span", table_name="codings")
    op.create_index("uq_codings_identity", "codings", list(IDENTITY), unique=True)
    with op.batch_alter_table("coding_log", schema=None) as batch_op:
        batch_op.alter_column("coding_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.add_column(sa.Column("change_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_coding_log_change_id"), ["change_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("coding_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coding_log_change_id"))
        batch_op.drop_column("change_id")
    op.drop_index("uq_codings_identity", table_name="codings")
    op.create_index("ix_codings_document_span", "codings", ["document_id", "start", "end"])
