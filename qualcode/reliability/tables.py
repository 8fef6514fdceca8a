"""The per-code, per-document and pooled figures, by segment or by span."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from .. import agreement as stats
from ..agreement import uncertainty
from ..errors import QualcodeError
from ..project import Project
from . import NAMED_METHODS, UNITS, breakdown, named
from .continuum import unitizing_by_code
from .units import (
    ABSENT,
    CODE,
    DISAGREEMENT_COLUMNS,
    PRESENT,
    AgreementReport,
    Units,
    Variable,
    load_units,
    unit_values,
)

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


class Bootstrap(NamedTuple):
    """How the intervals are made: resamples (0: none), seed and confidence level."""

    resamples: int = 1000
    seed: int = 0
    confidence: float = 0.95

    def describe(self) -> dict[str, Any]:
        """What the report says about its intervals (``--json`` ``intervals``)."""
        return {
            "alpha": uncertainty.ALPHA_METHOD,
            "kappa": uncertainty.KAPPA_METHOD,
            "resamples": self.resamples,
            "seed": self.seed,
            "confidence": self.confidence,
            "minimums": list(uncertainty.MINIMUMS),
        }


INTERVAL_FIGURES = [
    "alpha_low", "alpha_high", "alpha_below_667", "alpha_below_800", "kappa_se", "kappa_low",
    "kappa_high",
]  # fmt: skip


def _intervals(data: np.ndarray, boot: Bootstrap | None, stream: int) -> dict[str, Any]:
    """Bootstrap interval of alpha (and q below .667 and .800) and of kappa, seeded per
    variable (``stream``) so that a code's interval does not depend on the others."""
    if boot is None or boot.resamples == 0:
        return dict.fromkeys(INTERVAL_FIGURES)
    seed = [boot.seed, stream]
    codes = np.where(np.isnan(data), -1, data).astype(np.int64)  # category numbers again
    size = int(codes.max()) + 1 if codes.size else 0
    found = uncertainty.count_patterns(codes, size)
    table = uncertainty.coincidences_of_codes(codes, np.arange(size), patterns=found)
    alpha = uncertainty.interval_from_coincidences(
        table, resamples=boot.resamples, seed=seed, confidence=boot.confidence
    )
    kappa = uncertainty.kappa_interval_of_codes(
        codes, size, resamples=boot.resamples, seed=seed, confidence=boot.confidence,
        patterns=found,
    )  # fmt: skip
    low, high = uncertainty.MINIMUMS
    return {
        "alpha_low": alpha.low,
        "alpha_high": alpha.high,
        "alpha_below_667": alpha.below.get(low),
        "alpha_below_800": alpha.below.get(high),
        "kappa_se": kappa.se,
        "kappa_low": kappa.low,
        "kappa_high": kappa.high,
    }


def _figures(
    values: np.ndarray,
    labels: list[str],
    unit: str,
    boot: Bootstrap | None = None,
    stream: int = 0,
) -> dict[str, Any]:
    """One variable's row: units, observed and expected agreement, kappa, alpha, AC1, and
    with ``boot`` their bootstrap intervals."""
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
    return row | _intervals(data, boot, stream)


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
    units: Units,
    name: str,
    values: np.ndarray,
    labels: list[str],
    doc: np.ndarray,
    unit: str,
    codings: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """One code's cells of the heat map: per document, units, use, percent and alpha. Use
    counts the codings (coders × documents) when given, else the units marked."""
    n_docs = len(units.documents)
    sums = _grouped(_counts(values, len(labels)), doc, n_docs)
    percent, alpha = sums.percent(), sums.alpha()
    used = (
        codings
        if codings is not None
        else [np.bincount(doc, values[i] > 0, n_docs) for i in range(len(units.coders))]
    )
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


NULLABLE = {
    "observed", "expected", "kappa", "alpha", "ac1", "unitizing_alpha", "percent",
    *INTERVAL_FIGURES,
}  # fmt: skip


def _items(
    units: Units, variable: Variable, values: np.ndarray, labels: list[str], agreed: bool = False
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
        units, _filters = load_units(session, coders, code, theme)
    found = [
        _items(units, variable, vals, labels, agreed)
        for variable, (vals, labels, _members) in zip(
            units.variables, unit_values(units), strict=True
        )
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
    *,
    resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    documents: Sequence[str] | None = None,
    where: Mapping[str, Sequence[str]] | None = None,
    methods: Sequence[str] = (),
    overlap: float = 0.9,
) -> AgreementReport:
    """Agreement per code and pooled, per code × document, and the disagreements.

    ``coders`` defaults to everyone assigned a document (or, with no assignments, everyone
    who coded), leaving out the consensus coder. ``code`` or ``theme`` narrows the codes.
    Every alpha and kappa gets a bootstrap interval from ``resamples`` resamples (0: none),
    repeatable with ``seed`` (:mod:`qualcode.agreement.uncertainty` names the methods).
    ``documents`` (names) and ``where`` (document attribute -> values) narrow the scope.
    ``methods`` adds the methods other tools name (:data:`NAMED_METHODS`, :mod:`.named`),
    MAXQDA's segment criterion at ``overlap`` (a share, 0.9 for its default 90%).

    >>> report = agreement_table(project, coders=["ana", "ben"])
    >>> report.per_code[["code", "units", "kappa", "alpha"]]
    """
    if unit not in UNITS:
        raise QualcodeError(f"unknown unit {unit!r}: choose one of {', '.join(UNITS)}")
    if resamples < 0 or resamples == 1:
        raise QualcodeError(f"--resamples must be 0 (no intervals) or 2 or more, got {resamples}")
    if not 0 < confidence < 1:
        raise QualcodeError(f"--confidence must lie between 0 and 1, got {confidence}")
    unknown = [m for m in methods if m not in NAMED_METHODS]
    if unknown:
        raise QualcodeError(
            f"unknown method {', '.join(unknown)}: choose among {', '.join(NAMED_METHODS)}"
        )
    if not 0 <= overlap <= 1:
        raise QualcodeError(f"--overlap is a percentage from 0 to 100, got {overlap * 100:g}")
    boot = Bootstrap(resamples, seed, confidence)
    with project.sessionmaker() as session:
        units, filters = load_units(session, coders, code, theme, documents, where)
        from ..revisions.store import revision_note

        corrected = revision_note(session, units.coders, list(units.documents["id"]))
    values = unit_values(units)
    found = [
        _items(units, variable, vals, labels)
        for variable, (vals, labels, _members) in zip(units.variables, values, strict=True)
    ]
    tables: dict[str, pd.DataFrame] = {}
    if unit == "segment":
        per_code, pooled, by_document = _segment_tables(
            units, values, [len(f) for f in found], boot
        )
        with project.sessionmaker() as session:
            tables = _breakdown(session, units, values, code, theme, documents, where)
    else:
        per_code, pooled, by_document = _span_tables(units, boot)
    disagreements = pd.concat(
        found or [pd.DataFrame(columns=DISAGREEMENT_COLUMNS + units.coders)], ignore_index=True
    )
    pooled["disagreements"] = len(disagreements)
    disagreements["settled"] = _settled(project, disagreements["key"])
    pooled["settled"] = int(disagreements["settled"].notna().sum())
    return AgreementReport(
        unit=unit,
        coders=units.coders,
        basis=units.basis,
        kappa_statistic="Cohen's kappa" if len(units.coders) == 2 else "Fleiss' kappa",
        per_code=per_code,
        pooled=pooled,
        by_document=by_document,
        disagreements=disagreements,
        notes=units.notes + ([corrected] if corrected else []),
        filters=filters,
        intervals=boot.describe() if resamples else {},
        documents=len(units.documents),
        tables=tables,
        named=named.run(units, methods, overlap),
    )


def _settled(project: Project, keys: pd.Series) -> pd.Series:
    """Per disagreement, the choice adjudication settled it with, or None if pending."""
    from ..adjudicate import decisions, log_id  # adjudication imports this module

    with project.sessionmaker() as session:
        made = decisions(session)
    if not made:  # nothing settled yet: no key to turn into its log id (15,000 of them cost 1 s)
        return pd.Series(None, index=keys.index, dtype=object)
    return pd.Series([made.get(log_id(k)) for k in keys], index=keys.index, dtype=object)


def _breakdown(
    session: Any,
    units: Units,
    values: list[tuple[np.ndarray, list[str], list[np.ndarray]]],
    *scope: Any,
) -> dict[str, pd.DataFrame]:
    """The coder × coder, coder × consensus, confused codes and coincidence tables."""
    return {
        "pairwise": breakdown.pairwise(units.coders, breakdown.stacked(values, len(units.coders))),
        "versus_consensus": breakdown.versus_consensus(session, units, *scope),
        "confused_codes": breakdown.confused(units, values),
        "coincidences": breakdown.coincidence_tables(units, values),
    }


class CodingCounts(NamedTuple):
    """Codings per code × coder × document, counted once for every variable of a report."""

    rows: dict[uuid.UUID, int]  # code id -> first axis
    counts: np.ndarray

    @classmethod
    def of(cls, units: Units) -> CodingCounts:
        """Only codings in documents assigned to their coder count, as in the statistics."""
        codings = units.codings
        index, codes = pd.factorize(codings["code_id"])
        coder, doc = codings["coder"].to_numpy(), codings["doc"].to_numpy()
        keep = units.assigned[coder, doc]
        counts = np.zeros((len(codes), *units.assigned.shape), dtype=np.int64)
        np.add.at(counts, (index[keep], coder[keep], doc[keep]), 1)
        return cls({code: k for k, code in enumerate(codes)}, counts)

    def of_variable(self, variable: Variable) -> np.ndarray:
        """Coders × documents: codings of the variable's codes ("used by" counts codings)."""
        rows = [self.rows[c] for c in set().union(*variable.covers) if c in self.rows]
        return self.counts[rows].sum(axis=0)


def _columns(units: Units, figures: list[str]) -> list[str]:
    used = [f"used_{coder}" for coder in units.coders]
    return ["code", "code_id", "theme", "kind", "units", *used, *figures]


SEGMENT_FIGURES = [
    "observed", "expected", "kappa", "kappa_reason", "alpha", "alpha_reason", "ac1",
    "ac1_reason", *INTERVAL_FIGURES, "disagreements",
]  # fmt: skip
SPAN_FIGURES = [
    "observed", "expected", "kappa", "kappa_reason", "alpha", "alpha_reason", "ac1",
    "ac1_reason", *INTERVAL_FIGURES, "unitizing_alpha", "unitizing_alpha_reason",
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
    units: Units,
    values: list[tuple[np.ndarray, list[str], list[np.ndarray]]],
    differ: list[int],
    boot: Bootstrap,
) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
    rows, cells = [], []
    doc = units.segments["doc"].to_numpy()
    made = CodingCounts.of(units)
    for stream, (variable, (vals, labels, _members), count) in enumerate(
        zip(units.variables, values, differ, strict=True)
    ):
        row = _head(variable)
        counts = made.of_variable(variable)
        row |= {f"used_{c}": int(counts[k].sum()) for k, c in enumerate(units.coders)}
        row |= _figures(vals, labels, "segment", boot, stream) | {"disagreements": count}
        rows.append(row)
        cells += _by_document(units, variable.name, vals, labels, doc, "segment", counts)
    per_code = _frame(rows, _columns(units, SEGMENT_FIGURES))
    slots = sum(len(members) for _vals, _labels, members in values)
    pooled = _pooled(units, per_code, breakdown.stacked(values, len(units.coders)), slots, boot)
    return per_code, pooled, _frame(cells, _cell_columns(units))


def _cell_columns(units: Units) -> list[str]:
    return [*CELL_COLUMNS[:3], *(f"used_{c}" for c in units.coders), *CELL_COLUMNS[3:]]


def _pooled(
    units: Units, per_code: pd.DataFrame, matrix: np.ndarray, slots: int, boot: Bootstrap
) -> dict[str, Any]:
    """Pooled figures: the statistics over every code × segment present/absent decision
    (``matrix``, :func:`breakdown.stacked`: an exclusive theme's codes one by one, ``slots``
    codes in all), and the spread of the per-code ones."""
    data = _as_data(matrix)
    pairable = (matrix >= 0).sum(axis=0) >= 2
    pooled: dict[str, Any] = {
        "codes": len(per_code),
        "codes_one_by_one": slots,  # decisions = codes_one_by_one × units
        "units": int(np.count_nonzero(units.rated().sum(axis=0) >= 2)),
        "decisions": int(np.count_nonzero(pairable)),
    }
    for name, result in (
        ("percent", stats.percent_agreement(data)),
        ("kappa", _kappa(matrix, 2)),
        ("alpha", stats.krippendorff_alpha(data)),
    ):
        pooled[name], pooled[f"{name}_reason"] = _stat(result, None)
    return pooled | _intervals(data, boot, slots + 1_000_000) | _spread(per_code)


def _spread(per_code: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("kappa", "alpha"):
        defined = pd.to_numeric(per_code[name].dropna()) if len(per_code) else pd.Series([])
        out[f"mean_{name}"] = float(defined.mean()) if len(defined) else None
        out[f"median_{name}"] = float(defined.median()) if len(defined) else None
        out[f"undefined_{name}"] = int(len(per_code) - len(defined))
    return out


# --- unit="span": characters and unitizing alpha --------------------------------------


def _span_tables(
    units: Units, boot: Bootstrap
) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
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
    for k, d in zip(*np.nonzero(units.assigned), strict=True):  # passages: outside is missing
        start, end = units.passages[k, d]
        if start > 0 or end < docs["length"].iat[d]:
            rated[k, base[d] : base[d] + start] = False
            rated[k, base[d] + end : base[d] + docs["length"].iat[d]] = False
    codings = units.codings
    codings = codings[units.assigned[codings["coder"], codings["doc"]]]
    starts = base[codings["doc"]] + codings["start"].to_numpy()
    ends = base[codings["doc"]] + codings["end"].to_numpy()
    members = [
        (variable, k, cover)
        for variable in units.variables
        for k, cover in enumerate(variable.covers)
    ]
    unitizing, pooled_unitizing = unitizing_by_code(units, codings, [m[2] for m in members])
    rows, cells, sums = [], [], []
    coder = codings["coder"].to_numpy()
    for slot, (variable, k, cover) in enumerate(members):
        mine = codings["code_id"].isin(cover).to_numpy()
        values = _marks(coder[mine], starts[mine], ends[mine], n_coders, total)
        values[~rated] = -1
        row = _head(variable, k)
        row |= {f"used_{c}": int((values[i] == 1).sum()) for i, c in enumerate(units.coders)}
        row |= _figures(values, [ABSENT, PRESENT], "character", boot, slot)
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
        "codes_one_by_one": len(sums),
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
