"""What a project's units and values are: variables, coders, and the coders × units data."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from ..errors import NotFound, QualcodeError
from ..lookup import code_and_descendants, find_code
from ..models import Assignment, Code, Coder, Coding, Document, Segment, Speaker
from ..visibility import CONSENSUS, NOBODY, require_everyone

CODE, EXCLUSIVE = "code", "exclusive theme"
ABSENT, PRESENT, NONE = "absent", "present", "none"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "agreement"
DISAGREEMENT_COLUMNS = [
    "key", "document", "segment", "speaker", "code", "theme", "kind", "start", "end", "text",
]  # fmt: skip


@dataclass(frozen=True)
class Variable:
    """What the coders decide per unit: a code (present or absent), or an exclusive
    theme (which of its ``members`` a coder chose, or none)."""

    code_id: uuid.UUID
    name: str
    theme: str
    kind: str
    members: tuple[str, ...]
    member_ids: tuple[uuid.UUID, ...]
    covers: tuple[frozenset[uuid.UUID], ...]  # per member, the code ids that count as it


@dataclass
class AgreementReport:
    """What :func:`agreement_table` found. Statistics that are undefined for the data are
    ``None`` (never NaN), with the reason in the ``*_reason`` column beside them."""

    unit: str
    coders: list[str]
    basis: str  # "assignments", or "codings" when the project has no assignments
    kappa_statistic: str  # "Cohen's kappa" (two coders) or "Fleiss' kappa"
    per_code: pd.DataFrame
    pooled: dict[str, Any]
    by_document: pd.DataFrame  # one row per code × document
    disagreements: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    filters: dict[str, str] = field(default_factory=dict)
    intervals: dict[str, Any] = field(default_factory=dict)  # how; empty: no intervals
    documents: int = 0  # documents in the project, double-coded or not
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # breakdown.py's tables
    named: list[Any] = field(default_factory=list)  # named.NamedMethod, as --method asks

    def to_dict(self) -> dict[str, Any]:
        from .methods import methods_paragraph  # the paragraph imports this module

        """The report as plain data (``qualcode agreement --json``): each code's figures
        with ``used`` as ``{coder: count}``, and the pooled figures."""
        codes = []
        for row in self.per_code.to_dict("records"):
            used = {coder: row.pop(f"used_{coder}") for coder in self.coders}
            codes.append(row | {"used": used})
        return {
            "unit": self.unit,
            "coders": self.coders,
            "basis": self.basis,
            "kappa_statistic": self.kappa_statistic,
            "filters": self.filters,
            "intervals": self.intervals,
            "documents": self.documents,
            "methods": methods_paragraph(self),
            "notes": self.notes,
            "codes": codes,
            "pooled": self.pooled,
            "named_methods": [method.to_dict() for method in self.named],
        }


class Units(NamedTuple):
    """Everything read from the database, as arrays (segments sorted by document, start)."""

    coders: list[str]
    basis: str
    notes: list[str]
    documents: pd.DataFrame  # name, text, length; index = document number
    segments: pd.DataFrame  # doc, document, ordinal, speaker, start, end
    assigned: np.ndarray  # coders × documents, bool
    codings: pd.DataFrame  # doc, code_id, coder, start, end
    variables: list[Variable]
    passages: np.ndarray  # coders × documents × (start, end): the characters assigned

    def rated(self) -> np.ndarray:
        """Coders × segments: True where the coder was asked to code the segment (its
        document is assigned to them and the segment lies inside their passage)."""
        return rated_segments(self.assigned, self.passages, self.segments)


# --- who may look ---------------------------------------------------------------------


def require_lead_or_open_round(session: Session, viewer: str | None, action: str) -> None:
    """Agreement and adjudication show every coder's codings: allow whoever sees everyone's
    (a lead, or anyone once the round is open), so that a blind round stays blind.
    ``viewer`` None is someone who did not say who they are."""
    require_everyone(session, viewer or NOBODY, action)


# --- variables and units --------------------------------------------------------------


def variables(session: Session, coded: set[uuid.UUID] | None = None) -> list[Variable]:
    """The variables of the codebook in its order: every code without sub-codes (and any
    code with sub-codes that has codings of its own), and each exclusive theme as one."""
    rows = list(session.scalars(select(Code).order_by(Code.position, Code.name)))
    live = {code.id: code for code in rows if not code.archived}
    children: dict[uuid.UUID | None, list[Code]] = {}
    for code in live.values():
        children.setdefault(code.parent_id if code.parent_id in live else None, []).append(code)
    coded = coded if coded is not None else set()

    def top(code: Code) -> str:
        while code.parent_id in live:
            code = live[code.parent_id]
        return code.name

    def below(code: Code) -> frozenset[uuid.UUID]:
        found, todo = set(), [code]
        while todo:
            current = todo.pop()
            found.add(current.id)
            todo.extend(children.get(current.id, []))
        return frozenset(found)

    out: list[Variable] = []

    def walk(code: Code) -> None:
        kids = children.get(code.id, [])
        if code.exclusive and kids:
            out.append(
                Variable(
                    code.id,
                    code.name,
                    top(code),
                    EXCLUSIVE,
                    tuple(k.name for k in kids),
                    tuple(k.id for k in kids),
                    tuple(below(k) for k in kids),
                )
            )
            return
        if not kids or code.id in coded:
            out.append(
                Variable(
                    code.id,
                    code.name,
                    top(code),
                    CODE,
                    (code.name,),
                    (code.id,),
                    (frozenset({code.id}),),
                )
            )
        for kid in kids:
            walk(kid)

    for root in children.get(None, []):
        walk(root)
    return out


def compared_coders(session: Session) -> list[str]:
    """Whom agreement compares when no coders are named: those assigned documents, or in
    a project without assignments those who coded; never the consensus."""
    assigned = set(session.scalars(select(Assignment.coder_id).distinct()))
    ids = assigned or set(session.scalars(select(Coding.coder_id).distinct()))
    names = dict(session.execute(select(Coder.id, Coder.name)).all())
    return sorted(names[i] for i in ids if names[i] != CONSENSUS)


def _coders(session: Session, wanted: Sequence[str] | None) -> list[str]:
    known = set(session.scalars(select(Coder.name)))
    if wanted is None:
        chosen = compared_coders(session)
    else:
        chosen = list(dict.fromkeys(name.strip() for name in wanted if name.strip()))
        unknown = [name for name in chosen if name not in known]
        if unknown:
            raise NotFound(
                f"no coder {', '.join(map(repr, unknown))} in this project; the coders are "
                f"{', '.join(sorted(known)) or 'none yet'}"
            )
    if len(chosen) < 2:
        found = ", ".join(chosen) or "nobody"
        raise QualcodeError(
            f"agreement needs two or more coders; found {found}. Code the same documents "
            "with two coders (`qualcode assign DOC --coders a,b`), or name them: --coders a,b"
        )
    return chosen


def _select(
    session: Session, found: list[Variable], code: str | None, theme: str | None
) -> tuple[list[Variable], dict[str, str]]:
    """Keep the variables of one code or one theme (``code`` may name a theme too)."""
    if code and theme:
        raise QualcodeError("give --code or --theme, not both")
    ref = code or theme
    if not ref:
        return found, {}
    row = find_code(session, ref)
    wanted = code_and_descendants(session, row)
    if theme and wanted == {row.id}:
        raise QualcodeError(f"{row.name!r} is a code, not a theme: use --code {ref!r}")
    chosen = [v for v in found if v.code_id in wanted or any(wanted & c for c in v.covers)]
    return chosen, {"theme" if theme else "code": row.name}


def load_units(
    session: Session,
    coders: Sequence[str] | None,
    code: str | None,
    theme: str | None,
    documents: Sequence[str] | None = None,
    where: Mapping[str, Sequence[str]] | None = None,
) -> tuple[Units, dict[str, str]]:
    """Read documents, segments, assignments and codings once, as frames of numbers.

    ``documents`` (names) and ``where`` (document attribute -> accepted values, any
    case) narrow the scope: a document outside it counts as assigned to nobody."""
    names = dict(session.execute(select(Coder.id, Coder.name)).all())
    pairs = session.execute(
        select(Assignment.document_id, Assignment.coder_id, Assignment.start, Assignment.end)
    ).all()
    basis = "assignments" if pairs else "codings"
    chosen = _coders(session, coders)
    position = {name: k for k, name in enumerate(chosen)}
    ids = {i: position[n] for i, n in names.items() if n in position}

    docs = pd.DataFrame(
        session.execute(
            select(
                _raw(Document.id), Document.id, Document.name, Document.text, Document.attributes
            )
        ),
        columns=["raw", "id", "name", "text", "attributes"],
    ).sort_values("name", ignore_index=True)
    scope, scope_filters = _scope(docs, documents, where)
    doc_index = {doc_id: k for k, doc_id in enumerate(docs["id"])}
    docs["length"] = docs["text"].str.len()

    # The two big reads take ids as the database stores them: making a UUID object for
    # every row of codings and segments would cost more than all the statistics.
    by_raw = pd.Series(range(len(docs)), index=docs["raw"])
    code_ids = dict(session.execute(select(_raw(Code.id), Code.id)).all())
    raw_coders = session.execute(select(_raw(Coder.id), Coder.id)).all()
    coder_ids = {raw: ids[i] for raw, i in raw_coders if i in ids}
    coded = pd.DataFrame(
        session.execute(
            select(
                _raw(Coding.document_id), _raw(Coding.code_id), _raw(Coding.coder_id),
                Coding.start, Coding.end,
            ).where(Coding.coder_id.in_(list(ids)))
        ),
        columns=["doc", "code_id", "coder", "start", "end"],
    )  # fmt: skip
    coded["doc"] = coded["doc"].map(by_raw).astype(np.int64)
    coded["code_id"] = coded["code_id"].map(code_ids)
    coded["coder"] = coded["coder"].map(coder_ids).astype(np.int64)
    coded = coded[scope[coded["doc"].to_numpy()]].reset_index(drop=True)

    assigned = np.zeros((len(chosen), len(docs)), dtype=bool)
    passages = np.zeros((len(chosen), len(docs), 2), dtype=np.int64)
    passages[:, :, 1] = docs["length"].to_numpy()
    if pairs:
        for doc_id, coder_id, start, end in pairs:
            if coder_id in ids:
                assigned[ids[coder_id], doc_index[doc_id]] = True
                if start is not None and end is not None:
                    passages[ids[coder_id], doc_index[doc_id]] = start, end
    else:
        assigned[coded["coder"].to_numpy(), coded["doc"].to_numpy()] = True
    assigned[:, ~scope] = False

    segs = pd.DataFrame(
        session.execute(
            select(
                _raw(Segment.document_id), Segment.ordinal, Speaker.label, Segment.start,
                Segment.end,
            ).outerjoin(Speaker, Segment.speaker_id == Speaker.id)
        ),
        columns=["doc", "ordinal", "speaker", "start", "end"],
    )  # fmt: skip
    segs["doc"] = segs["doc"].map(by_raw).astype(np.int64)
    in_scope = assigned.any(axis=0)
    segs = segs[in_scope[segs["doc"].to_numpy()]].sort_values(["doc", "start"], ignore_index=True)
    segs["document"] = docs["name"].to_numpy()[segs["doc"].to_numpy()]

    found, filters = _select(session, variables(session, set(coded["code_id"])), code, theme)
    filters |= scope_filters
    rated = rated_segments(assigned, passages, segs)
    notes = _notes(chosen, basis, assigned, coded) + _scope_notes(scope, assigned, segs, rated)
    notes += _passage_notes(assigned, passages, docs["length"].to_numpy())
    units = Units(chosen, basis, notes, docs, segs, assigned, coded, found, passages)
    return units, filters


def rated_segments(assigned: np.ndarray, passages: np.ndarray, segs: pd.DataFrame) -> np.ndarray:
    """Coders × segments: the segment's document is assigned to the coder and the segment
    lies inside the passage assigned (the whole document unless a passage was given)."""
    doc = segs["doc"].to_numpy()
    inside = (segs["start"].to_numpy() >= passages[:, doc, 0]) & (
        segs["end"].to_numpy() <= passages[:, doc, 1]
    )
    return assigned[:, doc] & inside


def _passage_notes(assigned: np.ndarray, passages: np.ndarray, lengths: np.ndarray) -> list[str]:
    """What a passage assignment does to the report, when there is one."""
    part = assigned & ((passages[:, :, 0] > 0) | (passages[:, :, 1] < lengths))
    if not part.any():
        return []
    return [
        f"{int(part.sum())} assignment(s) cover a passage of their document only: a coder's "
        "segments outside their passage are missing, not absent, so coders are compared "
        "only where both were asked to code."
    ]


def _scope(
    docs: pd.DataFrame,
    names: Sequence[str] | None,
    where: Mapping[str, Sequence[str]] | None,
) -> tuple[np.ndarray, dict[str, str]]:
    """Which documents are in scope, and the filters as the report names them."""
    keep = np.ones(len(docs), dtype=bool)
    filters: dict[str, str] = {}
    if names:
        known = set(docs["name"])
        unknown = [n for n in names if n not in known]
        if unknown:
            raise NotFound(
                f"no document {', '.join(map(repr, unknown))} in this project "
                "(see `qualcode documents`)"
            )
        keep &= docs["name"].isin(list(names)).to_numpy()
        filters["documents"] = ", ".join(names)
    for key, values in (where or {}).items():
        wanted = {str(v).casefold() for v in values}
        found = [
            str((attrs or {}).get(key, "")).casefold() in wanted for attrs in docs["attributes"]
        ]
        keep &= np.array(found, dtype=bool)
        filters[f"where {key}"] = " or ".join(values)
    if not keep.any():
        shown = "; ".join(f"{k}: {v}" for k, v in filters.items())
        raise QualcodeError(f"no document is in scope ({shown}); widen --document or --where")
    return keep, filters


def _scope_notes(
    scope: np.ndarray, assigned: np.ndarray, segs: pd.DataFrame, asked: np.ndarray
) -> list[str]:
    """What "missing" and "absent" meant here, with counts, and how big the scope was."""
    notes = []
    if not scope.all():
        notes.append(f"Scope: {int(scope.sum())} of {len(scope)} documents.")
    doc = segs["doc"].to_numpy()
    double = assigned.sum(axis=0) >= 2
    rated = asked[:, double[doc]]
    notes.append(
        "In the segments of documents with two or more coders, a coder assigned to the "
        "document who did not code a segment with a code gave it 'absent' "
        f"({int(rated.sum())} segment × coder values could be present or absent); a coder "
        "not assigned to the document is 'missing' there and takes no part "
        f"({int((~rated).sum())} segment × coder values missing)."
    )
    return notes


def _raw(column: Any) -> Any:
    """A column as the driver returns it (a hex string for SQLite UUIDs), not as a UUID."""
    return type_coerce(column, String)


def _notes(chosen: list[str], basis: str, assigned: np.ndarray, coded: pd.DataFrame) -> list[str]:
    """Sentences the report prints so that nobody misreads what was compared."""
    notes = []
    if basis == "codings":
        notes.append(
            "No document is assigned in this project, so each coder counts as assigned to "
            "the documents they coded at least once; a document a coder left uncoded is "
            "missing for them, not absent (assign documents with `qualcode assign`)."
        )
    else:
        outside = ~assigned[coded["coder"].to_numpy(), coded["doc"].to_numpy()]
        for k, count in enumerate(np.bincount(coded["coder"][outside], minlength=len(chosen))):
            if count:
                notes.append(
                    f"{count} coding(s) by {chosen[k]} lie in documents not assigned to "
                    "them and are left out."
                )
    for k, name in enumerate(chosen):
        if not assigned[k].any():
            notes.append(f"{name} has no document assigned, so all their values are missing.")
    single = int(np.count_nonzero(assigned.sum(axis=0) == 1))
    if single:
        notes.append(f"{single} document(s) have only one of these coders and add no pairs.")
    return notes


def _segment_hits(units: Units, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For each row (doc, start, end) of ``frame``, the segments it overlaps: returns
    (row number, segment number) pairs. Positions are laid end to end over the documents
    so one ``searchsorted`` serves them all."""
    base = np.concatenate([[0], np.cumsum(units.documents["length"].to_numpy() + 1)])[:-1]
    segs = units.segments
    seg_doc = base[segs["doc"].to_numpy()]
    seg_start = seg_doc + segs["start"].to_numpy()
    seg_end = np.maximum.accumulate(seg_doc + segs["end"].to_numpy()) if len(segs) else seg_doc
    row_doc = base[frame["doc"].to_numpy()]
    first = np.searchsorted(seg_end, row_doc + frame["start"].to_numpy(), side="right")
    last = np.searchsorted(seg_start, row_doc + frame["end"].to_numpy(), side="left")
    count = np.maximum(last - first, 0)
    rows = np.repeat(np.arange(len(frame)), count)
    step = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    return rows, np.repeat(first, count) + step


def unit_values(units: Units) -> list[tuple[np.ndarray, list[str], list[np.ndarray]]]:
    """Per variable: coders × segments category numbers (-1 missing), their labels
    (``absent``/``none`` first), and each member's coders × segments presence."""
    n_coders, n_segs = len(units.coders), len(units.segments)
    member_of: dict[uuid.UUID, list[int]] = {}
    slots = 0
    for variable in units.variables:
        for cover in variable.covers:
            for code_id in cover:
                member_of.setdefault(code_id, []).append(slots)
            slots += 1
    codings = units.codings[units.codings["code_id"].isin(member_of)]
    rows, hit = _segment_hits(units, codings)
    present = np.zeros((slots, n_coders, n_segs), dtype=bool)
    slot_lists = codings["code_id"].map(member_of).to_numpy()
    coder = codings["coder"].to_numpy()
    seg_rows = [(s, coder[r], h) for r, h in zip(rows, hit, strict=True) for s in slot_lists[r]]
    if seg_rows:
        present[tuple(np.array(seg_rows).T)] = True
    rated = units.rated()
    out, slot = [], 0
    for variable in units.variables:
        members = [present[slot + i] & rated for i in range(len(variable.members))]
        slot += len(variable.members)
        if variable.kind == CODE:
            values, labels = members[0].astype(np.int64), [ABSENT, PRESENT]
        else:
            values, labels = _exclusive(members, variable.members, rated)
        values[~rated] = -1
        out.append((values, labels, members))
    return out


def _exclusive(
    members: list[np.ndarray], names: tuple[str, ...], rated: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """Which member each coder chose per segment: 0 none, i + 1 the i-th member; two or
    more members at once become labels of their own (``A + B``) after those."""
    mask = np.zeros(rated.shape, dtype=np.int64)
    for i, member in enumerate(members):
        mask |= member.astype(np.int64) << i
    labels = [NONE, *names]
    codes = {0: 0} | {1 << i: i + 1 for i in range(len(names))}
    for combo in np.unique(mask[rated]):
        if int(combo) not in codes:
            codes[int(combo)] = len(labels)
            labels.append(" + ".join(n for i, n in enumerate(names) if combo >> i & 1))
    keys = np.array(sorted(codes))
    values = np.array([codes[k] for k in keys])[np.searchsorted(keys, mask)]
    return values, labels
