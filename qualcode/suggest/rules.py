"""Rule suggestions: each code's ``patterns`` from the codebook, matched in every segment.

A plain phrase matches case-insensitively (spaCy ``PhraseMatcher`` on ``LOWER``); a
list is a spaCy ``Matcher`` token pattern. The evidence is the matched words and the
pattern that matched them, so a coder sees why.

Speed comes from compiling patterns before matching. spaCy's ``Matcher`` tries every
pattern at every token (and its ``IN`` test is a Python call each time), while the
``PhraseMatcher`` looks words up in one table whatever the number of phrases. So token
patterns made only of ``LOWER``/``LEMMA`` values (or ``IN`` lists of them), optional
``?`` tokens and ``{}`` wildcards are expanded into the word sequences they stand for;
the runs of words around a wildcard are matched as phrases and joined when exactly one
token lies between them. A ``LEMMA`` value stands for the words that the
lookup lemmatizer maps to it, taken in lower case, so unlike spaCy's own lookup the
case does not matter: "Trusted" opening a sentence matches ``{LEMMA: "trust"}``.
Any other pattern goes to the ``Matcher`` as written.
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from spacy.errors import MatchPatternError
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc
from spacy.util import load_language_data, registry

from ..errors import QualcodeError
from .base import SuggestContext, register_suggester
from .batch import Batch, rows_of
from .data import CodeInfo
from .phrases import PhraseIndex

MAX_VARIANTS = 400  # beyond this many word sequences, a pattern is matched as written
_WILDCARD: dict[str, Any] = {}
_ABSENT = None


@functools.cache
def _lemma_table() -> dict[str, str]:
    try:
        return load_language_data(registry.lookups.get("en")["lemma_lookup"])
    except (KeyError, ValueError, OSError):  # no spacy-lookups-data: every word is its lemma
        return {}


@functools.cache
def _forms_by_lemma() -> dict[str, frozenset[str]]:
    table = _lemma_table()
    forms: dict[str, set[str]] = defaultdict(set)
    for form, lemma in table.items():
        if form == form.lower():
            forms[lemma].add(form)
    return {lemma: frozenset(found) for lemma, found in forms.items()}


def lemma_of(word: str) -> str:
    """The lookup lemmatizer's lemma of ``word`` (itself when the table lacks it)."""
    return _lemma_table().get(word, word)


def lemma_forms(lemma: str) -> frozenset[str]:
    """Lower-case words whose lookup lemma is ``lemma`` (the lookup lemmatizer's rule:
    a word missing from the table is its own lemma)."""
    forms = _forms_by_lemma().get(lemma, frozenset())
    return forms | {lemma} if lemma_of(lemma) == lemma else forms


def _values(value: Any) -> set[str] | None:
    """``"x"`` or ``{IN: [x, y]}`` as a set of strings; None for anything else."""
    if isinstance(value, str):
        return {value}
    listed = value.get("IN") if isinstance(value, dict) and set(value) == {"IN"} else None
    if isinstance(listed, list) and all(isinstance(v, str) for v in listed):
        return set(listed)
    return None


def _token_options(spec: dict[str, Any]) -> list[Any] | None:
    """What one token of a pattern may be: word sets, the wildcard, or absent; None if other."""
    keys = set(spec) - {"OP"}
    if spec.get("OP") not in (None, "?") or not keys <= {"LOWER", "LEMMA"}:
        return None
    words: set[str] | None = None
    if "LOWER" in spec:
        words = _values(spec["LOWER"])
        if words is None:
            return None
    if "LEMMA" in spec:
        lemmas = _values(spec["LEMMA"])
        if lemmas is None:
            return None
        found = set().union(*(lemma_forms(lemma) for lemma in lemmas))
        words = found if words is None else words & found
    options: list[Any] = [_WILDCARD] if words is None else sorted(words)
    return options + [_ABSENT] if spec.get("OP") == "?" else options


Gapped = tuple[Any, ...]  # word tuples and _WILDCARD (exactly one token), in order


def expand(pattern: list[dict[str, Any]]) -> tuple[list[list[str]], list[Gapped], list[Any]]:
    """A token pattern as word sequences, gapped sequences (with one-token wildcards),
    and what is left for spaCy's Matcher: the pattern itself, if it cannot be expanded."""
    options = [_token_options(spec) for spec in pattern]
    if any(option is None for option in options):
        return [], [], [pattern]
    count = 1
    for option in options:
        count *= len(option)  # type: ignore[arg-type]
    if count > MAX_VARIANTS:
        return [], [], [pattern]
    phrases, gapped = [], []
    for variant in itertools.product(*options):  # type: ignore[arg-type]
        tokens = [token for token in variant if token is not _ABSENT]
        if all(token is _WILDCARD for token in tokens):
            if tokens:  # wildcards alone match anything: leave them to spaCy
                return [], [], [pattern]
            continue
        if _WILDCARD not in tokens:
            phrases.append(list(tokens))
            continue
        elements: list[Any] = []
        for token in tokens:
            if token is _WILDCARD:
                elements.append(_WILDCARD)
            elif elements and isinstance(elements[-1], tuple):
                elements[-1] += (token,)
            else:
                elements.append((token,))
        gapped.append(tuple(elements))
    return phrases, gapped, []


class RuleSuggester:
    """Matches every code's patterns; ``score`` counts each code's patterns that matched."""

    name = "rules"

    def __init__(self, nlp: Language, codes: Sequence[CodeInfo]) -> None:
        self.nlp = nlp
        self.codes = list(codes)
        self.phrase_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.matcher = Matcher(nlp.vocab)
        self.needs_lemmas = False
        self.keys: dict[int, tuple[int, int]] = {}  # match id -> (code, pattern)
        self.parts: dict[tuple[str, ...], int] = {}  # words -> match id of that part
        # anchor part -> [(code, pattern, wildcards before it, elements after it)]
        self.gapped: dict[int, list[tuple[int, int, int, Gapped]]] = defaultdict(list)
        # the same word sequences, found without Docs (``match_texts``)
        self.index = PhraseIndex(lambda chunk: [t.lower_ for t in nlp.make_doc(chunk)])
        for j, code in enumerate(self.codes):
            for p, pattern in enumerate(code.patterns):
                self._add(j, p, pattern)

    def _add(self, j: int, p: int, pattern: Any) -> None:
        key = f"qualcode-rule-{j}-{p}"
        self.keys[self.nlp.vocab.strings.add(key)] = (j, p)
        if isinstance(pattern, str):
            phrases = [[token.lower_ for token in self.nlp.make_doc(pattern.strip())]]
            gapped, leftover = [], []
        else:
            phrases, gapped, leftover = expand(pattern)
        if phrases:
            self.phrase_matcher.add(key, [self._phrase_doc(words) for words in phrases])
            for words in phrases:
                self.index.add(self.nlp.vocab.strings[key], words)
        for elements in gapped:
            parts = [self._part(e) for e in elements if e is not _WILDCARD]
            lead = next(k for k, e in enumerate(elements) if e is not _WILDCARD)
            anchor = parts[0]
            self.gapped[anchor].append((j, p, lead, elements[lead + 1 :]))
        if leftover:
            try:
                self.matcher.add(key, leftover)
            except (MatchPatternError, ValueError) as error:
                raise QualcodeError(
                    f"pattern {p + 1} of code {self.codes[j].name!r} is not a valid spaCy "
                    f"Matcher pattern ({str(error).splitlines()[0]}): fix it in codebook.yaml "
                    "and run `qualcode codebook sync`"
                ) from None
            self.needs_lemmas |= any("LEMMA" in token for token in leftover[0])

    def _part(self, words: tuple[str, ...]) -> int:
        """The match id of a run of words inside gapped patterns, added once."""
        if words not in self.parts:
            key = f"qualcode-part-{len(self.parts)}"
            self.phrase_matcher.add(key, [self._phrase_doc(list(words))])
            self.parts[words] = self.nlp.vocab.strings[key]
            self.index.add(self.parts[words], words)
        return self.parts[words]

    def _phrase_doc(self, words: list[str]) -> Doc:
        return Doc(self.nlp.vocab, words=words, spaces=[True] * len(words))

    def _spans(self, doc: Doc) -> list[tuple[int, int, int, int]]:
        """(code, pattern, start, end) of every match in the doc, gaps joined."""
        found = self._joined(self.phrase_matcher(doc), len(doc))
        if len(self.matcher):
            if self.needs_lemmas and "lemmatizer" in self.nlp.pipe_names:
                doc = self.nlp.get_pipe("lemmatizer")(doc)
            found.extend((*self.keys[key], s, e) for key, s, e in self.matcher(doc))
        return found

    def _joined(
        self, matches: Iterable[tuple[int, int, int]], length: int
    ) -> list[tuple[int, int, int, int]]:
        """(code, pattern, start, end) of the phrase matches (match id, start, end) and of
        the gapped patterns their parts make, in a row of ``length`` tokens."""
        found: list[tuple[int, int, int, int]] = []
        part_ends: dict[int, dict[int, int]] = defaultdict(dict)
        for key, start, end in matches:
            if key in self.keys:
                found.append((*self.keys[key], start, end))
            else:
                part_ends[key][start] = end
        for anchor, variants in self.gapped.items():
            anchors = part_ends.get(anchor)
            for j, p, lead, rest in variants if anchors else ():
                if any(e is not _WILDCARD and self.parts[e] not in part_ends for e in rest):
                    continue  # a part of it is nowhere in the text
                for start, end in anchors.items():
                    stop = self._follow(rest, end, part_ends)
                    if stop is not None and start - lead >= 0 and stop <= length:
                        found.append((j, p, start - lead, stop))
        return found

    def _follow(
        self, rest: Gapped, position: int, part_ends: dict[int, dict[int, int]]
    ) -> int | None:
        """Where the elements after an anchor end if they match from ``position``, else None."""
        for element in rest:
            if element is _WILDCARD:
                position += 1
            else:
                found = part_ends.get(self.parts[element], {}).get(position)
                if found is None:
                    return None
                position = found
        return position

    def matches(self, batch: Batch) -> np.ndarray:
        """Every match as rows of (segment row, code, pattern, start token, end token)."""
        return _rows(self._spans(batch.doc), batch.starts, batch.ends)

    def score(self, batch: Batch) -> np.ndarray:
        """(segments x codes): how many different patterns of each code matched."""
        return self._counted(self.matches(batch), len(batch))

    def match_texts(self, texts: Sequence[str]) -> np.ndarray | None:
        """``score`` of ``texts`` without making Docs (see ``phrases``); None when some
        pattern is left to spaCy's Matcher, which needs them."""
        if len(self.matcher):
            return None
        if not self.index.sought:
            return np.zeros((len(texts), len(self.codes)), dtype=np.float32)
        row, starts, ends = self.index.tokens(texts)
        return self._counted(_rows(self._joined(self.index.find(row), len(row)), starts, ends),
                             len(texts))  # fmt: skip

    def _counted(self, found: np.ndarray, count: int) -> np.ndarray:
        scores = np.zeros((count, len(self.codes)), dtype=np.float32)
        if len(found):
            pairs = np.unique(found[:, :3], axis=0)  # (row, code, pattern) once each
            np.add.at(scores, (pairs[:, 0], pairs[:, 1]), 1.0)
        return scores

    def evidence(self, batch: Batch, row: int, code: int) -> dict[str, Any]:
        """The matched words and the pattern each came from, in the order of the text."""
        found = self.matches(batch)
        found = found[(found[:, 0] == row) & (found[:, 1] == code)]
        seen, matches = set(), []
        for _row, _code, p, start, end in found[np.lexsort((found[:, 4], found[:, 3]))]:
            text = batch.doc[int(start) : int(end)].text
            if (text.lower(), p) not in seen:
                seen.add((text.lower(), p))
                matches.append({"text": text, "pattern": self.codes[code].patterns[p]})
        return {"matches": matches}


def _rows(
    found: list[tuple[int, int, int, int]], starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """Matches (code, pattern, start, end) as unique rows of (segment row, code, pattern,
    start, end), leaving out any that run from one segment into the next."""
    if not found:
        return np.zeros((0, 5), dtype=np.int64)
    table = np.array(found, dtype=np.int64)
    rows = rows_of(starts, ends, table[:, 2], table[:, 3])
    return np.unique(np.column_stack([rows, table])[rows >= 0], axis=0)


@register_suggester("rules", learns=False, help="the codebook's patterns (phrases, tokens)")
def build_rules(context: SuggestContext) -> RuleSuggester:
    return RuleSuggester(context.nlp, context.codes)
