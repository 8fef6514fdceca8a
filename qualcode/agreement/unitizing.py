"""Krippendorff's unitizing alphas beside the 2016 |cuα of :mod:`.spans`.

- :func:`boundary_alpha` is the |uα of Krippendorff (1995, "On the reliability of
  unitizing continuous data", Sociological Methodology 25: 47–76) as *Content Analysis*
  (2nd ed., 2004, §12.4) computes it: squared distances between the boundaries of units
  that overlap, a unit's squared length when it lies in the other coder's gap.
- :func:`coding_alpha` is the cu-α and Cu-α of Krippendorff, Mathet, Bouvry & Widlöcher
  (2016, "On the reliability of unitizing textual continua: further developments",
  Quality & Quantity 50: 2347–2364), which ATLAS.ti reports beside its α-binary (the
  per-code |cuα of :func:`.spans.unitizing_alpha`): given the stretches two or more
  coders coded within a semantic domain, do they agree on *which* code (cu-α), or, with
  the domains themselves as values, on which domain (Cu-α)?

Spans are ``(coder, category, start, end)`` as in :mod:`.spans`, end exclusive.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np

from .categorical import krippendorff_alpha
from .result import Agreement, _undefined
from .spans import Span, UnitizingAlpha, _span_table, pooled_alpha


def boundary_alpha(
    spans: Iterable[Span],
    length: int,
    begin: int = 0,
    *,
    coders: Sequence[Hashable] | None = None,
    categories: Sequence[Hashable] | None = None,
) -> UnitizingAlpha:
    """Krippendorff's (1995; 2004) |uα per category and pooled, from unit boundaries.

    Per category c, each coder's continuum [begin, begin + L) is cut into units (their
    spans of c, overlapping ones merged) and gaps (everything else). For a unit g of one
    coder and a segment h of another the distance is (b_g − b_h)² + (e_g − e_h)² when
    both are units and overlap, l_g² when g lies inside a gap h (and l_h² the other way
    round), else 0. With m coders,

    - D_o(c) = Σ_{i≠j} Σ_g Σ_h δ²(g, h) / (m (m − 1) L²);
    - D_e(c) = (2/L) Σ_units [(N_c − 1)(2l³ − 3l² + l)/3 + l² Σ_{gaps ≥ l} (gap − l + 1)]
      / (mL(mL − 1) − Σ_units l(l − 1)), over every coder's units and gaps of c, N_c
      their number of units;
    - α(c) = 1 − D_o(c)/D_e(c), and pooled α = 1 − Σ_c D_o / Σ_c D_e.

    Krippendorff's 2004 worked example (pp. 251–256) gives α(c) = .7286 and pooled
    .8591 (the tests reproduce it). Krippendorff et al. (2016) replaced this coefficient
    by |cuα because it misbehaves with more than two coders; it is here for studies
    that report the book's version. Returns the same shape as ``unitizing_alpha``.

    >>> spans = [("i", "c", 75, 145), ("j", "c", 70, 150)]
    >>> round(boundary_alpha(spans, length=300).by_category["c"].value, 3)
    0.988
    """
    name = "Krippendorff's |uα (1995)"
    end = begin + length
    coder_list, category_list, units = _span_table(spans, begin, end, coders, categories)
    m = len(coder_list)
    parts = {
        c: _boundary_parts([units.get((k, c), []) for k in coder_list], begin, length)
        for c in category_list
    }
    return pooled_alpha(name, parts, m, length)


def _gaps(mine: list[list[int]], begin: int, length: int) -> list[int]:
    edges = [begin, *(x for unit in mine for x in unit), begin + length]
    return [b - a for a, b in zip(edges[::2], edges[1::2], strict=True) if b > a]


def _boundary_parts(
    per_coder: list[list[list[int]]], begin: int, length: int
) -> tuple[float, float, int]:
    """(D_o, D_e, characters marked) of one category; per_coder: each coder's units."""
    m = len(per_coder)
    lengths = np.array([e - s for mine in per_coder for s, e in mine], dtype=float)
    marked = int(lengths.sum())
    if m < 2 or length <= 0 or marked == 0:
        return 0.0, 0.0, marked
    observed = 0.0
    for i in range(m):
        for j in range(i + 1, m):
            observed += 2 * _pair_distance(per_coder[i], per_coder[j])
    observed /= m * (m - 1) * float(length) ** 2
    gaps = np.sort(np.array([g for mine in per_coder for g in _gaps(mine, begin, length)]))
    tail = np.concatenate([[0.0], np.cumsum(gaps[::-1])])[::-1]  # Σ of gaps[k:]
    total = 0.0
    count = len(lengths)
    for unit in lengths:
        first = int(np.searchsorted(gaps, unit, side="left"))
        fitting = len(gaps) - first
        room = tail[first] - fitting * (unit - 1)  # Σ over gaps ≥ l of (gap − l + 1)
        total += (count - 1) * (2 * unit**3 - 3 * unit**2 + unit) / 3 + unit**2 * room
    denominator = m * length * (m * length - 1) - float((lengths * (lengths - 1)).sum())
    if denominator <= 0:
        return observed, 0.0, marked
    return observed, 2 / length * total / denominator, marked


def _pair_distance(one: list[list[int]], two: list[list[int]]) -> float:
    """Σ δ² over one coder's and another's segments, each unordered pair once."""
    a = np.array(one, dtype=float).reshape(-1, 2)
    b = np.array(two, dtype=float).reshape(-1, 2)
    overlap = (a[:, None, 0] < b[None, :, 1]) & (b[None, :, 0] < a[:, None, 1])
    starts = (a[:, None, 0] - b[None, :, 0]) ** 2
    ends = (a[:, None, 1] - b[None, :, 1]) ** 2
    both = float(((starts + ends) * overlap).sum())
    alone_a = ((a[:, 1] - a[:, 0]) ** 2)[~overlap.any(axis=1)].sum()
    alone_b = ((b[:, 1] - b[:, 0]) ** 2)[~overlap.any(axis=0)].sum()
    return both + float(alone_a) + float(alone_b)


def coding_alpha(
    spans: Iterable[Span],
    length: int,
    begin: int = 0,
    *,
    domains: Mapping[Hashable, Hashable] | None = None,
    coders: Sequence[Hashable] | None = None,
) -> Agreement:
    """cu-α (which code, within a domain) or Cu-α (which domain) on coded stretches.

    Only characters that two or more coders coded with a category count (what was coded
    at all is α-binary's question, not this one). Each such character is a unit whose
    value, for each coder, is the category they gave it, or with ``domains`` (category
    -> domain) the domain; a coder who gave it two values has the combined value
    ``"A + B"`` (a disagreement with anyone who gave one). Alpha is the nominal
    Krippendorff's alpha over these units, characters weighted alike, which is how the
    2016 paper weights coincidences by the length of overlapping stretches. For cu-α,
    pass the spans of one domain's codes (mutually exclusive by design); for Cu-α, pass
    every span and ``domains``.

    >>> spans = [("i", "a", 0, 10), ("j", "a", 0, 6), ("j", "b", 6, 10)]
    >>> round(coding_alpha(spans, length=10).value, 4)
    -0.1875
    """
    name = "cu-α" if domains is None else "Cu-α"
    end = begin + length
    coder_list, category_list, units = _span_table(spans, begin, end, coders, None)
    values = [domains.get(c, c) for c in category_list] if domains else list(category_list)
    names = list(dict.fromkeys(values))
    size = max(length, 0)
    masks = np.zeros((len(coder_list), size), dtype=np.int64)
    for row, coder in enumerate(coder_list):
        for category, value in zip(category_list, values, strict=True):
            bit = 1 << names.index(value)
            for start, stop in units.get((coder, category), []):
                masks[row, start - begin : stop - begin] |= bit
    coded = (masks > 0).sum(axis=0) >= 2
    if not coded.any():
        return _undefined(name, "no stretch was coded by two or more coders")
    chosen = masks[:, coded]
    found, where = np.unique(chosen, return_inverse=True)
    shown = [
        None if mask == 0 else " + ".join(str(v) for k, v in enumerate(names) if mask >> k & 1)
        for mask in found
    ]
    data = np.array(shown, dtype=object)[where.reshape(chosen.shape)]
    result = krippendorff_alpha(data)
    return Agreement(name, result.value, result.reason, result.details)
