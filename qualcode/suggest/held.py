"""How many suggestions the precision cut-off held back, per coder and document, as the
last ``run_suggestions`` for that document counted them: the suggestions the balanced
cut-off (the best F1 in training) would have made that the precision one did not. The
transcript page shows the count beside the suggestions it does show.

>>> held_back(project, "ana", "area-1.md")   # None: no run has looked at it yet
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from ..lookup import find_document
from ..models import Setting
from ..project import Project
from .data import Scope

KEY = "suggest.held_back."  # and the coder's digest (Scope.key): document id -> count


def record_held_back(session: Session, coder: str, counts: Iterable[tuple[str, int]]) -> None:
    """Remember ``(document id, held back)`` pairs of one run for ``coder``, one pair per
    segment looked at (summed per document); other documents keep their counts."""
    found: dict[str, int] = {}
    for document, count in counts:
        found[str(document)] = found.get(str(document), 0) + int(count)
    key = KEY + Scope(coder).key
    row = session.get(Setting, key)
    session.merge(Setting(key=key, value={**(row.value if row else {}), **found}))


def held_back(project: Project, coder: str, document: str) -> int | None:
    """How many of ``coder``'s suggestions for ``document`` (id or name) the last run held
    back; None when no run has looked at the document for them."""
    with project.sessionmaker() as session:
        doc_id = str(find_document(session, document).id)
        row = session.get(Setting, KEY + Scope(coder).key)
        return None if row is None else row.value.get(doc_id)
