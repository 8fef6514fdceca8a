"""Team coding: documents assigned to coders, and the round a lead opens or closes.

What each person may see while the round is closed is decided in
:mod:`qualcode.visibility`, and only there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from .coding import get_coder
from .errors import NotAllowed, QualcodeError
from .lookup import find_document
from .models import Assignment, Coder, Document, Setting
from .project import Project
from .visibility import ROUND_KEY

if TYPE_CHECKING:
    import pandas as pd

ASSIGNMENT_COLUMNS = ["document", "coder", "role", "assigned_at"]


def assign(
    session: Session, documents: Iterable[str], coders: Iterable[str]
) -> list[tuple[str, str]]:
    """Give each document to each coder; return the (document, coder) pairs that are new."""
    docs = [find_document(session, ref) for ref in documents]
    people = [get_coder(session, name) for name in coders]
    if not docs or not people:
        raise QualcodeError("name at least one document and one coder (--coders a,b)")
    existing = set(session.execute(select(Assignment.document_id, Assignment.coder_id)).all())
    added = []
    for doc in docs:
        for coder in people:
            if (doc.id, coder.id) not in existing:
                session.add(Assignment(document_id=doc.id, coder_id=coder.id))
                existing.add((doc.id, coder.id))
                added.append((doc.name, coder.name))
    session.flush()
    return added


def assignments(project: Project) -> pd.DataFrame:
    """Who has which document, one row per pair."""
    import pandas as pd  # here, not at the top: the team commands start without it

    with project.sessionmaker() as session:
        rows = session.execute(
            select(Document.name, Coder.name, Coder.role, Assignment.assigned_at)
            .join(Document, Assignment.document_id == Document.id)
            .join(Coder, Assignment.coder_id == Coder.id)
            .order_by(Document.name, Coder.name)
        ).all()
    return pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS)


def set_round(session: Session, lead: str, *, open_: bool) -> None:
    """Open (or close again) the round: only a lead may."""
    person = get_coder(session, lead)
    if person.role != "lead":
        raise NotAllowed(
            f"{person.name} is not a lead: only a lead opens or closes the round "
            f"(make one with `qualcode coder {person.name} --role lead`)"
        )
    session.merge(Setting(key=ROUND_KEY, value=open_))
