"""MAXQDA's intercoder agreement: three criteria for two coders, and its kappa.

MAXQDA (help pages "Intercoder agreement", MAXQDA 12–24) compares two coders who coded
the same documents, code by code, by one of three criteria:

1. ``presence``: is the code in the document at all? Per document and code that either
   coder used, they agree when both used it.
2. ``frequency``: per document and code that either coder used, they agree when both
   used it equally often.
3. ``overlap``: per coded segment, of either coder, it is agreed when the other coder has
   a segment of the same code in the same document overlapping it by at least
   ``overlap`` (default 90%), measured as the shared characters over the characters
   either segment covers (a segment matching nothing, or too little, disagrees). Every
   segment is judged once from its own coder's side, so each coder's segments count.

Each gives a table per code (agree, disagree, total, percent) and an overall percent.
For the segment criterion MAXQDA adds a kappa "in the manner of Brennan & Prediger
(1981)": κ_n = (P_o − P_c) / (1 − P_c), where

- P_o is the percentage in the total row of the code-specific results table: agreed
  segments over all segments, each coder's segments counted (what ``percent`` holds);
- P_c = 1/q, q the number of codes in that table, that is the codes either coder
  applied in the documents compared (a code of the codebook neither used does not
  count). MAXQDA's help states this rule: chance agreement "is determined by the number
  of different categories used by the two coders", which "corresponds to the number of
  codes in the code-specific results table" (MAXQDA 12 and 2018 help, "Intercoder
  agreement"; Brennan & Prediger's free-marginal P_c = 1/q with q categories), because
  the cell "neither coder coded it" does not exist for segments.

Neither ../shared/AGREEMENT.md nor MAXQDA's help gives a worked kappa example; the tests
check the rule on a table counted by hand. Check it against the manual of the MAXQDA
version a study cites before calling figures identical.

Segments are ``(document, coder, code, start, end)``, end exclusive.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .result import Agreement, _undefined

CRITERIA = ("presence", "frequency", "overlap")
COLUMNS = ["code", "agree", "disagree", "total", "percent"]

Segment = tuple[Hashable, Hashable, Hashable, int, int]


@dataclass(frozen=True)
class MaxqdaAgreement:
    """One criterion's result: the per-code table, the overall percent, and (segment
    overlap only) the Brennan–Prediger kappa."""

    criterion: str
    per_code: pd.DataFrame
    percent: float | None
    kappa: Agreement | None = None


def maxqda_agreement(
    segments: Iterable[Segment],
    coders: tuple[Hashable, Hashable],
    criterion: str = "overlap",
    *,
    overlap: float = 0.9,
) -> MaxqdaAgreement:
    """Agreement between two coders by one of MAXQDA's criteria (module docstring).

    >>> rows = [("d", "ann", "trust", 0, 100), ("d", "bo", "trust", 5, 100)]
    >>> maxqda_agreement(rows, ("ann", "bo")).percent
    1.0
    """
    if criterion not in CRITERIA:
        raise ValueError(f"criterion must be one of {CRITERIA}, got {criterion!r}")
    if not 0 <= overlap <= 1:
        raise ValueError(f"overlap is a share between 0 and 1, got {overlap!r}")
    frame = pd.DataFrame(list(segments), columns=["document", "coder", "code", "start", "end"])
    frame = frame[frame["coder"].isin(coders)]
    if criterion == "overlap":
        judged = _overlap(frame, coders, overlap)
    else:
        judged = _per_document(frame, coders, criterion)
    table = judged.groupby("code", sort=True)["agree"].agg(["sum", "count"])
    per_code = pd.DataFrame(
        {
            "code": table.index,
            "agree": table["sum"].astype(int).to_numpy(),
            "disagree": (table["count"] - table["sum"]).astype(int).to_numpy(),
            "total": table["count"].astype(int).to_numpy(),
        },
        columns=COLUMNS[:4],
    )
    per_code["percent"] = per_code["agree"] / per_code["total"]
    total = int(per_code["total"].sum())
    percent = float(per_code["agree"].sum() / total) if total else None
    kappa = _brennan_prediger(percent, len(per_code)) if criterion == "overlap" else None
    return MaxqdaAgreement(criterion, per_code, percent, kappa)


def _per_document(frame: pd.DataFrame, coders: tuple[Hashable, Hashable], how: str) -> pd.DataFrame:
    counts = frame.groupby(["document", "code", "coder"]).size().unstack("coder", fill_value=0)
    counts = counts.reindex(columns=list(coders), fill_value=0)
    a, b = counts[coders[0]].to_numpy(), counts[coders[1]].to_numpy()
    agree = (a > 0) & (b > 0) if how == "presence" else a == b
    out = counts.reset_index()[["document", "code"]]
    out["agree"] = agree
    return out


def _overlap(frame: pd.DataFrame, coders: tuple[Hashable, Hashable], rule: float) -> pd.DataFrame:
    rows = []
    for (_document, code), group in frame.groupby(["document", "code"], sort=False):
        sides = [group[group["coder"] == c][["start", "end"]].to_numpy(float) for c in coders]
        for mine, theirs in (sides, sides[::-1]):
            for start, end in mine:
                rows.append((code, _matched(start, end, theirs, rule)))
    return pd.DataFrame(rows, columns=["code", "agree"])


def _matched(start: float, end: float, theirs: np.ndarray, rule: float) -> bool:
    if not len(theirs):
        return False
    shared = np.minimum(end, theirs[:, 1]) - np.maximum(start, theirs[:, 0])
    union = np.maximum(end, theirs[:, 1]) - np.minimum(start, theirs[:, 0])
    ok = shared > 0
    return bool((ok & (shared >= rule * union)).any())


def _brennan_prediger(percent: float | None, codes: int) -> Agreement:
    name = "Brennan & Prediger's kappa (MAXQDA)"
    if percent is None:
        return _undefined(name, "no coded segment to compare")
    if codes < 2:
        return _undefined(name, "one code only, so chance agreement 1/q is 1")
    chance = 1 / codes
    details = {"observed": percent, "expected": chance, "categories": codes}
    return Agreement(name, (percent - chance) / (1 - chance), details=details)
