"""The tables a lead acts on beside the per-code one: which coder drifts (coder × coder),
how each coder compares with the consensus, and which codes get confused."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from ..agreement.uncertainty import coincidences
from ..errors import NotFound
from .units import CODE, CONSENSUS, Units, load_units, unit_values

PAIR_COLUMNS = ["coder_a", "coder_b", "decisions", "percent", "kappa", "alpha"]
CONFUSED_COLUMNS = ["theme", "applied", "instead", "count"]
COINCIDENCE_COLUMNS = ["code", "kind", "value_a", "value_b", "coincidences"]


def _figures(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    """Percent, Cohen's kappa and nominal alpha of two coders' present/absent decisions (-1
    missing) over the decisions both made, from their 2 × 2 table (the closed forms of
    :func:`agreement.cohen_kappa` and :func:`agreement.krippendorff_alpha` for two coders
    and two values; tests check they agree)."""
    both = (a >= 0) & (b >= 0)
    cells = np.bincount(a[both] * 2 + b[both], minlength=4).astype(float)
    n00, n01, n10, n11 = cells
    units = cells.sum()
    out: dict[str, Any] = {"decisions": int(units)}
    if not units:
        return out | {"percent": None, "kappa": None, "alpha": None}
    observed = (n00 + n11) / units
    chance = ((n00 + n01) * (n00 + n10) + (n11 + n10) * (n11 + n01)) / units**2
    values = 2 * units  # pairable values; n_0 and n_1 of the coincidence matrix
    zeros, ones = 2 * n00 + n01 + n10, 2 * n11 + n01 + n10
    out["percent"] = float(observed)
    out["kappa"] = float((observed - chance) / (1 - chance)) if chance < 1 else None
    expected = 2 * zeros * ones
    out["alpha"] = float(1 - (values - 1) * 2 * (n01 + n10) / expected) if expected else None
    return out


def pairwise(coders: list[str], decisions: np.ndarray) -> pd.DataFrame:
    """Each pair of coders over every code × segment decision both made: with three or
    more coders, the pair whose figures fall below the others' shows a drifting coder."""
    rows = [
        {"coder_a": coders[i], "coder_b": coders[j]} | _figures(decisions[i], decisions[j])
        for i, j in itertools.combinations(range(len(coders)), 2)
    ]
    return pd.DataFrame(rows, columns=PAIR_COLUMNS).astype({"percent": object})


def stacked(values: list[tuple[np.ndarray, list[str], list[np.ndarray]]], n: int) -> np.ndarray:
    """Coders × (codes one by one × segments): 1 present, 0 absent, -1 missing."""
    parts = [np.where(vals >= 0, one, -1) for vals, _labels, members in values for one in members]
    return np.concatenate(parts, axis=1) if parts else np.zeros((n, 0), dtype=np.int64)


def versus_consensus(
    session: Session,
    units: Units,
    code: str | None,
    theme: str | None,
    documents: Any = None,
    where: Any = None,
) -> pd.DataFrame:
    """Each coder against the consensus coding, on the documents the consensus coded
    (those adjudicated), over every code × segment decision. Empty without a consensus."""
    try:
        both, _filters = load_units(
            session, [*units.coders, CONSENSUS], code, theme, documents, where
        )
    except NotFound:  # no consensus coder yet: nothing to compare
        return pd.DataFrame(columns=["coder", *PAIR_COLUMNS[2:]])
    k = len(units.coders)
    codings = both.codings
    mine = codings[codings["coder"] == k]
    if mine.empty:
        return pd.DataFrame(columns=["coder", *PAIR_COLUMNS[2:]])
    assigned = both.assigned.copy()
    assigned[k] = False
    assigned[k, mine["doc"].unique()] = True
    assigned[k] &= assigned[:k].any(axis=0)
    matrix = stacked(unit_values(both._replace(assigned=assigned)), k + 1)
    rows = [{"coder": name} | _figures(matrix[i], matrix[k]) for i, name in enumerate(units.coders)]
    return pd.DataFrame(rows, columns=["coder", *PAIR_COLUMNS[2:]])


def confused(
    units: Units, values: list[tuple[np.ndarray, list[str], list[np.ndarray]]]
) -> pd.DataFrame:
    """Per theme, which code one coder applied where another applied a different code of
    the theme instead (and not the first): counted per segment and ordered coder pair."""
    by_theme: dict[str, list[tuple[str, np.ndarray]]] = {}
    for variable, (vals, _labels, members) in zip(units.variables, values, strict=True):
        for name, present in zip(variable.members, members, strict=True):
            by_theme.setdefault(variable.theme, []).append((name, present & (vals >= 0)))
    rows = []
    for theme, codes in by_theme.items():
        if len(codes) < 2:
            continue
        names = [name for name, _p in codes]
        marks = np.stack([p for _n, p in codes]).astype(np.int64)  # codes × coders × segments
        counts = np.zeros((len(codes), len(codes)), dtype=np.int64)
        for i, j in itertools.permutations(range(marks.shape[1]), 2):
            only_i = marks[:, i, :] * (1 - marks[:, j, :])
            only_j = marks[:, j, :] * (1 - marks[:, i, :])
            counts += only_i @ only_j.T
        np.fill_diagonal(counts, 0)
        for a, b in zip(*np.nonzero(counts), strict=True):
            rows.append(
                {
                    "theme": theme,
                    "applied": names[a],
                    "instead": names[b],
                    "count": int(counts[a, b]),
                }
            )
    frame = pd.DataFrame(rows, columns=CONFUSED_COLUMNS)
    return frame.sort_values(["theme", "count"], ascending=[True, False], ignore_index=True)


def coincidence_tables(
    units: Units, values: list[tuple[np.ndarray, list[str], list[np.ndarray]]]
) -> pd.DataFrame:
    """Krippendorff's coincidence matrix behind each alpha: per code (absent/present) and
    per exclusive theme (which of its codes), as value × value counts of pairable values."""
    rows = []
    for variable, (vals, labels, _members) in zip(units.variables, values, strict=True):
        data = vals.astype(float)
        data[vals < 0] = np.nan
        table = coincidences(data)
        shown = [labels[int(v)] for v in table.labels]
        for a, b in zip(*np.nonzero(table.matrix), strict=True):
            rows.append(
                {
                    "code": variable.name,
                    "kind": variable.kind if variable.kind != CODE else "code",
                    "value_a": shown[a],
                    "value_b": shown[b],
                    "coincidences": float(table.matrix[a, b]),
                }
            )
    return pd.DataFrame(rows, columns=COINCIDENCE_COLUMNS)
