"""Agreement on spans that coders mark on a continuum (a document's characters)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .categorical import cohen_kappa, fleiss_kappa, krippendorff_alpha, percent_agreement
from .result import Agreement, _undefined

# A span marked by a coder: (coder, category, start, end), end exclusive.
Span = tuple[Hashable, Hashable, int, int]


@dataclass(frozen=True)
class UnitizingAlpha(Agreement):
    """:func:`unitizing_alpha`: pooled ``value`` plus one :class:`Agreement` per category."""

    by_category: Mapping[Hashable, Agreement] = field(default_factory=dict)


@dataclass(frozen=True)
class CharacterAgreement:
    """Character-level agreement on one category (see :func:`character_agreement`)."""

    category: Hashable
    percent: Agreement
    kappa: Agreement  # Cohen's kappa with two coders, Fleiss' kappa with more
    alpha: Agreement  # nominal Krippendorff's alpha
    marked: Mapping[Hashable, int]  # characters each coder marked with the category


# --- spans on a continuum -------------------------------------------------------------


def _span_table(
    spans: Iterable[Span],
    begin: int,
    end: int,
    coders: Sequence[Hashable] | None,
    categories: Sequence[Hashable] | None,
) -> tuple[list[Hashable], list[Hashable], dict[tuple[Hashable, Hashable], list[list[int]]]]:
    """Clip spans to [begin, end), merge one coder's overlapping spans of a category."""
    found: dict[tuple[Hashable, Hashable], list[tuple[int, int]]] = {}
    seen_coders: dict[Hashable, None] = dict.fromkeys(coders or ())
    seen_categories: dict[Hashable, None] = dict.fromkeys(categories or ())
    for coder, category, start, stop in spans:
        if stop < start:
            raise ValueError(f"span {(coder, category, start, stop)!r} ends before it starts")
        if coders is not None and coder not in seen_coders:
            raise ValueError(f"span {(coder, category, start, stop)!r}: coder not in coders")
        seen_coders.setdefault(coder)
        if categories is not None and category not in seen_categories:
            continue
        seen_categories.setdefault(category)
        start, stop = max(start, begin), min(stop, end)
        if start < stop:
            found.setdefault((coder, category), []).append((start, stop))
    merged = {key: _merge(ranges) for key, ranges in found.items()}
    return list(seen_coders), list(seen_categories), merged


def _merge(ranges: list[tuple[int, int]]) -> list[list[int]]:
    """Union of overlapping ranges; ranges that only touch stay separate units."""
    out: list[list[int]] = []
    for start, stop in sorted(ranges):
        if out and start < out[-1][1]:
            out[-1][1] = max(out[-1][1], stop)
        else:
            out.append([start, stop])
    return out


def _coverage_pairs(units: list[list[int]]) -> int:
    """Σ over characters of k(k − 1), k = coders marking it: ordered coder pairs overlapping."""
    if not units:
        return 0
    bounds = np.array(units, dtype=np.int64)
    position = np.concatenate([bounds[:, 0], bounds[:, 1]])
    step = np.concatenate([np.ones(len(bounds), np.int64), -np.ones(len(bounds), np.int64)])
    by_position = np.argsort(position, kind="stable")
    position, covered = position[by_position], np.cumsum(step[by_position])[:-1]
    return int(np.diff(position) @ (covered * (covered - 1)))


def unitizing_alpha(
    spans: Iterable[Span],
    length: int,
    begin: int = 0,
    *,
    coders: Sequence[Hashable] | None = None,
    categories: Sequence[Hashable] | None = None,
) -> UnitizingAlpha:
    """Krippendorff's |cuα: how reliably coders mark the stretches of one category.

    ``spans`` holds ``(coder, category, start, end)`` on the continuum
    [begin, begin + length), end exclusive (character offsets of a transcript). For
    each category c the continuum becomes binary: each coder's spans of c are units,
    everything else (unmarked text, other categories) is gap. With m coders, L the
    length, l_uu = Σ_{i≠j} |U_i ∩ U_j| / (m − 1) characters marked by both coders of an
    ordered pair, T = Σ_i |U_i| and l.. = mL, the observed coincidences are
    l_ug = l_gu = T − l_uu; the expected ones pair characters at random except within
    one unit: ε_ug = l.. T (l.. − T) / (l..² − Σ ℓ² − (l.. − T)), Σ ℓ² over all
    units' lengths (a unit is indivisible; gap characters are not). Then
    |cuα = 1 − l_ug / ε_ug (Krippendorff, Mathet, Bouvry & Widlöcher 2016, "On the
    reliability of unitizing textual continua: further developments", Quality &
    Quantity 50: 2347–2364; Krippendorff 2019, *Content Analysis*, 4th ed., §12.6).
    This replaces the squared-boundary-distance uα of Krippendorff (1995, "On the
    reliability of unitizing continuous data", Sociological Methodology 25: 47–76;
    2004), which the 2016 paper found to misbehave with more than two coders.

    ``value`` pools the categories: 1 − Σ_c D_o(c) / Σ_c D_e(c), each category's
    disagreements weighted alike. It is not the multi-valued uα of the 2016 paper,
    which assumes a coder's spans of different categories never overlap; in
    qualitative coding they often do.

    Overlap rules: a coder's spans of one category that share a character are merged
    into one unit (a character is marked or not); spans that only touch (one ends
    where the next starts) stay two units. Spans of different categories are
    independent. Spans are clipped to the continuum; what falls outside is ignored,
    and a span with ``end < start`` raises ``ValueError``. ``coders`` lists every
    coder, including any who marked nothing (their whole continuum is gap); by
    default, the coders seen in ``spans``. ``categories`` limits or extends the
    categories reported (spans of others are ignored); by default, those seen.

    >>> result = unitizing_alpha([("ann", "trust", 0, 4), ("bo", "trust", 2, 6)], length=10)
    >>> round(result.by_category["trust"].value, 3)
    0.258
    """
    name = "Krippendorff's |cuα"
    end = begin + length
    coder_list, category_list, units = _span_table(spans, begin, end, coders, categories)
    m = len(coder_list)
    parts = {c: _category_disagreement(units, coder_list, c, length) for c in category_list}
    return pooled_alpha(name, parts, m, length)


def pooled_alpha(
    name: str, parts: Mapping[Hashable, tuple[float, float, int]], m: int, length: int
) -> UnitizingAlpha:
    """Per category α from its (D_o, D_e, marked), and pooled 1 − Σ D_o / Σ D_e."""
    by_category = {c: _alpha_from(name, c, part, m, length) for c, part in parts.items()}
    if m < 2:
        return UnitizingAlpha(name, None, f"needs two or more coders, got {m}", {}, by_category)
    if length <= 0:
        return UnitizingAlpha(name, None, "the continuum is empty", {}, by_category)
    observed = sum(p[0] for p in parts.values())
    expected = sum(p[1] for p in parts.values())
    if expected == 0:
        reason = "no category has a disagreement expected by chance (see by_category)"
        return UnitizingAlpha(name, None, reason, {}, by_category)
    details = {"observed_disagreement": observed, "expected_disagreement": expected}
    return UnitizingAlpha(name, 1 - observed / expected, None, details, by_category)


def _category_disagreement(
    units: Mapping[tuple[Hashable, Hashable], list[list[int]]],
    coders: list[Hashable],
    category: Hashable,
    length: int,
) -> tuple[float, float, int]:
    """(D_o, D_e, characters marked over all coders) of one category's binary continuum."""
    m = len(coders)
    if m < 2 or length <= 0:
        return 0.0, 0.0, 0
    mine = [units.get((coder, category), []) for coder in coders]
    every = [unit for coder_units in mine for unit in coder_units]
    marked = sum(stop - start for start, stop in every)
    l_all = m * length
    both = _coverage_pairs(every) / (m - 1)
    squares = sum((stop - start) ** 2 for start, stop in every)
    denominator = l_all * l_all - squares - (l_all - marked)
    if marked in (0, l_all) or denominator <= 0:
        return 0.0, 0.0, marked
    expected = l_all * marked * (l_all - marked) / denominator  # ε_ug = ε_gu
    return 2 * (marked - both) / l_all, 2 * expected / l_all, marked


def _alpha_from(
    name: str, category: Hashable, part: tuple[float, float, int], m: int, length: int
) -> Agreement:
    d_o, d_e, marked = part
    if m < 2:
        return _undefined(name, f"needs two or more coders, got {m}")
    if length <= 0:
        return _undefined(name, "the continuum is empty")
    if marked == 0:
        return _undefined(name, f"no coder marked {category!r} inside the continuum")
    if d_e == 0:
        reason = f"every coder marked the whole continuum as {category!r}, so no disagreement"
        return _undefined(name, f"{reason} is expected by chance", marked=marked)
    details = {"observed_disagreement": d_o, "expected_disagreement": d_e, "marked": marked}
    return Agreement(name, 1 - d_o / d_e, details=details)


def character_agreement(
    spans: Iterable[Span],
    length: int,
    begin: int = 0,
    *,
    coders: Sequence[Hashable] | None = None,
    categories: Sequence[Hashable] | None = None,
) -> dict[Hashable, CharacterAgreement]:
    """Per category, agreement over characters: each character is a unit, marked or not.

    Every character of [begin, begin + length) counts, including those no coder
    marked, so percent agreement runs high on long texts; the kappa (Cohen's with two
    coders, Fleiss' with more) and the nominal alpha correct for that. Spans follow
    the rules of :func:`unitizing_alpha` (clipped, a coder's overlapping spans of a
    category merged). Unlike |cuα, a unit's length plays no part here. Returns one
    :class:`CharacterAgreement` per category.

    >>> spans = [("ann", "trust", 0, 4), ("bo", "trust", 2, 6)]
    >>> round(character_agreement(spans, length=10)["trust"].kappa.value, 3)
    0.167
    """
    end = begin + length
    coder_list, category_list, units = _span_table(spans, begin, end, coders, categories)
    size = max(length, 0)
    results = {}
    for category in category_list:
        marks = np.zeros((len(coder_list), size), dtype=bool)
        for row, coder in enumerate(coder_list):
            for start, stop in units.get((coder, category), []):
                marks[row, start - begin : stop - begin] = True
        if len(coder_list) == 2:
            kappa = cohen_kappa(marks[0], marks[1])
        else:
            chosen = marks.sum(axis=0)
            kappa = fleiss_kappa(np.column_stack([len(coder_list) - chosen, chosen]))
        results[category] = CharacterAgreement(
            category=category,
            percent=percent_agreement(marks),
            kappa=kappa,
            alpha=krippendorff_alpha(marks),
            marked=dict(zip(coder_list, (int(n) for n in marks.sum(axis=1)), strict=True)),
        )
    return results
