"""A document's revisions: who made each, when, why, what changed (a word diff); revert.

The word diff is the alignment re-anchoring uses (:class:`~qualcode.revisions.align.
TextMap`): what lies between two equal runs was changed. A revert makes the old text a
new revision (history is never rewritten) and puts every coding that was on it back
exactly where it was; codings made since follow their words like any correction's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from ..errors import NotFound, QualcodeError
from ..lookup import find_document
from ..models import DocumentRevision
from ..project import Project
from .store import RevisionResult

if TYPE_CHECKING:
    import pandas as pd

REVISION_COLUMNS = [
    "number", "author", "created_at", "reason", "words_removed", "words_added", "current",
    "changes",
]  # fmt: skip


@dataclass(frozen=True)
class Change:
    """``old[old_start:old_end]`` became ``new[new_start:new_end]``."""

    old_start: int
    old_end: int
    new_start: int
    new_end: int
    removed: str
    added: str


def changes(old: str, new: str) -> list[Change]:
    """What changed from ``old`` to ``new``, in order, widened to whole words."""
    from .align import TextMap

    runs = TextMap(old, new).runs
    found: list[Change] = []
    a = c = 0
    for run in [*runs, None]:
        b, d = (run.old, run.new) if run else (len(old), len(new))
        if old[a:b] != new[c:d]:
            back = max(_back(old, a, b), _back(new, c, d))
            ahead = max(_ahead(old, a, b), _ahead(new, c, d))
            a, b, c, d = a - back, b + ahead, c - back, d + ahead
            if found and a <= found[-1].old_end:  # touching the change before: one change
                last = found.pop()
                a, c = last.old_start, last.new_start
            found.append(Change(a, b, c, d, old[a:b], new[c:d]))
        if run:
            a, c = run.old + run.length, run.new + run.length
    return found


def _back(text: str, start: int, end: int) -> int:
    """How far before ``start`` the word that the change begins in starts."""
    inside = text[start] if start < end else text[start : start + 1]
    moved = start
    if inside.isalnum():
        while moved > 0 and text[moved - 1].isalnum():
            moved -= 1
    return start - moved


def _ahead(text: str, start: int, end: int) -> int:
    """How far after ``end`` the word that the change ends in ends."""
    inside = text[end - 1] if start < end else text[start - 1 : start]
    moved = end
    if inside.isalnum():
        while moved < len(text) and text[moved].isalnum():
            moved += 1
    return moved - end


def word_diff(old: str, new: str, context: int = 30) -> list[str]:
    """One line per change: a little text before, ``[-removed-]{+added+}``, a little after."""
    lines = []
    for change in changes(old, new):
        removed, added = (
            old[change.old_start : change.old_end],
            new[change.new_start : change.new_end],
        )
        before = new[max(0, change.new_start - context) : change.new_start].split("\n")[-1]
        after = new[change.new_end : change.new_end + context].split("\n")[0]
        shown = (f"[-{removed}-]" if removed else "") + (f"{{+{added}+}}" if added else "")
        lines.append(f"{change.old_start}: …{before}{shown}{after}…".replace("\n", "⏎"))
    return lines


def _revisions(session: object, document_id: object) -> list[DocumentRevision]:
    return list(
        session.scalars(  # type: ignore[attr-defined]
            select(DocumentRevision)
            .where(DocumentRevision.document_id == document_id)
            .order_by(DocumentRevision.number)
        )
    )


def revisions_frame(project: Project, document: str) -> pd.DataFrame:
    """The document's revisions, oldest first, with how many words each took and gave;
    ``changes`` lists each revision's :class:`Change` s (as dicts) against the one before."""
    import pandas as pd

    with project.sessionmaker() as session:
        row = find_document(session, document)
        current = row.revision
        revisions = _revisions(session, row.id)
    rows, previous = [], None
    for revision in revisions:
        found = changes(previous, revision.text) if previous is not None else []
        rows.append(
            {
                "number": revision.number,
                "author": revision.author,
                "created_at": revision.created_at,
                "reason": revision.reason,
                "words_removed": sum(len(c.removed.split()) for c in found),
                "words_added": sum(len(c.added.split()) for c in found),
                "current": revision.number == current,
                "changes": [asdict(change) for change in found],
            }  # fmt: skip
        )
        previous = revision.text
    return pd.DataFrame(rows, columns=REVISION_COLUMNS)


def revision_diff(project: Project, document: str, number: int | None = None) -> list[str]:
    """The word diff of revision ``number`` (default: the current one) against the one before."""
    with project.sessionmaker() as session:
        row = find_document(session, document)
        revisions = {r.number: r.text for r in _revisions(session, row.id)}
        number = row.revision if number is None else number
    if number not in revisions:
        raise NotFound(f"{document} has no revision {number}: see qualcode revisions {document}")
    earlier = [n for n in revisions if n < number]
    return word_diff(revisions[max(earlier)], revisions[number]) if earlier else []


def revert(
    project: Project, document: str, number: int, *, author: str | None = None
) -> RevisionResult:
    """Bring revision ``number``'s text back as a new revision, its codings where they were."""
    from .edit import rewrite

    with project.sessionmaker() as session:
        row = find_document(session, document)
        name, current = row.name, row.revision
        wanted = next((r for r in _revisions(session, row.id) if r.number == number), None)
    if wanted is None:
        raise NotFound(f"{name} has no revision {number}: see qualcode revisions {name}")
    if number == current:
        raise QualcodeError(f"{name} is at revision {number} already")
    result = rewrite(
        project, name, wanted.text, author=author, reason=f"revert to revision {number}",
        restore=wanted.placements or {},
    )  # fmt: skip
    assert result is not None
    return result
