"""Unitizing alphas of a project, per code and pooled: documents as one continuum."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import numpy as np
import pandas as pd

from .. import agreement as stats
from .units import Units


def unitizing_by_code(
    units: Units,
    codings: pd.DataFrame,
    covers: list[frozenset[uuid.UUID]],
    measure: Callable[..., stats.UnitizingAlpha] = stats.unitizing_alpha,
) -> tuple[list[tuple[float | None, str | None]], tuple[float | None, str | None]]:
    """Unitizing alpha per code and pooled (``measure``: the 2016 |cuα, or the 1995
    |uα of :func:`agreement.boundary_alpha`). Documents with the same coders are laid end
    to end as one continuum; where coders differ between documents, each set of coders
    is one continuum and the disagreements (weighted by the continuum's size) are
    summed."""
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
        result = measure(spans, length, coders=list(who), categories=range(len(covers)))
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
