"""Word sequences found without spaCy Docs: the fast paths against plain computations."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from qualcode.codebook import load_codebook
from qualcode.nlp import load_pipeline
from qualcode.suggest.batch import make_batch
from qualcode.suggest.data import CodeInfo
from qualcode.suggest.phrases import BREAK, PhraseIndex
from qualcode.suggest.rules import RuleSuggester

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
ODD = [
    "", " ", "our own  money", "our own\nmoney", " lead", "trail ", "tab\there", "x",
    "no\u00a0break space", "em\u2003space", "Our Own Money", "end.\r\nnext", "our own money",
]  # fmt: skip


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def real_texts() -> list[str]:
    """Paragraphs of a real transcript (line breaks inside some) and the inquiry answers."""
    transcript = SHARED / "sample-transcripts" / "ukci-2025-01-16-traveller-movement.txt"
    answers = SHARED / "realdata" / "inquiry-double-coded" / "answers.jsonl"
    texts = transcript.read_text(encoding="utf-8").split("\n\n")
    texts += [json.loads(line)["text"] for line in answers.read_text(encoding="utf-8").splitlines()]
    return [text.strip() for text in texts if text.strip()][:600]


def plain_tokens(index: PhraseIndex, texts: list[str]) -> list[list[int]]:
    """The reference: each text's pieces between white space, each piece's tokens' ids;
    a single space is nothing, other white space a BREAK."""
    found = []
    for text in texts:
        ids: list[int] = []
        for piece in re.findall(r"\S+|\s+", text):
            if piece == " ":
                continue
            if piece.isspace():
                ids.append(BREAK)
            else:
                ids.extend(index.ids.get(word, -2) for word in index.tokenize(piece))
        found.append(ids)
    return found


@pytest.mark.parametrize("which", ["single spaces", "any white space"])
def test_tokens_of_many_texts_are_each_texts_own(nlp, which):
    index = PhraseIndex(lambda chunk: [t.lower_ for t in nlp.make_doc(chunk)])
    for words in (["our", "own", "money"], ["the"], ["trust"]):
        index.add(1, words)
    texts = real_texts() + ODD
    if which == "single spaces":
        texts = [" ".join(text.split()) for text in texts]
    for _again in range(2):  # the chunks tokenized, then remembered
        row, starts, ends = index.tokens(texts)
        assert [row[s:e].tolist() for s, e in zip(starts, ends, strict=True)] == plain_tokens(
            index, texts
        )
        assert (row[ends] == BREAK).all() and len(row) == ends[-1] + 1
    assert index.tokens([])[0].shape == (0,)


def test_rules_find_what_spacys_matchers_find_on_real_text(nlp):
    """The example codebook's patterns, each turned into words that real text might hold,
    over the real transcript: the same counts as spaCy's matchers on a Doc."""
    book = load_codebook(REPO / "codebook.yaml")
    codes = [CodeInfo(str(j), spec.name, tuple(spec.patterns)) for j, spec in enumerate(book.codes)]
    codes += [CodeInfo("w", "Words", ("the", "of the", "local government", "we have to"))]
    rules = RuleSuggester(nlp, codes)
    texts = real_texts() + ODD
    for part in (texts, [" ".join(text.split()) for text in texts]):
        found = rules.match_texts(part)
        assert found is not None and (found[:, -1] > 0).sum() > 100
        assert np.array_equal(found, rules.score(make_batch(nlp, part)))


def test_a_forked_worker_is_not_stuck_on_a_lock_held_at_the_fork(nlp):
    """A thread inside the rules' or the counts' caches when a scoring pool forks: the
    worker makes its own lock and starts the caches afresh, and counts the same."""
    import multiprocessing

    from qualcode.suggest.linear import _COUNTS, hashed_counts

    rules = RuleSuggester(nlp, [CodeInfo("w", "Words", ("our own money", "the"))])
    texts = real_texts()[:50] + ODD
    expected = rules.match_texts(texts), hashed_counts(texts)
    FORKED.update(rules=rules, texts=texts)  # what the worker inherits
    context = multiprocessing.get_context("fork")
    with rules.index._lock, _COUNTS._lock, context.Pool(1) as pool:  # as if a thread were in
        found = pool.apply_async(_match_and_count).get(timeout=60)
    assert np.array_equal(found[0], expected[0])
    assert (found[1] != expected[1]).nnz == 0


FORKED: dict = {}


def _match_and_count():
    from qualcode.suggest.linear import _count

    return FORKED["rules"].match_texts(FORKED["texts"]), _count(FORKED["texts"])
