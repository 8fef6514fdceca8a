"""What a suggester is, and the registry that names them (``--method rules``).

A suggester scores batches of segments against the leaf codes, purely (no database,
no writes), and explains one of its scores on demand. Storing suggestions is someone
else's job (``store``). Built-in suggesters register here like add-ons would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
from spacy.language import Language

from ..errors import QualcodeError
from .batch import Batch
from .data import CodeInfo, Corpus


@runtime_checkable
class Suggester(Protocol):
    """Scores segments for codes; ``score`` is pure, ``evidence`` says why for one pair.

    ``score`` returns a (segments x codes) float array on the suggester's own scale
    (rules: how many of a code's patterns matched; model: log-odds). ``combine`` maps
    these scales to probabilities, fitted on coded segments.
    """

    name: str
    codes: Sequence[CodeInfo]

    def score(self, batch: Batch) -> np.ndarray: ...

    def evidence(self, batch: Batch, row: int, code: int) -> dict[str, Any]: ...


@dataclass
class SuggestContext:
    """What a factory may use to build a suggester: the pipeline, codes, what to learn from."""

    nlp: Language
    codes: Sequence[CodeInfo]
    training: Corpus | None = None
    seed: int = 0
    options: dict[str, Any] = field(default_factory=dict)


SuggesterFactory = Callable[[SuggestContext], Suggester]


@dataclass(frozen=True)
class Registration:
    name: str
    factory: SuggesterFactory
    learns: bool  # needs coded segments (and is retrained when they change)
    help: str


SUGGESTERS: dict[str, Registration] = {}


def register_suggester(
    name: str, *, learns: bool, help: str
) -> Callable[[SuggesterFactory], SuggesterFactory]:
    """Register a factory under ``name``; the CLI's ``--method`` lists what is registered."""

    def decorate(factory: SuggesterFactory) -> SuggesterFactory:
        SUGGESTERS[name] = Registration(name, factory, learns, help)
        return factory

    return decorate


def get_suggester(name: str) -> Registration:
    try:
        return SUGGESTERS[name]
    except KeyError:
        known = ", ".join(sorted(SUGGESTERS))
        raise QualcodeError(f"no suggester {name!r}: choose one of {known}") from None
