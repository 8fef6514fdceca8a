"""Agreement between coders, read from a project: the lead's check before the analysis.

:mod:`qualcode.agreement` holds the statistics on plain arrays; this module decides what
a project's units and values are, builds the coders × units matrices in bulk (a handful
of queries, then NumPy) and hands them over.

- Units are segments. For each code, a coder gives every segment of a document assigned
  to them *present* (a coding of theirs overlaps it; a coding may span several
  segments) or *absent*; on documents not assigned to them the coder is *missing*. In a
  project with no assignments at all, a coder counts as assigned to the documents they
  coded at least once, and the report says so.
- An ``exclusive`` theme is one variable: which of its codes a coder gave a segment, or
  none (two of its codes on one segment, possible with codings that span segments,
  make a value of their own, ``A + B``).
- ``unit="span"`` compares characters instead: per code, character-level agreement and
  Krippendorff's unitizing alpha over the documents' texts, pooled over documents.

The ``consensus`` coder, whom adjudication writes, is compared only when named.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
import numpy as np
import pandas as pd
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from . import agreement as stats
from .coding import code_and_descendants, find_code
from .errors import NotFound, QualcodeError
from .models import Assignment, Code, Coder, Coding, Document, Segment, Speaker
from .project import Project
from .team import round_is_open

CONSENSUS = "consensus"
UNITS = ("segment", "span")
CODE, EXCLUSIVE = "code", "exclusive theme"
ABSENT, PRESENT, NONE = "absent", "present", "none"
TEMPLATES = Path(__file__).resolve().parent / "templates" / "agreement"
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

    def to_dict(self) -> dict[str, Any]:
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
            "notes": self.notes,
            "codes": codes,
            "pooled": self.pooled,
        }


class _Units(NamedTuple):
    """Everything read from the database, as arrays (segments sorted by document, start)."""

    coders: list[str]
    basis: str
    notes: list[str]
    documents: pd.DataFrame  # name, text, length; index = document number
    segments: pd.DataFrame  # doc, document, ordinal, speaker, start, end
    assigned: np.ndarray  # coders × documents, bool
    codings: pd.DataFrame  # doc, code_id, coder, start, end
    variables: list[Variable]


# --- who may look ---------------------------------------------------------------------


def require_lead_or_open_round(session: Session, viewer: str | None, action: str) -> None:
    """Agreement and adjudication show every coder's codings: allow a lead, or anyone once
    the round is open, so that a blind round stays blind."""
    if round_is_open(session):
        return
    person = None
    if viewer:
        person = session.scalars(select(Coder).where(Coder.name == viewer)).one_or_none()
    if person is not None and person.role == "lead":
        return
    who = f"{viewer} is not a lead" if viewer else "nobody said who is asking"
    raise QualcodeError(
        f"{who}: {action} shows every coder's codings, so it needs a lead (--as NAME, a "
        "coder made with `qualcode coder NAME --role lead`) or an open round "
        "(`qualcode round open --coder LEAD`)"
    )


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


def _coders(session: Session, wanted: Sequence[str] | None, candidates: list[str]) -> list[str]:
    known = set(session.scalars(select(Coder.name)))
    if wanted is None:
        chosen = sorted(name for name in candidates if name != CONSENSUS)
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


def _load(
    session: Session,
    coders: Sequence[str] | None,
    code: str | None,
    theme: str | None,
) -> tuple[_Units, dict[str, str]]:
    """Read documents, segments, assignments and codings once, as frames of numbers."""
    names = dict(session.execute(select(Coder.id, Coder.name)).all())
    pairs = session.execute(select(Assignment.document_id, Assignment.coder_id)).all()
    basis = "assignments" if pairs else "codings"
    if coders is None:
        ids = {c for _d, c in pairs} if pairs else set(session.scalars(select(Coding.coder_id)))
        chosen = _coders(session, None, [names[i] for i in ids])
    else:
        chosen = _coders(session, coders, [])
    position = {name: k for k, name in enumerate(chosen)}
    ids = {i: position[n] for i, n in names.items() if n in position}

    docs = pd.DataFrame(
        session.execute(select(_raw(Document.id), Document.id, Document.name, Document.text)),
        columns=["raw", "id", "name", "text"],
    ).sort_values("name", ignore_index=True)
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

    assigned = np.zeros((len(chosen), len(docs)), dtype=bool)
    if pairs:
        for doc_id, coder_id in pairs:
            if coder_id in ids:
                assigned[ids[coder_id], doc_index[doc_id]] = True
    else:
        assigned[coded["coder"].to_numpy(), coded["doc"].to_numpy()] = True

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
    notes = _notes(chosen, basis, assigned, coded)
    return _Units(chosen, basis, notes, docs, segs, assigned, coded, found), filters


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


def _segment_hits(units: _Units, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
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


def _values(units: _Units) -> list[tuple[np.ndarray, list[str], list[np.ndarray]]]:
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
    rated = units.assigned[:, units.segments["doc"].to_numpy()]
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


# --- statistics -----------------------------------------------------------------------


def _as_data(values: np.ndarray) -> np.ndarray:
    """Category numbers as floats with NaN for missing, the form the statistics take fast."""
    data = values.astype(float)
    data[values < 0] = np.nan
    return data


def _kappa(values: np.ndarray, size: int) -> stats.Agreement:
    """Cohen's kappa for two coders, Fleiss' kappa for more."""
    if len(values) == 2:
        data = _as_data(values)
        return stats.cohen_kappa(data[0], data[1])
    counts = _counts(values, size)
    return stats.fleiss_kappa(counts[counts.sum(axis=1) > 0])


def _why_undefined(values: np.ndarray, labels: list[str], unit: str) -> str | None:
    """A sentence for the usual reasons a statistic is undefined: no double-coded unit,
    or one category everywhere (a code nobody used)."""
    rated = values >= 0
    pairable = rated.sum(axis=0) >= 2
    if not pairable.any():
        return f"no {unit} was coded by two or more of the coders"
    seen = np.unique(values[:, pairable][rated[:, pairable]])
    if len(seen) > 1:
        return None
    if seen[0] == 0:
        return f"nobody used it on a {unit} coded by two or more coders"
    return f"every coder gave every double-coded {unit} {labels[int(seen[0])]!r}"


def _stat(result: stats.Agreement, why: str | None) -> tuple[float | None, str | None]:
    if result.value is not None:
        return result.value, None
    return None, why or result.reason


def _figures(values: np.ndarray, labels: list[str], unit: str) -> dict[str, Any]:
    """One variable's row: units, observed and expected agreement, kappa, alpha, AC1."""
    data = _as_data(values)
    why = _why_undefined(values, labels, unit)
    percent = stats.percent_agreement(data)
    kappa = _kappa(values, len(labels))
    alpha = stats.krippendorff_alpha(data)
    ac1 = stats.gwet_ac1(data, categories=[float(k) for k in range(len(labels))])
    units = int(np.count_nonzero((values >= 0).sum(axis=0) >= 2))
    # With units to pair, kappa is undefined only when every rating is one category:
    # then chance agreement is 1, which the lead should see rather than a blank.
    expected = kappa.details.get("expected", 1.0 if units else None)
    row: dict[str, Any] = {"units": units, "observed": percent.value, "expected": expected}
    for name, result in (("kappa", kappa), ("alpha", alpha), ("ac1", ac1)):
        row[name], row[f"{name}_reason"] = _stat(result, why)
    return row


class _Sums(NamedTuple):
    """Per group, the sums nominal alpha and percent agreement are made of."""

    units: np.ndarray  # pairable units
    agree: np.ndarray  # Σ over pairable units of the share of agreeing pairs
    observed: np.ndarray  # Σ over pairable units of (m² − Σ_k n_k²) / (m − 1)
    n_k: np.ndarray  # groups × categories: pairable values of each category

    def percent(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.agree / self.units

    def alpha(self) -> np.ndarray:
        """1 − D_o / D_e = 1 − (n − 1) Σ_u observed / (n² − Σ_k n_k²); NaN if undefined."""
        n = self.n_k.sum(axis=1)
        expected = n * n - (self.n_k * self.n_k).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(expected > 0, 1 - (n - 1) * self.observed / expected, np.nan)


def _grouped(counts: np.ndarray, group: np.ndarray, n_groups: int) -> _Sums:
    """:func:`agreement.krippendorff_alpha` (nominal) and percent agreement per group, from
    units × categories counts, summed with ``bincount``: thousands of code × document cells
    in one pass instead of one call each (tests check both give the same numbers)."""
    m = counts.sum(axis=1)
    ok = m >= 2
    c, g, mm = counts[ok].astype(float), group[ok], m[ok].astype(float)
    return _Sums(
        units=np.bincount(g, minlength=n_groups),
        agree=np.bincount(g, (c * (c - 1)).sum(axis=1) / (mm * (mm - 1)), n_groups),
        observed=np.bincount(g, (mm * mm - (c * c).sum(axis=1)) / (mm - 1), n_groups),
        n_k=np.stack([np.bincount(g, c[:, k], n_groups) for k in range(c.shape[1])], axis=1),
    )


def _counts(values: np.ndarray, size: int) -> np.ndarray:
    """Units × categories: how many coders gave each unit each category."""
    return np.stack([(values == k).sum(axis=0) for k in range(size)], axis=1)


def _cell_reason(units: int, n_k: np.ndarray, labels: list[str], unit: str) -> str | None:
    if units == 0:
        return f"no {unit} here was coded by two or more of the coders"
    used = np.flatnonzero(n_k)
    if len(used) > 1:
        return None
    if used[0] == 0:
        return "nobody used it here"
    return f"every coder gave every {unit} here {labels[int(used[0])]!r}"


def _by_document(
    units: _Units, name: str, values: np.ndarray, labels: list[str], doc: np.ndarray, unit: str
) -> list[dict[str, Any]]:
    """One code's cells of the heat map: per document, units, use, percent and alpha."""
    n_docs = len(units.documents)
    sums = _grouped(_counts(values, len(labels)), doc, n_docs)
    percent, alpha = sums.percent(), sums.alpha()
    used = [np.bincount(doc, values[i] > 0, n_docs) for i in range(len(units.coders))]
    names = units.documents["name"].to_numpy()
    rows = []
    for d in np.flatnonzero(units.assigned.sum(axis=0) >= 2):
        row = {"code": name, "document": names[d], "units": int(sums.units[d])}
        row |= {f"used_{c}": int(u[d]) for c, u in zip(units.coders, used, strict=True)}
        row["percent"] = None if sums.units[d] == 0 else float(percent[d])
        row["alpha"] = None if np.isnan(alpha[d]) else float(alpha[d])
        row["alpha_reason"] = None
        if row["alpha"] is None:
            row["alpha_reason"] = _cell_reason(int(sums.units[d]), sums.n_k[d], labels, unit)
        rows.append(row)
    return rows


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """A frame whose statistic columns keep None where undefined, never NaN."""
    frame = pd.DataFrame(rows, columns=columns)
    for column in columns:
        if column in NULLABLE or column.endswith("_reason"):
            frame[column] = pd.Series(
                [row.get(column) for row in rows], index=frame.index, dtype=object
            )
    return frame


NULLABLE = {"observed", "expected", "kappa", "alpha", "ac1", "unitizing_alpha", "percent"}


def _items(
    units: _Units, variable: Variable, values: np.ndarray, labels: list[str], agreed: bool = False
) -> pd.DataFrame:
    """The double-coded segments on which the coders' values differ, with their text; or,
    with ``agreed``, those on which they agree that the code (or one code) applies."""
    rated = values >= 0
    high = np.where(rated, values, -1).max(axis=0)
    low = np.where(rated, values, np.iinfo(np.int64).max).min(axis=0)
    pick = (high == low) & (low > 0) if agreed else high != low
    where = np.flatnonzero((rated.sum(axis=0) >= 2) & pick)
    segs = units.segments.iloc[where]
    texts = units.documents["text"].to_numpy()[segs["doc"].to_numpy()]
    ids = units.documents["id"].to_numpy()[segs["doc"].to_numpy()]
    frame = pd.DataFrame(
        {
            "key": [
                item_key(d, o, variable.code_id) for d, o in zip(ids, segs["ordinal"], strict=True)
            ],
            "document": segs["document"].to_numpy(),
            "segment": segs["ordinal"].to_numpy(),
            "speaker": segs["speaker"].to_numpy(),
            "code": variable.name,
            "theme": variable.theme,
            "kind": variable.kind,
            "start": segs["start"].to_numpy(),
            "end": segs["end"].to_numpy(),
            "text": [t[s:e] for t, s, e in zip(texts, segs["start"], segs["end"], strict=True)],
        },
        columns=DISAGREEMENT_COLUMNS,
    )
    shown = np.array([*labels, None], dtype=object)
    for k, coder in enumerate(units.coders):
        frame[coder] = shown[values[k, where]]
    return frame


def item_key(document_id: uuid.UUID, ordinal: int, code_id: uuid.UUID) -> str:
    """A disagreement's stable name: document, segment number, code (or exclusive theme)."""
    return f"{document_id}:{int(ordinal)}:{code_id}"


def items(
    project: Project,
    coders: Sequence[str] | None = None,
    code: str | None = None,
    theme: str | None = None,
    *,
    agreed: bool = False,
) -> pd.DataFrame:
    """The disagreements alone (what adjudication walks), without any statistic; with
    ``agreed``, the segments where the coders agree a code applies instead. One column per
    coder holds their value; ``frame.attrs["coders"]`` lists the coders."""
    with project.sessionmaker() as session:
        units, _filters = _load(session, coders, code, theme)
    found = [
        _items(units, variable, vals, labels, agreed)
        for variable, (vals, labels, _members) in zip(units.variables, _values(units), strict=True)
    ]
    frame = pd.concat(
        found or [pd.DataFrame(columns=DISAGREEMENT_COLUMNS + units.coders)], ignore_index=True
    )
    frame.attrs["coders"] = units.coders
    return frame


# --- the report -----------------------------------------------------------------------


def agreement_table(
    project: Project,
    coders: Sequence[str] | None = None,
    code: str | None = None,
    theme: str | None = None,
    unit: str = "segment",
) -> AgreementReport:
    """Agreement per code and pooled, per code × document, and the disagreements.

    ``coders`` defaults to everyone assigned a document (or, with no assignments, everyone
    who coded), leaving out the consensus coder. ``code`` or ``theme`` narrows the codes.

    >>> report = agreement_table(project, coders=["ana", "ben"])
    >>> report.per_code[["code", "units", "kappa", "alpha"]]
    """
    if unit not in UNITS:
        raise QualcodeError(f"unknown unit {unit!r}: choose one of {', '.join(UNITS)}")
    with project.sessionmaker() as session:
        units, filters = _load(session, coders, code, theme)
    values = _values(units)
    found = [
        _items(units, variable, vals, labels)
        for variable, (vals, labels, _members) in zip(units.variables, values, strict=True)
    ]
    if unit == "segment":
        per_code, pooled, by_document = _segment_tables(units, values, [len(f) for f in found])
    else:
        per_code, pooled, by_document = _span_tables(units)
    disagreements = pd.concat(
        found or [pd.DataFrame(columns=DISAGREEMENT_COLUMNS + units.coders)], ignore_index=True
    )
    pooled["disagreements"] = len(disagreements)
    return AgreementReport(
        unit=unit,
        coders=units.coders,
        basis=units.basis,
        kappa_statistic="Cohen's kappa" if len(units.coders) == 2 else "Fleiss' kappa",
        per_code=per_code,
        pooled=pooled,
        by_document=by_document,
        disagreements=disagreements,
        notes=units.notes,
        filters=filters,
    )


def _columns(units: _Units, figures: list[str]) -> list[str]:
    used = [f"used_{coder}" for coder in units.coders]
    return ["code", "code_id", "theme", "kind", "units", *used, *figures]


SEGMENT_FIGURES = [
    "observed", "expected", "kappa", "kappa_reason", "alpha", "alpha_reason", "ac1",
    "ac1_reason", "disagreements",
]  # fmt: skip
SPAN_FIGURES = [
    "observed", "expected", "kappa", "kappa_reason", "alpha", "alpha_reason", "ac1",
    "ac1_reason", "unitizing_alpha", "unitizing_alpha_reason",
]  # fmt: skip
CELL_COLUMNS = ["code", "document", "units", "percent", "alpha", "alpha_reason"]


def _head(variable: Variable, member: int | None = None) -> dict[str, Any]:
    """The naming columns: the variable, or one member code of it (``unit="span"``)."""
    if member is None:
        name, code_id, kind = variable.name, variable.code_id, variable.kind
    else:
        name, code_id, kind = variable.members[member], variable.member_ids[member], CODE
    return {"code": name, "code_id": str(code_id), "theme": variable.theme, "kind": kind}


def _segment_tables(
    units: _Units, values: list[tuple[np.ndarray, list[str], list[np.ndarray]]], differ: list[int]
) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
    rows, cells = [], []
    doc = units.segments["doc"].to_numpy()
    for variable, (vals, labels, _members), count in zip(
        units.variables, values, differ, strict=True
    ):
        row = _head(variable)
        row |= {f"used_{c}": int((vals[k] > 0).sum()) for k, c in enumerate(units.coders)}
        row |= _figures(vals, labels, "segment") | {"disagreements": count}
        rows.append(row)
        cells += _by_document(units, variable.name, vals, labels, doc, "segment")
    per_code = _frame(rows, _columns(units, SEGMENT_FIGURES))
    decisions = [
        np.where(vals >= 0, one, -1) for vals, _labels, members in values for one in members
    ]
    pooled = _pooled(units, per_code, decisions)
    return per_code, pooled, _frame(cells, _cell_columns(units))


def _cell_columns(units: _Units) -> list[str]:
    return [*CELL_COLUMNS[:3], *(f"used_{c}" for c in units.coders), *CELL_COLUMNS[3:]]


def _pooled(units: _Units, per_code: pd.DataFrame, decisions: list[np.ndarray]) -> dict[str, Any]:
    """Pooled figures: the statistics over every code × segment present/absent decision
    (an exclusive theme's codes counted one by one), and the spread of the per-code ones."""
    n_coders = len(units.coders)
    matrix = np.concatenate(decisions, axis=1) if decisions else np.zeros((n_coders, 0), int)
    data = _as_data(matrix)
    pairable = (matrix >= 0).sum(axis=0) >= 2
    pairable_docs = units.assigned.sum(axis=0) >= 2
    pooled: dict[str, Any] = {
        "codes": len(per_code),
        "units": int(np.count_nonzero(pairable_docs[units.segments["doc"].to_numpy()])),
        "decisions": int(np.count_nonzero(pairable)),
    }
    for name, result in (
        ("percent", stats.percent_agreement(data)),
        ("kappa", _kappa(matrix, 2)),
        ("alpha", stats.krippendorff_alpha(data)),
    ):
        pooled[name], pooled[f"{name}_reason"] = _stat(result, None)
    return pooled | _spread(per_code)


def _spread(per_code: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("kappa", "alpha"):
        defined = pd.to_numeric(per_code[name].dropna()) if len(per_code) else pd.Series([])
        out[f"mean_{name}"] = float(defined.mean()) if len(defined) else None
        out[f"median_{name}"] = float(defined.median()) if len(defined) else None
        out[f"undefined_{name}"] = int(len(per_code) - len(defined))
    return out


# --- unit="span": characters and unitizing alpha --------------------------------------


def _span_tables(units: _Units) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """Per code (an exclusive theme's codes one by one): agreement over the characters of
    the documents, each character a unit marked or not, and unitizing alpha."""
    docs, n_coders = units.documents, len(units.coders)
    scope = np.flatnonzero(units.assigned.any(axis=0))
    lengths = docs["length"].to_numpy()[scope]
    base = np.zeros(len(docs), dtype=np.int64)
    base[scope] = np.concatenate([[0], np.cumsum(lengths)])[:-1]
    total = int(lengths.sum())
    doc_of_char = np.repeat(scope, lengths)
    rated = units.assigned[:, doc_of_char]
    codings = units.codings
    codings = codings[units.assigned[codings["coder"], codings["doc"]]]
    starts = base[codings["doc"]] + codings["start"].to_numpy()
    ends = base[codings["doc"]] + codings["end"].to_numpy()
    members = [
        (variable, k, cover)
        for variable in units.variables
        for k, cover in enumerate(variable.covers)
    ]
    unitizing, pooled_unitizing = _unitizing(units, codings, [m[2] for m in members])
    rows, cells, sums = [], [], []
    coder = codings["coder"].to_numpy()
    for slot, (variable, k, cover) in enumerate(members):
        mine = codings["code_id"].isin(cover).to_numpy()
        values = _marks(coder[mine], starts[mine], ends[mine], n_coders, total)
        values[~rated] = -1
        row = _head(variable, k)
        row |= {f"used_{c}": int((values[i] == 1).sum()) for i, c in enumerate(units.coders)}
        row |= _figures(values, [ABSENT, PRESENT], "character")
        row["unitizing_alpha"], row["unitizing_alpha_reason"] = unitizing[slot]
        rows.append(row)
        name = variable.members[k]
        cells += _by_document(units, name, values, [ABSENT, PRESENT], doc_of_char, "character")
        sums.append(_grouped(_counts(values, 2), np.zeros(total, dtype=np.int64), 1))
    per_code = _frame(rows, _columns(units, SPAN_FIGURES))
    pooled = _span_pooled(per_code, sums, int(np.count_nonzero(rated.sum(axis=0) >= 2)))
    pooled["unitizing_alpha"], pooled["unitizing_alpha_reason"] = pooled_unitizing
    return per_code, pooled | _spread(per_code), _frame(cells, _cell_columns(units))


def _span_pooled(per_code: pd.DataFrame, sums: list[_Sums], units: int) -> dict[str, Any]:
    """Percent agreement and alpha over every code × character decision, from the sums
    (the matrix of every code's characters at once would not fit in memory)."""
    pooled: dict[str, Any] = {
        "codes": len(per_code),
        "units": units,
        "decisions": int(sum(s.units[0] for s in sums)),
    }
    percent = alpha = np.nan
    if sums:
        whole = _Sums(*(sum(getattr(s, f) for s in sums) for f in _Sums._fields))
        percent, alpha = whole.percent()[0], whole.alpha()[0]
    unpaired = "no character was coded by two or more of the coders"
    pooled["percent"] = None if np.isnan(percent) else float(percent)
    pooled["percent_reason"] = None if pooled["percent"] is not None else unpaired
    pooled["kappa"] = None
    pooled["kappa_reason"] = "over characters, kappa is given per code only (mean, median)"
    pooled["alpha"] = None if np.isnan(alpha) else float(alpha)
    pooled["alpha_reason"] = None
    if pooled["alpha"] is None:
        pooled["alpha_reason"] = unpaired if not pooled["decisions"] else "nobody marked anything"
    return pooled


def _marks(
    coder: np.ndarray, starts: np.ndarray, ends: np.ndarray, n_coders: int, total: int
) -> np.ndarray:
    """Coders × characters, 1 where a coder's span covers the character, else 0."""
    steps = np.zeros((n_coders, total + 1), dtype=np.int32)
    np.add.at(steps, (coder, starts), 1)
    np.add.at(steps, (coder, ends), -1)
    return (np.cumsum(steps[:, :-1], axis=1) > 0).astype(np.int64)


def _unitizing(
    units: _Units, codings: pd.DataFrame, covers: list[frozenset[uuid.UUID]]
) -> tuple[list[tuple[float | None, str | None]], tuple[float | None, str | None]]:
    """Unitizing alpha per code and pooled. Documents with the same coders are laid end to
    end as one continuum; where coders differ between documents, each set of coders is
    one continuum and the disagreements (weighted by the continuum's size) are summed."""
    slots: dict[uuid.UUID, list[int]] = {}
    for slot, cover in enumerate(covers):
        for code_id in cover:
            slots.setdefault(code_id, []).append(slot)
    groups: dict[tuple[int, ...], list[int]] = {}
    for d in range(units.assigned.shape[1]):
        who = tuple(int(k) for k in np.flatnonzero(units.assigned[:, d]))
        if len(who) >= 2:
            groups.setdefault(who, []).append(d)
    parts = np.zeros((len(covers), 2))
    marked = np.zeros(len(covers), dtype=bool)
    lengths = units.documents["length"].to_numpy()
    for who, docs in groups.items():
        base = dict(zip(docs, np.concatenate([[0], np.cumsum(lengths[docs])])[:-1], strict=True))
        mine = codings[codings["doc"].isin(docs) & codings["coder"].isin(who)]
        spans = [
            (coder, slot, base[doc] + start, base[doc] + end)
            for doc, code_id, coder, start, end in mine.itertuples(index=False)
            for slot in slots.get(code_id, ())
        ]
        length = int(lengths[docs].sum())
        size = len(who) * length  # the details are per character of every coder's continuum
        result = stats.unitizing_alpha(
            spans, length, coders=list(who), categories=range(len(covers))
        )
        for slot, found in result.by_category.items():
            marked[slot] |= found.details.get("marked", 0) > 0
            if "expected_disagreement" in found.details:
                parts[slot] += [
                    found.details["observed_disagreement"] * size,
                    found.details["expected_disagreement"] * size,
                ]
    out = []
    for slot in range(len(covers)):
        observed, expected = parts[slot]
        if expected > 0:
            out.append((float(1 - observed / expected), None))
        elif not groups:
            out.append((None, "no document was coded by two or more of the coders"))
        elif not marked[slot]:
            out.append((None, "nobody marked it in a document coded by two or more coders"))
        else:
            out.append((None, "every coder marked all the text, so no disagreement is expected"))
    observed, expected = parts.sum(axis=0)
    if expected > 0:
        return out, (float(1 - observed / expected), None)
    return out, (None, "no code has a disagreement expected by chance")


# --- the HTML report ------------------------------------------------------------------

# Krippendorff's (2019) rule of thumb: rely on alpha >= .8, draw tentative conclusions
# from .667 up; the heat map and the table colour by these bands.
GOOD, TENTATIVE = 0.8, 0.667
_HEAT = [(-1.0, (178, 24, 43)), (0.0, (214, 96, 77)), (TENTATIVE, (253, 184, 99)),
         (GOOD, (166, 217, 106)), (1.0, (26, 152, 80))]  # fmt: skip


def heat_colour(value: float) -> str:
    """A CSS colour for an alpha or kappa: red below 0, amber at .667, green from .8."""
    value = min(max(value, -1.0), 1.0)
    for (low, a), (high, b) in zip(_HEAT, _HEAT[1:], strict=False):
        if value <= high:
            share = (value - low) / (high - low)
            r, g, bl = (round(x + (y - x) * share) for x, y in zip(a, b, strict=True))
            return f"#{r:02x}{g:02x}{bl:02x}"
    return "#1a9850"


def _shown(
    value: float | None, reason: str | None, percent: bool = False, bands: bool = True
) -> dict[str, str]:
    """A figure as the report prints it: the number (coloured by the alpha bands unless
    it is a percentage or AC1, whose scale differs), or the word undefined and why."""
    if value is None:
        return {"text": "undefined", "title": reason or "", "cls": "undef"}
    band = "good" if value >= GOOD else "fair" if value >= TENTATIVE else "poor"
    text = f"{value:.1%}" if percent else f"{value:.3f}"
    return {"text": text, "title": "", "cls": band if bands and not percent else "plain"}


def _context(report: AgreementReport, title: str) -> dict[str, Any]:
    """What the template shows, as plain strings and lists (no logic in the template)."""
    extra = "disagreements" if report.unit == "segment" else "unitizing_alpha"
    anchors = {code: f"c{k}" for k, code in enumerate(report.per_code["code"])}
    themes: list[dict[str, Any]] = []
    for row in report.per_code.to_dict("records"):
        if not themes or themes[-1]["name"] != row["theme"]:
            themes.append({"name": row["theme"], "rows": []})
        figures = {name: _shown(row[name], row[f"{name}_reason"]) for name in ("kappa", "alpha")}
        figures["ac1"] = _shown(row["ac1"], row["ac1_reason"], bands=False)
        themes[-1]["rows"].append(
            {
                "code": row["code"],
                "kind": row["kind"],
                "anchor": anchors[row["code"]],
                "units": row["units"],
                "used": [row[f"used_{c}"] for c in report.coders],
                "observed": _shown(row["observed"], "no pairable unit", percent=True),
                "expected": _shown(row["expected"], row["kappa_reason"], percent=True),
                **figures,
                "extra": row[extra]
                if extra == "disagreements"
                else _shown(row[extra], row[f"{extra}_reason"]),
            }
        )
    return {
        "title": title,
        "report": report,
        "unit": "segments" if report.unit == "segment" else "characters",
        "generated": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
        "themes": themes,
        "pooled": _pooled_context(report),
        "heat": _heat_context(report, anchors),
        "groups": _disagreement_context(report, anchors),
        "good": GOOD,
        "tentative": TENTATIVE,
        "legend": [(v, heat_colour(v)) for v in (-0.2, 0.0, 0.4, TENTATIVE, GOOD, 0.9, 1.0)],
    }


def _pooled_context(report: AgreementReport) -> list[tuple[str, dict[str, str]]]:
    pooled = report.pooled
    unit = "segment" if report.unit == "segment" else "character"
    rows = [
        (f"Krippendorff's alpha over every code × {unit}", "alpha"),
        (f"{report.kappa_statistic} over every code × {unit}", "kappa"),
        ("Unitizing alpha over every code", "unitizing_alpha"),
        ("Mean alpha of the codes", "mean_alpha"),
        ("Median alpha of the codes", "median_alpha"),
        (f"Mean {report.kappa_statistic.split()[-1]} of the codes", "mean_kappa"),
        ("Percent agreement over every decision", "percent"),
    ]
    return [
        (label, _shown(pooled[key], pooled.get(f"{key}_reason"), percent=key == "percent"))
        for label, key in rows
        if key in pooled
    ]


def _heat_context(report: AgreementReport, anchors: dict[str, str]) -> dict[str, Any]:
    cells = report.by_document
    documents = list(dict.fromkeys(cells["document"]))
    rows = []
    for code, group in cells.groupby("code", sort=False):
        shown = [_heat_cell(report, code, cell) for cell in group.to_dict("records")]
        rows.append({"code": code, "anchor": anchors.get(code, ""), "cells": shown})
    return {"documents": documents, "rows": rows}


def _heat_cell(report: AgreementReport, code: str, cell: dict[str, Any]) -> dict[str, str]:
    used = ", ".join(f"{c} {cell[f'used_{c}']}" for c in report.coders)
    percent = "" if cell["percent"] is None else f"agreement {cell['percent']:.1%}; "
    tip = f"{code} in {cell['document']}: {percent}used by {used}"
    if cell["alpha"] is not None:
        alpha = cell["alpha"]
        title = f"{tip}; alpha {alpha:.3f}"
        text = f"{alpha:.2f}".replace("-0.00", "0.00")
        return {"text": text, "colour": heat_colour(alpha), "cls": "", "title": title}
    unused = cell["alpha_reason"] == "nobody used it here"
    title = f"{tip}. Alpha undefined: {cell['alpha_reason']}"
    return {
        "text": "" if unused else "–",
        "colour": "",
        "cls": "unused" if unused else "undef",
        "title": title,
    }


def _disagreement_context(report: AgreementReport, anchors: dict[str, str]) -> list[dict]:
    frame = report.disagreements
    groups = []
    for code, group in frame.groupby("code", sort=False):
        items = []
        for row in group.to_dict("records"):
            versions = [
                {
                    "coder": c,
                    "value": row[c] if row[c] is not None else "not assigned",
                    "cls": "missing"
                    if row[c] is None
                    else "off"
                    if row[c] in (ABSENT, NONE)
                    else "on",
                }
                for c in report.coders
            ]
            items.append({**row, "versions": versions})
        first = group.iloc[0]
        groups.append(
            {
                "code": code,
                "theme": first["theme"],
                "kind": first["kind"],
                "entries": items,
                "anchor": f"d-{anchors.get(code, code)}",
            }
        )
    return groups


def render_html(report: AgreementReport, title: str = "Agreement between coders") -> str:
    """The report as one self-contained HTML page (inline CSS, nothing fetched): the table,
    a heat map of alpha per code × document, and every disagreement with its text."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # transcript text is data: <script> in a quote must print as text
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html").render(_context(report, title))


def write_html(report: AgreementReport, path: str | Path, title: str | None = None) -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report, title or "Agreement between coders"), encoding="utf-8")
    return path
