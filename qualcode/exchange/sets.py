"""REFI-QDA sets kept in a project: named groups of codes, documents and memos.

qualcode has no sets of its own, so the ``Set``s of an imported project are kept as they
came, in the project setting ``exchange_sets`` (a list of ``{"id", "name", "description",
"codes", "documents", "memos"}``, members by qualcode id), and written back as ``Set``s
by every export. A set of sources also becomes its documents' ``sets`` attribute, which
quotes and matrices can group by. A set imported again (same GUID) replaces the old one.
Members deleted since are left out of the export. Exclusive themes travel as sets of
their own (:data:`~qualcode.exchange.refi.EXCLUSIVE_MARK`) and are not kept here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..models import Setting

SETS_KEY = "exchange_sets"
MEMBER_KINDS = ("codes", "documents", "memos")


def kept_sets(session: Session) -> list[dict[str, Any]]:
    """The sets the project keeps, oldest first."""
    row = session.get(Setting, SETS_KEY)
    return list(row.value) if row is not None and isinstance(row.value, list) else []


def keep_sets(session: Session, sets: list[dict[str, Any]]) -> None:
    """Keep ``sets``: one with the id of a kept set replaces it, the others are added."""
    if not sets:
        return
    new = {found["id"]: found for found in sets}
    merged = [new.pop(old["id"], old) for old in kept_sets(session)] + list(new.values())
    row = session.get(Setting, SETS_KEY)
    if row is None:
        session.add(Setting(key=SETS_KEY, value=merged))
    else:
        row.value = merged
