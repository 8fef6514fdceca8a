"""The result every agreement statistic returns: a value, or why there is none."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Agreement:
    """One statistic's result: ``value`` (None when undefined) and, if so, ``reason``.

    ``details`` holds the parts a methods section reports, named per statistic:
    ``observed``/``expected`` agreement for the kappa family and AC1,
    ``observed_disagreement``/``expected_disagreement`` for the alphas, and counts
    such as ``units`` (units that entered the statistic).
    """

    statistic: str
    value: float | None
    reason: str | None = None
    details: Mapping[str, float] = field(default_factory=dict)

    @property
    def defined(self) -> bool:
        return self.value is not None

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.statistic}: undefined ({self.reason})"
        return f"{self.statistic} = {self.value:.3f}"


def _undefined(statistic: str, reason: str, **details: float) -> Agreement:
    return Agreement(statistic, None, reason, details)


def _show(label: Any) -> str:
    """repr of a label as the user wrote it: 1.0, not np.float64(1.0)."""
    return repr(label.item() if isinstance(label, np.generic) else label)
