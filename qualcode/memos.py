"""Memos: a coder's notes on a document, a segment, a code or a coding.

Memos on documents, segments and codes are rows of their own (several per target, each
with its author). A coding carries its one memo with it (``Coding.memo``), so that the
memo travels with the coding into spreadsheets and other tools; only the coding's coder,
or a lead, writes it. Who sees which memos is decided in :mod:`qualcode.visibility`.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, cast, null, select
from sqlalchemy.orm import Session

from .coding import find_segment, get_coder, log_change
from .errors import NotFound, QualcodeError
from .lookup import by_id, find_code, find_document
from .models import Code, Coder, Coding, Document, Memo, Segment
from .project import Project
from .visibility import Who, changeable, check_may_change, viewer_for

if TYPE_CHECKING:
    import pandas as pd

TARGETS = ("document", "segment", "code", "coding")
MEMO_COLUMNS = ["id", "target_type", "target", "coder", "text", "created_at", "updated_at"]
ON_DOCUMENT = ["id", "target_type", "segment", "start", "end", "coder", "text"]


def write_memo(
    session: Session,
    target_type: str,
    target: str,
    text: str,
    coder: str,
    *,
    segment: int | None = None,
) -> Memo | Coding:
    """Add a memo to a document or code, a segment (document + ``segment`` ordinal), or set
    the memo of a coding (by its id: only its coder or a lead may)."""
    if target_type not in TARGETS:
        raise QualcodeError(f"memos go on {', '.join(TARGETS)}, not {target_type!r}")
    author = get_coder(session, coder)
    if target_type == "coding":
        coding = _coding(session, target, author)
        check_may_change(session, author, coding.coder_id, "this coding")
        before = coding.memo
        coding.memo = text
        session.flush()
        log_change(session, author, "memo", coding, previous_memo=before)
        return coding
    if target_type == "document":
        target_id = str(find_document(session, target).id)
    elif target_type == "segment":
        if segment is None:
            raise QualcodeError("a segment memo needs the document and the segment number")
        target_id = str(find_segment(session, target, segment).id)
    else:
        target_id = str(find_code(session, target).id)
    memo = Memo(target_type=target_type, target_id=target_id, coder_id=author.id, text=text)
    session.add(memo)
    session.flush()
    log_change(session, author, "note", None, **_place(session, memo), text=text)
    return memo


def edit_memo(session: Session, memo_id: str, text: str, coder: str) -> Memo:
    """Give a memo on a document, segment or code new words (its author or a lead may);
    logged, and undone by giving it its previous words back."""
    author = get_coder(session, coder)
    memo = by_id(session, Memo, memo_id)
    if memo is None:
        raise NotFound(f"no memo {memo_id!r} (see the ids in `qualcode memos --json`)")
    check_may_change(session, author, memo.coder_id, "this memo")
    before = memo.text
    memo.text = text
    session.flush()
    log_change(session, author, "note", None, **_place(session, memo), text=text,
               previous_text=before)  # fmt: skip
    return memo


def _place(session: Session, memo: Memo) -> dict[str, Any]:
    """Where the coding log shows a memo: its author (whose history it is in) and what
    it is about (a document, a segment's span, or a code)."""
    place: dict[str, Any] = {"coder_id": str(memo.coder_id), "memo_id": str(memo.id),
                             "target_type": memo.target_type}  # fmt: skip
    if memo.target_type == "document":
        place["document_id"] = memo.target_id
    elif memo.target_type == "segment":
        found = session.get(Segment, int(memo.target_id))
        if found is not None:  # else a correction took the segment away: no place to show
            place |= {"document_id": str(found.document_id), "start": found.start,
                      "end": found.end}  # fmt: skip
    else:
        place["code_id"] = memo.target_id
    return place


def _coding(session: Session, ref: str, author: Coder) -> Coding:
    """A coding by id, or by a prefix of the id of one that ``author`` may change."""
    coding = by_id(session, Coding, ref)
    if coding is None:
        ids = session.scalars(select(Coding.id).where(changeable(author, Coding.coder_id)))
        matches = [c for c in ids if len(ref) >= 6 and str(c).startswith(ref)]
        coding = session.get(Coding, matches[0]) if len(matches) == 1 else None
    if coding is None:
        raise NotFound(f"no coding {ref!r} (see the ids in `qualcode codings --json`)")
    return coding


def memos(project: Project, *, viewer: Who = None) -> pd.DataFrame:
    """Every memo ``viewer`` may see, with a readable name for what it is about, oldest
    first (a blind coder sees their own)."""
    import pandas as pd  # here, not at the top: `qualcode memo` starts without it

    with project.sessionmaker() as session:
        seen = viewer_for(session, viewer)
        names = {
            "document": dict(session.execute(select(Document.id, Document.name)).all()),
            "code": dict(session.execute(select(Code.id, Code.name)).all()),
        }
        segments = {
            seg_id: f"{doc} #{ordinal}"
            for seg_id, doc, ordinal in session.execute(
                select(Segment.id, Document.name, Segment.ordinal).join(
                    Document, Segment.document_id == Document.id
                )
            )
        }
        rows = []
        for memo, author in session.execute(
            select(Memo, Coder.name)
            .outerjoin(Coder, Memo.coder_id == Coder.id)
            .where(seen.where(Memo.coder_id))
            .order_by(Memo.created_at)
        ):
            if memo.target_type == "segment":
                label = segments.get(int(memo.target_id))
            elif memo.target_type == "project":  # a project memo from another tool (REFI-QDA)
                label = "the project"
            else:
                label = names[memo.target_type].get(uuid.UUID(memo.target_id))
            rows.append(
                (
                    str(memo.id),
                    memo.target_type,
                    label,
                    author,
                    memo.text,
                    memo.created_at,
                    memo.updated_at,
                )
            )
    return pd.DataFrame(rows, columns=MEMO_COLUMNS)


def document_memos(project: Project, document: str, *, viewer: Who = None) -> pd.DataFrame:
    """The memos ``viewer`` may see on one document and on each of its segments (with the
    segment's number and span), in the order of the text, oldest first within a place."""
    import pandas as pd

    with project.sessionmaker() as session:
        doc = find_document(session, document)
        seen = viewer_for(session, viewer)
        on_segments = session.execute(
            select(Memo.id, Memo.target_type, Segment.ordinal, Segment.start, Segment.end,
                   Coder.name, Memo.text)
            .join(Segment, Memo.target_id == cast(Segment.id, String))
            .outerjoin(Coder, Memo.coder_id == Coder.id)
            .where(Memo.target_type == "segment", Segment.document_id == doc.id,
                   seen.where(Memo.coder_id))
            .order_by(Segment.ordinal, Memo.created_at)
        ).all()  # fmt: skip
        on_document = session.execute(
            select(Memo.id, Memo.target_type, null(), null(), null(), Coder.name, Memo.text)
            .outerjoin(Coder, Memo.coder_id == Coder.id)
            .where(Memo.target_type == "document", Memo.target_id == str(doc.id),
                   seen.where(Memo.coder_id))
            .order_by(Memo.created_at)
        ).all()  # fmt: skip
    frame = pd.DataFrame([tuple(r) for r in on_document + on_segments], columns=ON_DOCUMENT)
    spans = {c: frame[c].astype("Int64") for c in ("segment", "start", "end")}
    return frame.assign(id=frame["id"].astype(str), **spans)


def every_memo(project: Project, *, viewer: Who = None) -> pd.DataFrame:
    """:func:`memos`, and the memo of each coding ``viewer`` may see (``target``: its code
    and document); ``document`` and ``start`` say where in a text each coding memo is."""
    import pandas as pd

    from .queries import codings

    notes = memos(project, viewer=viewer).assign(document=None, start=None)
    coded = codings(project, viewer=viewer)
    coded = coded[coded["memo"].fillna("") != ""]
    on_codings = pd.DataFrame({
        "id": coded["id"], "target_type": "coding",
        "target": coded["code"] + ", " + coded["document"], "coder": coded["coder"],
        "text": coded["memo"], "created_at": coded["created_at"], "updated_at": None,
        "document": coded["document"], "start": coded["start"],
    })  # fmt: skip
    frames = [f for f in (notes, on_codings) if len(f)]
    if not frames:
        return notes
    return pd.concat(frames, ignore_index=True).astype({"start": "Int64"})
