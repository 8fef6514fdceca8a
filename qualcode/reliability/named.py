"""The methods other tools and methods sections name, on request (``--method``).

Each runs on the same scope as the report (coders, codes, documents, assignments) and
returns a :class:`NamedMethod`: what it is, where it comes from, a few figures and its
tables. The statistics are :mod:`qualcode.agreement`'s; this module only feeds them a
project's codings.

- ``krippendorff-1995``: the |uα of *Content Analysis* (2004), per code and pooled;
- ``atlas``: ATLAS.ti's 2016 family: α-binary per code, cu-α per theme, Cu-α overall;
- ``maxqda``: MAXQDA's three criteria per pair of coders, with its Brennan–Prediger kappa;
- ``nvivo``: NVivo's coding comparison per pair of coders, code and document.

A code here is a code one by one (an exclusive theme's codes each on their own); a
theme is the semantic domain ATLAS.ti asks about.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import agreement as stats
from ..agreement.maxqda import COLUMNS as MAXQDA_COLUMNS
from ..agreement.maxqda import CRITERIA
from ..agreement.nvivo import COLUMNS as NVIVO_COLUMNS
from . import figure
from .continuum import unitizing_by_code
from .units import Units


@dataclass
class NamedMethod:
    """One requested method: ``key`` as ``--method`` names it, its ``title``, its
    ``definition`` and ``source`` in a sentence each, ``summary`` lines to print, and
    ``tables`` by name (the sheet names of ``--tables``)."""

    key: str
    title: str
    definition: str
    source: str
    summary: list[str] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``: each table as a list of rows."""
        return {
            "key": self.key,
            "title": self.title,
            "definition": self.definition,
            "source": self.source,
            "summary": self.summary,
            "tables": {name: frame.to_dict("records") for name, frame in self.tables.items()},
        }


def _members(units: Units) -> list[tuple[str, str, frozenset]]:
    """(code name, theme, code ids that count as it) for every code one by one."""
    return [
        (variable.members[k], variable.theme, cover)
        for variable in units.variables
        for k, cover in enumerate(variable.covers)
    ]


def _clipped(units: Units) -> pd.DataFrame:
    """Codings in documents assigned to their coder, cut to the coder's passage when only
    a passage was assigned (what lies outside it does not count)."""
    codings = units.codings
    coder, doc = codings["coder"].to_numpy(), codings["doc"].to_numpy()
    codings = codings.assign(
        start=np.maximum(codings["start"].to_numpy(), units.passages[coder, doc, 0]),
        end=np.minimum(codings["end"].to_numpy(), units.passages[coder, doc, 1]),
    )
    return codings[units.assigned[coder, doc] & (codings["start"] < codings["end"])]


def _spans(units: Units) -> pd.DataFrame:
    """Codings of codes in scope (:func:`_clipped`), one row per code one by one: doc,
    coder (position), code (name), theme, start, end."""
    codings = _clipped(units)
    rows = []
    for name, theme, cover in _members(units):
        mine = codings[codings["code_id"].isin(cover)]
        rows.append(mine.assign(code=name, theme=theme)[["doc", "coder", "code", "theme",
                                                          "start", "end"]])  # fmt: skip
    columns = ["doc", "coder", "code", "theme", "start", "end"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)


def _pairs(units: Units) -> list[tuple[int, int, np.ndarray]]:
    """Each pair of coders with the documents assigned to both (pairs sharing none left
    out)."""
    out = []
    for i, j in itertools.combinations(range(len(units.coders)), 2):
        shared = np.flatnonzero(units.assigned[i] & units.assigned[j])
        if len(shared):
            out.append((i, j, shared))
    return out


def _double(units: Units) -> np.ndarray:
    return np.flatnonzero(units.assigned.sum(axis=0) >= 2)


# --- Krippendorff 1995/2004 and the 2016 family ----------------------------------------


def _by_code(
    units: Units, measure: Any, column: str
) -> tuple[pd.DataFrame, tuple[float | None, str | None]]:
    members = _members(units)
    covers = [cover for _n, _t, cover in members]
    per_code, pooled = unitizing_by_code(units, _clipped(units), covers, measure)
    frame = pd.DataFrame(
        {
            "code": [n for n, _t, _c in members],
            "theme": [t for _n, t, _c in members],
            column: pd.Series([v for v, _r in per_code], dtype=object),
            "reason": [r for _v, r in per_code],
        }
    )
    return frame, pooled


def _pooled_line(name: str, pooled: tuple[float | None, str | None]) -> str:
    return f"{name} over every code: {_shown(*pooled)}"


def krippendorff_1995(units: Units) -> NamedMethod:
    """|uα per code and pooled, documents laid end to end (:func:`agreement.boundary_alpha`)."""
    table, pooled = _by_code(units, stats.boundary_alpha, "alpha")
    return NamedMethod(
        "krippendorff-1995",
        "Krippendorff's unitizing alpha |uα (1995/2004)",
        "Per code, each coder's text is cut into the stretches they coded and the gaps "
        "between; the disagreement of two coders is the squared distance of the start and "
        "end of overlapping stretches, or a stretch's squared length where the other coder "
        "left a gap; alpha = 1 − observed / expected disagreement, pooled as 1 − ΣD_o / ΣD_e.",
        "Krippendorff, K. (1995). On the reliability of unitizing continuous data. "
        "Sociological Methodology 25: 47–76; Content Analysis, 2nd ed. (2004), §12.4.",
        [_pooled_line("|uα", pooled)],
        {"unitizing_1995": table},
    )


def atlas(units: Units) -> NamedMethod:
    """α-binary per code, cu-α per theme with two or more codes, Cu-α over the themes."""
    spans = _spans(units)
    binary, pooled = _by_code(units, stats.unitizing_alpha, "alpha_binary")
    docs = _double(units)
    lengths = units.documents["length"].to_numpy()
    base = np.zeros(len(lengths), dtype=np.int64)
    base[docs] = np.concatenate([[0], np.cumsum(lengths[docs])])[:-1]
    length = int(lengths[docs].sum())
    spans = spans[np.isin(spans["doc"].to_numpy(), docs)]
    start = base[spans["doc"].to_numpy()] + spans["start"].to_numpy()
    end = base[spans["doc"].to_numpy()] + spans["end"].to_numpy()
    laid = list(zip(spans["coder"], spans["code"], start, end, strict=True))
    themes = list(dict.fromkeys(t for _n, t, _c in _members(units)))
    rows = []
    for theme in themes:
        codes = {n for n, t, _c in _members(units) if t == theme}
        if len(codes) < 2:
            continue
        result = stats.coding_alpha([s for s in laid if s[1] in codes], length)
        rows.append(_row("cu-α", theme, len(codes), result))
    domains = {n: t for n, t, _c in _members(units)}
    whole = stats.coding_alpha(laid, length, domains=domains)
    cu = ", ".join(f"{r['theme']} {_shown(r['alpha'], r['reason'])}" for r in rows)
    summary = [
        _pooled_line("α-binary", pooled),
        f"cu-α per theme: {cu or 'no theme has two codes'}",
        f"Cu-α over the themes: {_shown(whole.value, whole.reason)}",
    ]
    rows.append(_row("Cu-α", "(every theme)", len(domains), whole))
    cu_table = pd.DataFrame(rows, columns=["measure", "theme", "codes", "alpha", "reason"])
    return NamedMethod(
        "atlas",
        "ATLAS.ti's unitizing alphas: α-binary, cu-α, Cu-α (2016)",
        "α-binary (per code): do coders agree on which stretches of text are relevant to the "
        "code, coded and uncoded text both counting (Krippendorff's |cuα over characters). "
        "cu-α (per theme, its codes taken as exclusive): on the stretches two or more coders "
        "coded within the theme, do they agree on which code? Cu-α: on stretches two or more "
        "coders coded, do they agree on which theme? Texts of the documents coded by two or "
        "more coders are laid end to end.",
        "Krippendorff, K., Mathet, Y., Bouvry, S. & Widlöcher, A. (2016). On the reliability "
        "of unitizing textual continua: further developments. Quality & Quantity 50: "
        "2347–2364; ATLAS.ti 9 manual, 'Methods for Testing ICA'.",
        summary,
        {"atlas_alpha_binary": binary, "atlas_cu_alpha": cu_table.astype({"alpha": object})},
    )


def _row(measure: str, theme: str, codes: int, result: stats.Agreement) -> dict[str, Any]:
    return {"measure": measure, "theme": theme, "codes": codes, "alpha": result.value,
            "reason": result.reason}  # fmt: skip


def _shown(value: float | None, reason: str | None = None) -> str:
    if value is None:
        return f"undefined ({reason})" if reason else "undefined"
    return figure(value)


# --- MAXQDA and NVivo: two coders at a time -------------------------------------------


def _pair_spans(units: Units, spans: pd.DataFrame, i: int, j: int, shared: np.ndarray) -> list:
    mine = spans[spans["coder"].isin([i, j]) & np.isin(spans["doc"].to_numpy(), shared)]
    names = units.documents["name"].to_numpy()
    return list(
        zip(names[mine["doc"].to_numpy()], np.array(units.coders)[mine["coder"].to_numpy()],
            mine["code"], mine["start"].astype(int), mine["end"].astype(int), strict=True)
    )  # fmt: skip


def maxqda(units: Units, overlap: float = 0.9) -> NamedMethod:
    """Presence, frequency and segment overlap (at ``overlap``) for each pair of coders."""
    spans = _spans(units)
    tables, overall, summary = [], [], []
    for i, j, shared in _pairs(units):
        a, b = units.coders[i], units.coders[j]
        rows = _pair_spans(units, spans, i, j, shared)
        parts = []
        for criterion in CRITERIA:
            result = stats.maxqda_agreement(rows, (a, b), criterion, overlap=overlap)
            tables.append(result.per_code.assign(coder_a=a, coder_b=b, criterion=criterion))
            kappa = result.kappa
            overall.append(
                {"coder_a": a, "coder_b": b, "criterion": criterion,
                 "percent": result.percent,
                 "kappa": kappa.value if kappa is not None else None,
                 "kappa_chance": kappa.details.get("expected") if kappa is not None else None,
                 "kappa_reason": kappa.reason if kappa is not None else None}
            )  # fmt: skip
            shown = figure(result.percent, True) if result.percent is not None else "undefined"
            if kappa is not None:
                shown += f", Brennan & Prediger kappa {_shown(kappa.value, kappa.reason)}"
            parts.append(f"{criterion} {shown}")
        summary.append(f"{a} × {b}: " + "; ".join(parts))
    columns = ["coder_a", "coder_b", "criterion", *MAXQDA_COLUMNS]
    per_code = (
        pd.concat(tables, ignore_index=True)[columns] if tables else pd.DataFrame(columns=columns)
    )
    return NamedMethod(
        "maxqda",
        f"MAXQDA's intercoder agreement (segment overlap at {overlap:.0%})",
        "Two coders at a time, per code: (1) presence: agreed when both used the code in "
        "a document; (2) frequency: agreed when both used it equally often there; (3) "
        f"segment overlap: each coded segment is agreed when the other coder has one of "
        f"the same code overlapping it by at least {overlap:.0%} of the two segments' joint "
        "extent. For the overlap criterion, kappa in the manner of Brennan & Prediger: "
        "κ = (P_o − P_c) / (1 − P_c) with P_o the share of agreed segments in the table's "
        "total row (each coder's segments counted) and P_c = 1/q, q the number of codes in "
        "the table, those either coder applied (chance agreement of q equally likely "
        "categories, since 'neither coder coded it' does not exist for segments).",
        "MAXQDA help, 'Intercoder agreement' (maxqda.com/help-mx24/coding/"
        "problem-intercoder-agreement-qualitative-research; help-max12-tag/intercoder-"
        "agreement); Brennan, R.L. & Prediger, D.J. (1981). Coefficient kappa: some uses, "
        "misuses, and alternatives. Educ. Psychol. Meas. 41: 687–699.",
        summary or ["no two coders share a document"],
        {"maxqda": per_code, "maxqda_overall": pd.DataFrame(overall, columns=[
            "coder_a", "coder_b", "criterion", "percent", "kappa", "kappa_chance",
            "kappa_reason"])},
    )  # fmt: skip


def nvivo(units: Units) -> NamedMethod:
    """NVivo's coding comparison per pair of coders, code and document, and per code."""
    spans = _spans(units)
    names = units.documents["name"].to_numpy()
    lengths = dict(zip(names, units.documents["length"].astype(int), strict=True))
    rows, by_code, summary = [], [], []
    for i, j, shared in _pairs(units):
        a, b = units.coders[i], units.coders[j]
        found = stats.nvivo_comparison(_pair_spans(units, spans, i, j, shared), lengths, (a, b))
        rows.append(found.assign(coder_a=a, coder_b=b))
        mean = stats.nvivo_summary(found).assign(coder_a=a, coder_b=b)
        by_code.append(mean)
        if len(mean):
            summary.append(
                f"{a} × {b}: {len(found)} code × document comparisons; per code, weighted by "
                f"document length, agreement {figure(mean['agreement'].min(), True)} to "
                f"{figure(mean['agreement'].max(), True)}, kappa median "
                f"{figure(float(mean['kappa'].median()))}"
            )
    columns = ["coder_a", "coder_b", *NVIVO_COLUMNS]
    summary_columns = ["coder_a", "coder_b", "code", "documents", "agreement", "kappa"]
    return NamedMethod(
        "nvivo",
        "NVivo's coding comparison (characters)",
        "Two coders at a time, per code and document that either coded: every character of "
        "the document is a unit, coded or not by each; agreement = (characters both coded "
        "+ characters neither coded) / document length; Cohen's kappa over the characters "
        "(shown as 1 where chance agreement is 1, as NVivo does). Per code, figures are "
        "averaged over documents weighted by their length.",
        "NVivo help (12–14), 'Run a coding comparison query'; Cohen, J. (1960). A "
        "coefficient of agreement for nominal scales. Educ. Psychol. Meas. 20: 37–46.",
        summary or ["no two coders share a coded document"],
        {
            "nvivo": pd.concat(rows, ignore_index=True)[columns] if rows else pd.DataFrame(
                columns=columns),
            "nvivo_by_code": pd.concat(by_code, ignore_index=True)[summary_columns]
            if by_code else pd.DataFrame(columns=summary_columns),
        },
    )  # fmt: skip


def run(units: Units, methods: Sequence[str], overlap: float = 0.9) -> list[NamedMethod]:
    """The requested methods in the order given (each once)."""
    lengths = units.documents["length"].to_numpy()
    partial = units.assigned & ((units.passages[:, :, 0] > 0) | (units.passages[:, :, 1] < lengths))
    makers = {
        "krippendorff-1995": krippendorff_1995,
        "atlas": atlas,
        "maxqda": lambda u: maxqda(u, overlap),
        "nvivo": nvivo,
    }
    found = [makers[key](units) for key in dict.fromkeys(methods)]
    if partial.any():
        for method in found:
            method.summary.append(
                "Passages: codings count only inside each coder's passage, but these "
                "methods take whole documents as their continuum, so text outside the "
                "passages counts as left uncoded by both; use the segment report for a sample."
            )
    return found
