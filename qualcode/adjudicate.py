"""Adjudication: the lead settles each disagreement, and the result is one consensus coding.

The consensus is a coder of its own, ``consensus``, whose codings have origin
``consensus``; queries and exports take it like any coder (``--coder consensus``). An
item is one disagreement of :mod:`qualcode.reliability`: a segment and a code (or an
exclusive theme) on which the coders' values differ. Settling it with a coder's name
gives the consensus that coder's codings of the code within the segment; ``both`` gives
it every coder's (their union); ``neither`` leaves the segment without the code.

Consensus codings are cut to the segment, so items never overlap and settling an item
again replaces the earlier decision without touching its neighbours. Each decision is
written to the coding log (action ``settle``, by whoever settled it); an item with a
decision is no longer pending. Where the coders agree, :func:`copy_agreed` gives the
consensus their codings too, so that it is a whole coding and not only the disputed part.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import reliability
from .changes import log_change, one_change, undone_entries
from .coding import apply_coding, find_segment, get_coder, remove_coding, trimmed_span
from .errors import NotFound, QualcodeError
from .models import Code, Coder, Coding, CodingLog, Document, Segment, Speaker, utcnow
from .project import Project
from .reliability import CONSENSUS, EXCLUSIVE
from .revisions.anchor import anchor_of

SETTLE, REOPEN = "settle", "reopen"
BOTH, NEITHER = "both", "neither"
# Settle entries in the coding log are keyed by a name-based UUID of the item, so the
# log (which needs a coding id) can say which item a decision was for.
_ITEMS = uuid.uuid5(uuid.NAMESPACE_URL, "qualcode:adjudication")

Spans = dict[uuid.UUID, list[tuple[int, int]]]  # code id -> spans, within one segment


class ExclusiveConflict(QualcodeError):
    """The choice would give a segment two codes of an exclusive theme."""


@dataclass(frozen=True)
class Settled:
    """What one decision did to the consensus coding."""

    key: str
    choice: str
    added: int
    removed: int


def log_id(key: str) -> uuid.UUID:
    """The id under which the coding log records decisions on the item ``key``."""
    return uuid.uuid5(_ITEMS, key)


def pending(
    project: Project,
    coders: Sequence[str] | None = None,
    code: str | None = None,
    theme: str | None = None,
) -> pd.DataFrame:
    """The disagreements not settled yet, in codebook order, one row per item.

    Columns are those of ``AgreementReport.disagreements`` (a column per coder with their
    value) plus ``coders``, the coders compared, which :func:`settle` uses for ``both``.
    """
    return worklist(project, coders, code, theme)[0]


def settled(
    project: Project,
    coders: Sequence[str] | None = None,
    code: str | None = None,
    theme: str | None = None,
) -> pd.DataFrame:
    """The disagreements settled already, with the ``choice`` made (what ``--settled``
    lists and :func:`reopen` takes back)."""
    return worklist(project, coders, code, theme)[1]


def worklist(
    project: Project,
    coders: Sequence[str] | None = None,
    code: str | None = None,
    theme: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`pending` and :func:`settled` from one reading of the codings: the lead's
    page shows both, and finding the disagreements is the costly part."""
    frame = reliability.items(project, coders, code, theme)
    names = list(frame.attrs.get("coders", []))
    with project.sessionmaker() as session:
        made = decisions(session)
        done = frame["key"].map(log_id).isin(made)
        waiting = frame[~done].reset_index(drop=True)
        waiting = waiting.join(_context(session, waiting))
    waiting["coders"] = pd.Series([names] * len(waiting), index=waiting.index, dtype=object)
    closed = frame[done].reset_index(drop=True)
    closed["choice"] = pd.Series([made[log_id(key)] for key in closed["key"]], dtype=object)
    waiting.attrs["coders"] = closed.attrs["coders"] = names
    return waiting, closed


def decisions(session: Session) -> dict[uuid.UUID, str]:
    """Items settled now, by :func:`log_id`: the choice of each one's latest decision,
    leaving out decisions undone or reopened since."""
    undone = undone_entries(session)
    latest: dict[uuid.UUID, tuple[str, str | None]] = {}
    entries = session.execute(
        select(CodingLog.id, CodingLog.coding_id, CodingLog.action, CodingLog.data)
        .where(CodingLog.action.in_((SETTLE, REOPEN)))
        .order_by(CodingLog.id)
    )
    for entry_id, item, action, data in entries:
        if entry_id not in undone:
            latest[item] = (action, (data or {}).get("choice"))
    return {item: choice or "" for item, (action, choice) in latest.items() if action == SETTLE}


def reopen(session: Session, key: str, *, by: str | None = None) -> int:
    """Open a settled item again: the consensus loses its codings of the item's code on
    the segment, and the item is pending until settled anew. One undo takes it back.
    Returns how many consensus codings were removed."""
    if log_id(key) not in decisions(session):
        raise QualcodeError(f"item {key!r} is not settled, so there is nothing to reopen")
    document, segment, variable = _place(session, key)
    with one_change(session):
        current = _consensus_codings(session, document, segment, variable)
        for coding in current:
            remove_coding(session, coding, CONSENSUS)
        actor = get_coder(session, by) if by else None
        log_change(
            session, actor, REOPEN, None, target=log_id(key), document_id=str(document.id),
            start=segment.start, end=segment.end, code_id=str(variable.code_id), key=key,
            segment=segment.ordinal,
        )  # fmt: skip
        session.flush()
    return len(current)


def _context(session: Session, frame: pd.DataFrame) -> pd.DataFrame:
    """Per item, the segment before and the segment after it (with their speakers), so the
    lead reads the disagreement in its place: columns ``before`` and ``after``."""
    out = pd.DataFrame({"before": "", "after": ""}, index=frame.index, dtype=object)
    if frame.empty:
        return out
    names = set(frame["document"])
    rows = session.execute(
        select(Document.name, Segment.ordinal, Speaker.label, Segment.start, Segment.end)
        .join(Document, Segment.document_id == Document.id)
        .outerjoin(Speaker, Segment.speaker_id == Speaker.id)
        .where(Document.name.in_(names))
    ).all()
    texts = dict(session.execute(select(Document.name, Document.text).where(
        Document.name.in_(names))).all())  # fmt: skip
    shown = {
        (name, ordinal): (f"{speaker}: " if speaker else "") + texts[name][start:end]
        for name, ordinal, speaker, start, end in rows
    }
    for index, name, ordinal in zip(frame.index, frame["document"], frame["segment"], strict=True):
        out.at[index, "before"] = shown.get((name, int(ordinal) - 1), "")
        out.at[index, "after"] = shown.get((name, int(ordinal) + 1), "")
    return out


def agreed(
    project: Project,
    coders: Sequence[str] | None = None,
    code: str | None = None,
    theme: str | None = None,
) -> pd.DataFrame:
    """The double-coded segments where the coders agree a code applies (same shape)."""
    frame = reliability.items(project, coders, code, theme, agreed=True)
    names = list(frame.attrs.get("coders", []))
    frame["coders"] = pd.Series([names] * len(frame), index=frame.index, dtype=object)
    return frame


def copy_agreed(session: Session, rows: pd.DataFrame, *, by: str | None = None) -> int:
    """Give the consensus the coders' codings where they agree (their union within each
    segment), leaving alone any item that already has consensus codings of the code (and
    any exclusive theme given two codes at once). Returns how many codings were added.

    One change in the log, by ``by`` (else the consensus coder), so one ``undo`` takes
    it back. The codings, segments and documents are read once for all items, not item
    by item."""
    if rows.empty:
        return 0
    consensus = get_coder(session, CONSENSUS)
    actor = get_coder(session, by) if by else consensus
    known = {v.code_id: v for v in reliability.variables(session, coded=set())}
    places = [key.split(":") for key in rows["key"]]
    doc_ids = {uuid.UUID(doc) for doc, _o, _c in places}
    documents = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(doc_ids)))}
    segments = {
        (seg.document_id, seg.ordinal): seg
        for seg in session.scalars(select(Segment).where(Segment.document_id.in_(doc_ids)))
    }
    names = dict(session.execute(select(Coder.id, Coder.name)).all())
    by_doc: dict[uuid.UUID, list[Coding]] = {}
    for coding in session.scalars(select(Coding).where(Coding.document_id.in_(doc_ids))):
        by_doc.setdefault(coding.document_id, []).append(coding)
    added = 0
    with one_change(session):
        for (doc, ordinal, code), compared in zip(places, rows["coders"], strict=True):
            document = documents[uuid.UUID(doc)]
            segment = segments[(document.id, int(ordinal))]
            variable = known.get(uuid.UUID(code)) or _place(session, f"{doc}:{ordinal}:{code}")[2]
            covered = set().union(*variable.covers)
            here = [
                c for c in by_doc.get(document.id, [])
                if c.code_id in covered and c.start < segment.end and c.end > segment.start
            ]  # fmt: skip
            if any(c.coder_id == consensus.id for c in here):
                continue
            wanted = _cut(document, segment, [c for c in here if names[c.coder_id] in compared])
            if variable.kind == EXCLUSIVE and len(_members(variable, wanted)) > 1:
                continue  # they agree on two codes of an exclusive theme: not for the consensus
            for code_id, found in wanted.items():
                for start, end in found:
                    coding = Coding(
                        id=uuid.uuid4(), document_id=document.id, start=start, end=end,
                        segment_id=segment.id, code_id=code_id, coder_id=consensus.id,
                        origin="consensus", created_at=utcnow(),
                    )  # fmt: skip
                    anchor = anchor_of(document.text, start, end)
                    coding.quote, coding.prefix, coding.suffix = (
                        anchor.quote, anchor.prefix, anchor.suffix,
                    )  # fmt: skip
                    coding.revision = document.revision
                    session.add(coding)
                    log_change(session, actor, "add", coding)
                    added += 1
        session.flush()
    return added


def settle(
    session: Session, item: Mapping[str, Any] | str, choice: str, *, by: str | None = None
) -> Settled:
    """Settle one item: ``choice`` is a coder's name, ``"both"`` or ``"neither"``.

    ``item`` is a row of :func:`pending` (or its ``key``). Settling again replaces
    the earlier decision; the same decision twice changes nothing.

    >>> with project.transaction() as session:
    ...     settle(session, pending(project).iloc[0], "ana", by="lee")
    """
    key = item if isinstance(item, str) else str(item["key"])
    compared = item.get("coders") if not isinstance(item, str) else None
    compared = compared or reliability.compared_coders(session)
    document, segment, variable = _place(session, key)
    if choice == NEITHER:
        wanted: Spans = {}
    elif choice == BOTH:
        wanted = _versions(session, document, segment, variable, coders=compared)
    else:
        _check_coder(session, choice, compared)
        wanted = _versions(session, document, segment, variable, coders=[choice])
    _check_exclusive(variable, wanted)
    with one_change(session):  # one undo takes back the decision and what it did
        added, removed = _apply(session, document, segment, variable, wanted)
        _log(session, key, choice, document, segment, variable, by)
    return Settled(key, choice, added, removed)


def settle_all(
    session: Session, items: pd.DataFrame | Iterable[Mapping[str, Any]], choice: str, **kw: Any
) -> list[Settled]:
    """Settle every item the same way (``qualcode adjudicate --take``). Items of an
    exclusive theme that this choice would give two codes stay pending."""
    rows = items.to_dict("records") if isinstance(items, pd.DataFrame) else items
    done = []
    with one_change(session):
        for row in rows:
            try:
                done.append(settle(session, row, choice, **kw))
            except ExclusiveConflict:
                continue
    return done


# --- inside one item ------------------------------------------------------------------


def _place(
    session: Session, key: str, known: list[reliability.Variable] | None = None
) -> tuple[Document, Segment, reliability.Variable]:
    """The document, segment and variable an item key names (``known``: the variables,
    when the caller has them already)."""
    try:
        doc_id, ordinal, code_id = key.split(":")
        document = session.get(Document, uuid.UUID(doc_id))
        code = uuid.UUID(code_id)
    except ValueError:
        raise QualcodeError(f"{key!r} is not an item: take one from pending()") from None
    if document is None:
        raise NotFound(f"item {key!r}: its document is no longer in the project")
    segment = find_segment(session, document, int(ordinal))
    found = [v for v in known or [] if v.code_id == code]
    found = found or [v for v in reliability.variables(session, coded={code}) if v.code_id == code]
    if not found:
        raise NotFound(f"item {key!r}: its code is no longer in the codebook")
    return document, segment, found[0]


def _check_coder(session: Session, name: str, compared: Sequence[str] | None) -> None:
    known = compared or list(session.scalars(select(Coder.name).where(Coder.name != CONSENSUS)))
    if name not in known:
        raise QualcodeError(
            f"cannot take {name!r}: choose one of {', '.join(known)}, {BOTH} or {NEITHER}"
        )


def _overlapping(document: Document, segment: Segment, variable: reliability.Variable) -> Any:
    """Codings of the variable's codes that overlap the segment (a ``select``)."""
    codes = set().union(*variable.covers)
    return (
        select(Coding)
        .join(Coder, Coding.coder_id == Coder.id)
        .where(
            Coding.document_id == document.id,
            Coding.code_id.in_(codes),
            Coding.start < segment.end,
            Coding.end > segment.start,
        )
    )


def _consensus_codings(
    session: Session, document: Document, segment: Segment, variable: reliability.Variable
) -> list[Coding]:
    query = _overlapping(document, segment, variable).where(Coder.name == CONSENSUS)
    return list(session.scalars(query))


def _versions(
    session: Session,
    document: Document,
    segment: Segment,
    variable: reliability.Variable,
    coders: Sequence[str] | None,
) -> Spans:
    """The coders' codings of the variable on the segment, cut to it, merged per code."""
    query = _overlapping(document, segment, variable)
    if coders is None:
        query = query.where(Coder.name != CONSENSUS)
    else:
        query = query.where(Coder.name.in_(list(coders)))
    return _cut(document, segment, list(session.scalars(query)))


def _cut(document: Document, segment: Segment, codings: Sequence[Coding]) -> Spans:
    """Codings cut to the segment and trimmed to its words, merged per code."""
    spans: Spans = {}
    for coding in codings:
        start, end = max(coding.start, segment.start), min(coding.end, segment.end)
        try:
            start, end = trimmed_span(document, start, end)
        except QualcodeError:  # only white space of this segment
            continue
        spans.setdefault(coding.code_id, []).append((start, end))
    return {code_id: _union(found) for code_id, found in spans.items()}


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _members(variable: reliability.Variable, wanted: Spans) -> set[int]:
    return {k for k, cover in enumerate(variable.covers) for code_id in wanted if code_id in cover}


def _check_exclusive(variable: reliability.Variable, wanted: Spans) -> None:
    """Checked before anything changes, so a refused choice leaves the item as it was."""
    chosen = sorted(_members(variable, wanted))
    if variable.kind == EXCLUSIVE and len(chosen) > 1:
        names = " and ".join(repr(variable.members[k]) for k in chosen)
        raise ExclusiveConflict(
            f"{variable.name!r} is exclusive: a segment takes one of its codes, and this "
            f"choice gives it {names}; take one coder's version, or neither"
        )


def _apply(
    session: Session,
    document: Document,
    segment: Segment,
    variable: reliability.Variable,
    wanted: Spans,
) -> tuple[int, int]:
    """Make the consensus codings of the variable on the segment exactly ``wanted``:
    remove the others first (an exclusive theme allows one code per segment), then add."""
    consensus = get_coder(session, CONSENSUS)
    goal = {(code_id, s, e) for code_id, found in wanted.items() for s, e in found}
    current = _consensus_codings(session, document, segment, variable)
    have = {(c.code_id, c.start, c.end): c for c in current}
    removed = [key for key in have if key not in goal]
    for key in removed:
        remove_coding(session, have[key], consensus)
    added = sorted(goal - set(have))
    for code_id, start, end in added:
        code = session.get_one(Code, code_id)
        apply_coding(session, document, start, end, code, consensus, origin="consensus")
    return len(added), len(removed)


def _log(
    session: Session,
    key: str,
    choice: str,
    document: Document,
    segment: Segment,
    variable: reliability.Variable,
    by: str | None,
) -> None:
    """One ``settle`` entry: who decided what for which item (the coding log's shape, so
    that ``qualcode history`` lists it)."""
    actor = get_coder(session, by) if by else None
    log_change(
        session, actor, SETTLE, None, target=log_id(key), document_id=str(document.id),
        start=segment.start, end=segment.end, code_id=str(variable.code_id),
        coder_id=str(get_coder(session, CONSENSUS).id), origin="consensus", key=key,
        segment=segment.ordinal, choice=choice,
    )  # fmt: skip
    session.flush()
