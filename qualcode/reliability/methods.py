"""A methods paragraph a lead can paste: who coded what, which statistics, how sure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import figure

if TYPE_CHECKING:  # units imports this module to put the paragraph in --json
    from .units import AgreementReport

_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _number(n: int) -> str:
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


def methods_paragraph(report: AgreementReport) -> str:
    """The report in sentences: coders, documents double-coded out of all, the unit,
    pooled alpha and kappa with their intervals and methods, the codes' spread.

    >>> methods_paragraph(report)  # doctest: +SKIP
    'Two coders independently coded 12 of 40 transcripts ...'
    """
    pooled = report.pooled
    coders = len(report.coders)
    double = int(report.by_document["document"].nunique()) if len(report.by_document) else 0
    unit = "segment" if report.unit == "segment" else "character"
    parts = [
        f"{_number(coders).capitalize()} coders ({', '.join(report.coders)}) independently "
        f"coded {double} of {report.documents} transcripts; agreement was computed over "
        f"{pooled['units']} {unit}s coded by two or more of them, each code a present/absent "
        f"decision per {unit} (an exclusive theme one variable with its codes as values)."
    ]
    if report.unit == "span":
        parts.append(
            "Characters are units: each character a coder marked with a code is present, "
            "every other character of the transcripts assigned to them absent."
        )
    pooled_alpha = _with_interval("Krippendorff's alpha (nominal)", pooled, "alpha", report)
    pooled_kappa = _with_interval(report.kappa_statistic, pooled, "kappa", report)
    parts.append(
        f"Pooled over {pooled['codes_one_by_one']} codes and {pooled['decisions']} decisions, "
        f"{pooled_alpha}; {pooled_kappa}; raw agreement {_or_undefined(pooled['percent'], True)}."
    )
    if pooled.get("median_alpha") is not None:
        parts.append(
            f"Per code, alpha had a median of {figure(pooled['median_alpha'])} "
            f"(mean {figure(pooled['mean_alpha'])}); alpha was undefined for "
            f"{pooled['undefined_alpha']} of {pooled['codes']} codes (for example a code nobody "
            "used)."
        )
    how = report.intervals
    if how:
        parts.append(
            f"Intervals are {how['confidence']:.0%} bootstrap intervals from "
            f"{how['resamples']} resamples (seed {how['seed']}): for alpha, "
            f"{how['alpha']}; for kappa, {how['kappa']}."
        )
    parts.append(
        "Following Krippendorff (2019), codes with alpha of .800 or more were taken as "
        "reliable and codes from .667 as fit for tentative conclusions only."
    )
    return " ".join(parts)


def _with_interval(name: str, pooled: dict[str, Any], key: str, report: AgreementReport) -> str:
    value = pooled.get(key)
    if value is None:
        return f"{name} was undefined ({pooled.get(f'{key}_reason')})"
    text = f"{name} was {figure(value)}"
    low, high = pooled.get(f"{key}_low"), pooled.get(f"{key}_high")
    if low is not None and high is not None and report.intervals:
        text += f" ({report.intervals['confidence']:.0%} CI {figure(low)} to {figure(high)}"
        below = pooled.get("alpha_below_800") if key == "alpha" else None
        text += f"; probability below .800: {figure(below)})" if below is not None else ")"
    return text


def _or_undefined(value: float | None, percent: bool = False) -> str:
    return "undefined" if value is None else figure(value, percent)
