"""The audit log as a lead reads it: :mod:`.audit`'s entries and the coding log, merged."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from ..queries import history
from .models import AuditEntry

if TYPE_CHECKING:
    import pandas as pd

    from ..project import Project

AUDIT_COLUMNS = ["at", "actor", "action", "target", "detail"]


def audit(project: Project, limit: int = 500) -> pd.DataFrame:
    """The newest ``limit`` entries of the audit log and the coding log, newest first."""
    import pandas as pd

    with project.sessionmaker() as session:
        own = session.execute(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        ).scalars()
        rows = [(e.at, e.actor, e.action, e.target, e.detail) for e in own]
    codings = history(project, limit=limit)
    for entry in codings.itertuples(index=False):
        place = f"{entry.document} {entry.start}-{entry.end}" if entry.document else ""
        rows.append((entry.at, entry.coder, f"coding {entry.action}", place,
                     {"code": entry.code} if entry.code else {}))  # fmt: skip
    frame = pd.DataFrame(rows, columns=AUDIT_COLUMNS)
    if frame.empty:
        return frame
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame.sort_values("at", ascending=False, kind="stable").head(limit).reset_index(
        drop=True
    )
