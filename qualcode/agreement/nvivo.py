"""NVivo's coding comparison: agreement per code and document, character by character.

NVivo (help page "Run a coding comparison query", NVivo 12–14) compares two users (or
groups) per code and per source. Every character of the source is a unit, coded with
the code or not by each user, so

- agreement = (characters both coded + characters neither coded) / source length;
- A and B, not A and not B, A not B, B not A: those shares of the source;
- Cohen's kappa over the characters: κ = (p_o − p_e) / (1 − p_e),
  p_e = p_A p_B + (1 − p_A)(1 − p_B), p_A and p_B the shares each user coded.

Where neither user coded the code in a source (or both coded all of it) chance agreement
is 1 and kappa is 0/0; NVivo then reports 1, and so does this function, with
``kappa_note`` saying so. NVivo's summary over sources averages per-source figures
weighted by source length (:func:`nvivo_summary`).

Spans are ``(document, coder, code, start, end)``, end exclusive.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping

import pandas as pd

COLUMNS = [
    "code", "document", "length", "agreement", "a_and_b", "neither", "a_not_b", "b_not_a",
    "kappa", "kappa_note",
]  # fmt: skip


def _union(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def _shared(one: list[tuple[int, int]], two: list[tuple[int, int]]) -> int:
    total, j = 0, 0
    for start, end in one:
        while j < len(two) and two[j][1] <= start:
            j += 1
        k = j
        while k < len(two) and two[k][0] < end:
            total += min(end, two[k][1]) - max(start, two[k][0])
            k += 1
    return total


def nvivo_comparison(
    spans: Iterable[tuple[Hashable, Hashable, Hashable, int, int]],
    lengths: Mapping[Hashable, int],
    coders: tuple[Hashable, Hashable],
) -> pd.DataFrame:
    """One row per code × document that either user coded (module docstring for the
    columns; shares of the document's characters).

    >>> rows = [("d", "ann", "trust", 0, 50), ("d", "bo", "trust", 0, 40)]
    >>> nvivo_comparison(rows, {"d": 100}, ("ann", "bo"))["kappa"].round(3).tolist()
    [0.8]
    """
    found: dict[tuple[Hashable, Hashable], list[list[tuple[int, int]]]] = {}
    for document, coder, code, start, end in spans:
        if coder not in coders:
            continue
        if document not in lengths:
            raise ValueError(f"span in {document!r}, whose length is not given")
        length = lengths[document]
        start, end = max(0, start), min(end, length)
        if start < end:
            sides = found.setdefault((code, document), [[], []])
            sides[coders.index(coder)].append((start, end))
    rows = []
    for (code, document), (one, two) in found.items():
        a, b = _union(one), _union(two)
        size = lengths[document]
        both = _shared(a, b)
        p_a = sum(e - s for s, e in a) / size
        p_b = sum(e - s for s, e in b) / size
        p_both = both / size
        p_o = 1 - p_a - p_b + 2 * p_both
        p_e = p_a * p_b + (1 - p_a) * (1 - p_b)
        note = None
        if p_e >= 1 - 1e-15:
            kappa, note = 1.0, "chance agreement is 1 (as NVivo, kappa shown as 1)"
        else:
            kappa = (p_o - p_e) / (1 - p_e)
        rows.append(
            {
                "code": code,
                "document": document,
                "length": size,
                "agreement": p_o,
                "a_and_b": p_both,
                "neither": 1 - p_a - p_b + p_both,
                "a_not_b": p_a - p_both,
                "b_not_a": p_b - p_both,
                "kappa": kappa,
                "kappa_note": note,
            }  # fmt: skip
        )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values(["code", "document"], ignore_index=True)


def nvivo_summary(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per code, agreement and kappa averaged over documents weighted by their length."""
    weighted = comparison.assign(
        agreement=comparison["agreement"] * comparison["length"],
        kappa=comparison["kappa"] * comparison["length"],
    )
    sums = weighted.groupby("code")[["agreement", "kappa", "length"]].sum()
    out = pd.DataFrame(
        {
            "code": sums.index,
            "documents": comparison.groupby("code").size().to_numpy(),
            "agreement": (sums["agreement"] / sums["length"]).to_numpy(),
            "kappa": (sums["kappa"] / sums["length"]).to_numpy(),
        }
    )
    return out
