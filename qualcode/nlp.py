"""The spaCy pipeline qualcode uses, built once per process.

qualcode must work with no downloaded model, so the default is ``spacy.blank("en")``
with the rule-based ``sentencizer`` and the lookup ``lemmatizer`` (tables from
``spacy-lookups-data``). A trained pipeline is used only when the user names one that
is installed. Segmentation needs sentence boundaries and nothing else, so
:func:`segmentation_disabled` tells callers which pipes to switch off per call.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError

if TYPE_CHECKING:  # spaCy takes seconds to import: only commands that use it load it
    from spacy.language import Language

DEFAULT_PIPELINE = "blank"

# What a component must declare in its ``assigns`` to count as setting sentence starts.
_SENTENCE_ASSIGNS = frozenset({"token.is_sent_start", "doc.sents"})
# Shared embedding layers that sentence components of trained pipelines listen to.
_EMBEDDING_FACTORIES = frozenset({"tok2vec", "transformer", "curated_transformer"})
# Cheapest first: a user who added a sentencizer wants it, and the parser costs most.
_SENTENCE_PREFERENCE = ("sentencizer", "senter", "parser")


def load_pipeline(name: str | None = None) -> Language:
    """The pipeline that segments and lemmatises, built once per process and name.

    ``None`` or ``"blank"`` gives the no-download default; any other name must be an
    installed spaCy package (``en_core_web_sm``) or a pipeline directory. The result
    is shared between callers, so do not add pipes to it (use :func:`build_pipeline`).

    >>> nlp = load_pipeline()
    >>> [t.lemma_ for t in nlp("running")]
    ['run']
    """
    return _cached(name or DEFAULT_PIPELINE)


def build_pipeline(name: str | None = None) -> Language:
    """A new pipeline every call, for callers that change it or need a cold one."""
    import spacy

    name = name or DEFAULT_PIPELINE
    if name == DEFAULT_PIPELINE:
        return _blank_pipeline()
    if not (spacy.util.is_package(name) or Path(name).is_dir()):
        raise QualcodeError(
            f'spaCy pipeline "{name}" is not installed, and models cannot be downloaded '
            f'here: use the default pipeline ("{DEFAULT_PIPELINE}") or install it '
            f"with pip install {name}"
        )
    nlp = spacy.load(name)
    _ensure_sentences(nlp)
    return nlp


# Keyed on the normalised name, so None and "blank" share one pipeline.
_cached = functools.lru_cache(maxsize=8)(build_pipeline)


def _blank_pipeline() -> Language:
    """English tokenizer + rule sentencizer + lookup lemmas: no model needed."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lemma_lookup table from spacy-lookups-data
    return nlp


def _ensure_sentences(nlp: Language) -> None:
    """Give a trained pipeline sentence boundaries if it would otherwise have none."""
    if sentence_pipe(nlp) is not None:
        return
    if "senter" in nlp.disabled:  # trained pipelines ship it switched off
        nlp.enable_pipe("senter")
    else:
        nlp.add_pipe("sentencizer", first=True)


def sentence_pipe(nlp: Language) -> str | None:
    """Name of the enabled component that will set sentence starts, or ``None``."""
    setters = [
        name for name in nlp.pipe_names if _SENTENCE_ASSIGNS & set(nlp.get_pipe_meta(name).assigns)
    ]
    for preferred in _SENTENCE_PREFERENCE:
        if preferred in setters:
            return preferred
    return setters[0] if setters else None


def segmentation_disabled(nlp: Language) -> list[str]:
    """Pipes that segmentation can skip: all but the sentence setter and what feeds it.

    Pass the result as ``nlp.pipe(texts, disable=...)``; unlike ``select_pipes`` it
    changes nothing on the shared pipeline, so a half-read generator leaves no trace.
    """
    keep = sentence_pipe(nlp)
    if keep is None:
        return list(nlp.pipe_names)
    needed = {keep}
    if nlp.get_pipe_meta(keep).factory != "sentencizer":
        position = nlp.pipe_names.index(keep)
        needed.update(
            name
            for name in nlp.pipe_names[:position]
            if nlp.get_pipe_meta(name).factory in _EMBEDDING_FACTORIES
        )
    return [name for name in nlp.pipe_names if name not in needed]
