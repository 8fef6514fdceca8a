"""Agreement between coders: how far a team can trust its coding before analysing it.

Pure statistics on plain data (lists, NumPy arrays, pandas objects). Nothing here knows
about projects or databases, so every function works outside qualcode too.

Every statistic returns an :class:`Agreement`. Its ``value`` is a float, or ``None``
when the statistic is undefined for the data (no pairable values, one category
everywhere, chance agreement of 1); ``reason`` then says why in a sentence a report can
print. Undefined is never NaN and never an exception. Malformed input (ragged rows, a
negative count, an unknown level, text where numbers are needed) raises ``ValueError``.

Reliability data are coders × units, as Krippendorff (2011) and the ``krippendorff``
package lay them out: one row per coder, one column per unit, ``None`` or NaN where a
coder did not code a unit. Transpose a units × coders DataFrame with ``.T``.

======================  ==========================================================
percent_agreement       share of agreeing coder pairs per unit, averaged over units
cohen_kappa             two coders; chance from each coder's own distribution
fleiss_kappa            many coders, counts table; chance from the pooled distribution
krippendorff_alpha      any coders, missing values; nominal/ordinal/interval/ratio
gwet_ac1                many coders, missing values; stable when one category dominates
character_agreement     spans -> per category, the statistics above over characters
unitizing_alpha         spans -> Krippendorff's |cuα (2016; ATLAS.ti's α-binary)
boundary_alpha          spans -> Krippendorff's |uα of 1995/2004 (the book's)
coding_alpha            spans -> cu-α (which code) or Cu-α (which domain), 2016
maxqda_agreement        MAXQDA's presence / frequency / segment-overlap criteria
nvivo_comparison        NVivo's per code × document character comparison
alpha_interval          bootstrap interval of alpha (Hayes & Krippendorff 2007)
kappa_interval          bootstrap standard error and interval of kappa
======================  ==========================================================
"""

from .categorical import (
    LEVELS,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)
from .maxqda import MaxqdaAgreement, maxqda_agreement
from .nvivo import nvivo_comparison, nvivo_summary
from .result import Agreement
from .spans import CharacterAgreement, Span, UnitizingAlpha, character_agreement, unitizing_alpha
from .uncertainty import Interval, alpha_interval, kappa_interval
from .unitizing import boundary_alpha, coding_alpha

__all__ = [
    "LEVELS",
    "Agreement",
    "CharacterAgreement",
    "Interval",
    "MaxqdaAgreement",
    "Span",
    "UnitizingAlpha",
    "alpha_interval",
    "boundary_alpha",
    "character_agreement",
    "coding_alpha",
    "cohen_kappa",
    "fleiss_kappa",
    "gwet_ac1",
    "kappa_interval",
    "krippendorff_alpha",
    "maxqda_agreement",
    "nvivo_comparison",
    "nvivo_summary",
    "percent_agreement",
    "unitizing_alpha",
]
