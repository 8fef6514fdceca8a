"""Team coding: documents assigned to coders, and the round a lead opens or closes.

What each person may see while the round is closed is decided in
:mod:`qualcode.visibility`, and only there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .accounts.audit import record
from .coding import get_coder
from .db import insert_new
from .errors import NotAllowed, QualcodeError
from .lookup import find_document
from .models import Assignment, Coder, Document, Segment, Setting, utcnow
from .project import Project
from .visibility import ROUND_KEY

if TYPE_CHECKING:
    import pandas as pd

ASSIGNMENT_COLUMNS = ["document", "coder", "role", "assigned_at", "start", "end"]


def assign(
    session: Session,
    documents: Iterable[str],
    coders: Iterable[str],
    *,
    by: str | None = None,
    segments: tuple[int, int] | None = None,
) -> list[tuple[str, str]]:
    """Give each document to each coder; return the (document, coder) pairs that are new.

    Each pair goes in with ``INSERT ... ON CONFLICT DO NOTHING``: two leads assigning the
    same pair at once make one assignment, and neither gets an error. ``by`` (else the
    acting account or user) is written to the audit log. ``segments`` (first, last
    segment numbers) gives only that passage of each document, a sample inside a long
    transcript; it also narrows (or moves) an assignment that exists.
    """
    docs = [find_document(session, ref) for ref in documents]
    people = [get_coder(session, name) for name in coders]
    if not docs or not people:
        raise QualcodeError("name at least one document and one coder (--coders a,b)")
    added = []
    for doc in docs:
        start, end = _passage(session, doc, segments) if segments else (None, None)
        for coder in people:
            row = {"document_id": doc.id, "coder_id": coder.id, "assigned_at": utcnow()}
            row |= {"start": start, "end": end}
            if insert_new(session, Assignment.__table__, row, ["document_id", "coder_id"]):
                added.append((doc.name, coder.name))
            elif segments is None:
                continue
            else:
                session.execute(
                    update(Assignment)
                    .where(Assignment.document_id == doc.id, Assignment.coder_id == coder.id)
                    .values(start=start, end=end)
                )
            passage = {"segments": f"{segments[0]}-{segments[1]}"} if segments else {}
            record(session, by, "assign", doc.name, coder=coder.name, **passage)
    return added


def _passage(session: Session, doc: Document, segments: tuple[int, int]) -> tuple[int, int]:
    """The characters from the start of segment ``first`` to the end of segment ``last``."""
    first, last = segments
    rows = session.execute(
        select(Segment.ordinal, Segment.start, Segment.end).where(
            Segment.document_id == doc.id, Segment.ordinal.in_([first, last])
        )
    ).all()
    found = {row.ordinal: row for row in rows}
    if first > last or first not in found or last not in found:
        low, high = session.execute(
            select(func.min(Segment.ordinal), func.max(Segment.ordinal)).where(
                Segment.document_id == doc.id
            )
        ).one()
        raise QualcodeError(
            f"{doc.name} has segments {low} to {high}: give --segments FIRST-LAST within them, "
            f"FIRST no greater than LAST (got {first}-{last}; `qualcode segments {doc.name}` "
            "lists them)"
        )
    return found[first].start, found[last].end


def assignments(project: Project) -> pd.DataFrame:
    """Who has which document, one row per pair; ``start`` and ``end`` (characters) give
    the passage when only part of it is assigned, else they are empty."""
    import pandas as pd  # here, not at the top: the team commands start without it

    with project.sessionmaker() as session:
        rows = session.execute(
            select(Document.name, Coder.name, Coder.role, Assignment.assigned_at)
            .add_columns(Assignment.start, Assignment.end)
            .join(Document, Assignment.document_id == Document.id)
            .join(Coder, Assignment.coder_id == Coder.id)
            .order_by(Document.name, Coder.name)
        ).all()
    return pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS).astype({"start": "Int64", "end": "Int64"})


def set_round(session: Session, lead: str, *, open_: bool) -> None:
    """Open (or close again) the round: only a lead may."""
    person = get_coder(session, lead)
    if person.role != "lead":
        raise NotAllowed(
            f"{person.name} is not a lead: only a lead opens or closes the round "
            f"(make one with `qualcode coder {person.name} --role lead`)"
        )
    session.merge(Setting(key=ROUND_KEY, value=open_))
    record(session, person.name, "round open" if open_ else "round close")


def check_grants(session: Session, by: str | None, command: str) -> None:
    """Once a project has a lead, only a lead makes a lead or takes the role away: a coder
    cannot make themselves one and so see everyone's work."""
    leads = session.scalars(select(Coder.name).where(Coder.role == "lead")).all()
    asker = by.strip() if by else ""
    if leads and asker not in leads:
        who = f"{asker} is not a lead" if asker else "nobody said who is asking"
        raise NotAllowed(
            f"{who}: only a lead gives roles in this project (`qualcode --as LEAD {command}`; "
            f"leads: {', '.join(sorted(leads))})"
        )


def set_role(session: Session, name: str, role: str, *, by: str | None) -> Coder:
    """Make ``name`` a coder or a lead. Once the project has a lead, only a lead (``by``)
    makes another lead or a lead a coder again: a coder cannot make themselves a lead and
    so see everyone's work."""
    current = session.scalars(select(Coder).where(Coder.name == name.strip())).one_or_none()
    if current is not None and current.role == role:
        return current  # nothing changes (`make example` runs this again and again)
    if role == "lead" or (current is not None and current.role == "lead"):
        check_grants(session, by, f"coder {name} --role {role}")
    person = get_coder(session, name, role=role)
    record(session, by, "coder role", person.name, role=role)
    return person
