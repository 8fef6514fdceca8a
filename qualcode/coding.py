"""Apply and remove codings, keep their history, undo, and move codings between codes.

Every function takes a ``Session`` and never commits: the caller (CLI command, web
request, script) owns one transaction per user action. Every change to a coding is
written to the append-only ``coding_log`` with enough data to undo it (see ``changes``).
Writers that race each other are safe: a coding or a coder sent twice at once is stored
once, by the database's unique constraints.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from .changes import (
    containing_segment,
    insert_coding,
    log_change,
    one_change,
    twin_of,
)
from .db import insert_new
from .errors import NoCoder, NotFound, QualcodeError
from .lookup import find_code, find_document
from .models import CODER_ROLES, CODING_ORIGINS, Code, Coder, Coding, Document, Segment, utcnow
from .visibility import changeable


def get_coder(session: Session, name: str | Coder, role: str | None = None) -> Coder:
    """The coder called ``name``, created on first use (as a coder unless ``role`` says).

    Several writers may name a new coder at once: each gets the one row.
    """
    if isinstance(name, Coder):
        return name
    name = name.strip()
    if not name:
        raise NoCoder()
    if role is not None and role not in CODER_ROLES:
        raise QualcodeError(f"unknown role {role!r}: choose one of {', '.join(CODER_ROLES)}")
    named = select(Coder).where(Coder.name == name)
    coder = session.scalars(named).one_or_none()
    if coder is None:
        row = {"id": uuid.uuid4(), "name": name, "role": role or "coder"}
        insert_new(session, Coder.__table__, row, ["name"])
        coder = session.scalars(named).one()
    if role is not None and coder.role != role:
        coder.role = role
    return coder


def _document(session: Session, document: str | Document) -> Document:
    return document if isinstance(document, Document) else find_document(session, document)


def find_segment(session: Session, document: str | Document, ordinal: int) -> Segment:
    doc = _document(session, document)
    segment = session.scalars(
        select(Segment).where(Segment.document_id == doc.id, Segment.ordinal == ordinal)
    ).one_or_none()
    if segment is None:
        count = session.query(Segment).filter(Segment.document_id == doc.id).count()
        raise NotFound(
            f"{doc.name} has no segment {ordinal}: its segments are numbered 1 to {count} "
            f"(see `qualcode segments {doc.name}`)"
        )
    return segment


def trimmed_span(document: Document, start: int, end: int) -> tuple[int, int]:
    """The span checked against the text and narrowed to its words (no white space at
    either edge), so that a sloppy selection codes what the coder meant."""
    text = document.text
    start, end = int(start), int(end)  # numpy integers from a DataFrame bind wrongly
    if not 0 <= start < end <= len(text):
        raise QualcodeError(
            f"span {start}-{end} is outside {document.name!r}, whose text runs from 0 to "
            f"{len(text)}: give a start before the end, both within the text"
        )
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        raise QualcodeError(f"span {start}-{end} of {document.name!r} holds only white space")
    return start, end


_THEME, _SIBLING = aliased(Code, name="theme"), aliased(Code, name="sibling")  # made once


def _exclusive_clash(
    session: Session, segment_id: int | None, coder: Coder, code: Code
) -> Code | None:
    """Another code of the same exclusive theme, by the same coder, on the same segment
    (one query: the theme's flag read with the codings, not the theme's whole row)."""
    if code.parent_id is None or segment_id is None:
        return None
    clash = session.scalars(
        select(Coding.code_id)
        .join(_SIBLING, _SIBLING.id == Coding.code_id)
        .join(_THEME, _THEME.id == _SIBLING.parent_id)
        .where(
            Coding.segment_id == segment_id, Coding.coder_id == coder.id,
            _THEME.id == code.parent_id, _THEME.exclusive, _SIBLING.id != code.id,
        )
        .limit(1)
    ).first()  # fmt: skip
    return session.get(Code, clash) if clash is not None else None


def apply_coding(
    session: Session,
    document: str | Document,
    start: int,
    end: int,
    code: str | Code,
    coder: str | Coder,
    *,
    origin: str = "manual",
    memo: str | None = None,
) -> Coding:
    """Code ``document.text[start:end]``; the same coding twice is kept once, even when
    sent by several writers at once.

    >>> with project.transaction() as session:
    ...     apply_coding(session, "area-3.md", 120, 188, "speaking-the-language", "ana")
    """
    doc = _document(session, document)
    code_row = find_code(session, code)
    coder_row = get_coder(session, coder)
    if code_row.archived:
        raise QualcodeError(
            f"code {code_row.name!r} is archived: put it back in codebook.yaml and sync, "
            "or use another code"
        )
    if origin not in CODING_ORIGINS:
        raise QualcodeError(f"unknown origin {origin!r}: one of {', '.join(CODING_ORIGINS)}")
    start, end = trimmed_span(doc, start, end)
    segment_id = containing_segment(session, doc, start, end)
    clash = _exclusive_clash(session, segment_id, coder_row, code_row)
    if clash is None:  # stored, unless the same coding is there (or a writer beat us to it)
        values = {
            "id": uuid.uuid4(), "document_id": doc.id, "start": start, "end": end,
            "segment_id": segment_id, "code_id": code_row.id, "coder_id": coder_row.id,
            "origin": origin, "memo": memo, "created_at": utcnow(),
        }  # fmt: skip
        coding = insert_coding(session, values)
        if coding is not None:
            log_change(session, coder_row, "add", coding)
            return coding
    same = session.scalars(
        select(Coding).where(
            Coding.document_id == doc.id, Coding.start == start, Coding.end == end,
            Coding.code_id == code_row.id, Coding.coder_id == coder_row.id,
        )
    )  # fmt: skip
    existing = same.one() if clash is None else same.first()  # one: the insert met it
    if existing is None:
        raise QualcodeError(
            f"{code_row.name!r} and {clash.name!r} belong to an exclusive theme: a segment "
            f"takes one of them per coder. Remove {clash.name!r} from it first "
            "(qualcode uncode)"
        )
    if memo and existing.memo != memo:
        before = existing.memo
        existing.memo = memo
        log_change(session, coder_row, "memo", existing, previous_memo=before)
    return existing


def code_segment(
    session: Session,
    document: str | Document,
    ordinal: int,
    code: str | Code,
    coder: str | Coder,
    **options: Any,
) -> Coding:
    """Code a whole segment, named by its ordinal in the document."""
    segment = find_segment(session, document, ordinal)
    return apply_coding(
        session, _document(session, document), segment.start, segment.end, code, coder, **options
    )


def remove_coding(session: Session, coding: Coding, coder: str | Coder) -> None:
    """Delete a coding, logging who did it and what it was (so it can be undone)."""
    log_change(session, get_coder(session, coder), "remove", coding)
    session.delete(coding)
    session.flush()


def find_codings(
    session: Session,
    document: str | Document,
    start: int,
    end: int,
    code: str | Code | None = None,
    coder: str | Coder | None = None,
) -> list[Coding]:
    """Codings on exactly [start, end) of a document, narrowed by code and coder."""
    doc = _document(session, document)
    query = select(Coding).where(
        Coding.document_id == doc.id, Coding.start == int(start), Coding.end == int(end)
    )
    if code is not None:
        query = query.where(Coding.code_id == find_code(session, code).id)
    if coder is not None:
        query = query.where(Coding.coder_id == get_coder(session, coder).id)
    return list(session.scalars(query))


def uncode(
    session: Session,
    document: str | Document,
    start: int,
    end: int,
    code: str | Code,
    coder: str | Coder,
) -> int:
    """Remove ``coder``'s coding of ``code`` on [start, end); how many were removed."""
    doc = _document(session, document)
    found = find_codings(session, doc, start, end, code, coder)
    if not found:
        raise NotFound(
            f"{doc.name} has no coding {find_code(session, code).name!r} by {coder} "
            f"on {start}-{end} (see `qualcode codings --document {doc.name}`)"
        )
    with one_change(session):
        for coding in found:
            remove_coding(session, coding, coder)
    return len(found)


def recode(session: Session, coding: Coding, code: str | Code, coder: str | Coder) -> Coding:
    """Change the code of a coding, keeping its span, coder and memo. Where its coder has
    that code on that span already, the coding is removed instead and the other returned."""
    target = find_code(session, code)
    twin = twin_of(session, coding, target.id)
    if twin is not None:
        remove_coding(session, coding, coder)
        return twin
    before = coding.code_id
    coding.code_id = target.id
    session.flush()
    log_change(session, get_coder(session, coder), "recode", coding, previous_code_id=str(before))
    return coding


def merge_codes(
    session: Session, source: str | Code, target: str | Code, coder: str | Coder
) -> int:
    """Move the codings of ``source`` that ``coder`` may change (their own; a lead's: all)
    to ``target``; return how many moved.

    A coding that ``target`` already has (same span and coder) is removed instead of
    doubled. The codebook file stays the source of the code list: remove ``source``
    from codebook.yaml and sync, and it is archived.
    """
    source_row, target_row = find_code(session, source), find_code(session, target)
    if source_row.id == target_row.id:
        raise QualcodeError("a code cannot be merged into itself")
    actor = get_coder(session, coder)
    codings = session.scalars(
        select(Coding).where(Coding.code_id == source_row.id, changeable(actor, Coding.coder_id))
    ).all()
    return _move(session, codings, target_row, actor)


def split_code(
    session: Session,
    source: str | Code,
    target: str | Code,
    coder: str | Coder,
    *,
    coding_ids: Iterable[str | uuid.UUID] = (),
    containing: str | None = None,
) -> int:
    """Move some codings of ``source`` to ``target``: those named, or whose text contains
    ``containing`` (any case), among those ``coder`` may change (their own; a lead's:
    all). ``target`` must exist already (add it to codebook.yaml)."""
    source_row, target_row = find_code(session, source), find_code(session, target)
    wanted = {uuid.UUID(str(i)) for i in coding_ids}
    if not wanted and not containing:
        raise QualcodeError("say which codings move: give coding ids, or --containing TEXT")
    actor = get_coder(session, coder)
    chosen = []
    for coding, text in session.execute(
        select(Coding, Document.text)
        .join(Document, Coding.document_id == Document.id)
        .where(Coding.code_id == source_row.id, changeable(actor, Coding.coder_id))
    ):
        quote = text[coding.start : coding.end].casefold()
        if coding.id in wanted or (containing and containing.casefold() in quote):
            chosen.append(coding)
    missing = wanted - {c.id for c in chosen}
    if missing:
        raise NotFound(
            f"not codings of {source_row.name!r} that {actor.name} may change: "
            f"{', '.join(map(str, missing))}"
        )
    return _move(session, chosen, target_row, actor)


def _move(session: Session, codings: Iterable[Coding], target: Code, coder: str | Coder) -> int:
    """Recode each coding as one change (one undo takes the whole move back)."""
    coder_row = get_coder(session, coder)
    moved = 0
    with one_change(session):
        for coding in codings:
            recode(session, coding, target, coder_row)
            moved += 1
    return moved
