"""Rule suggestions: codebook patterns matched in batches of segments, with evidence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from spacy.matcher import Matcher, PhraseMatcher

from qualcode.codebook import load_codebook
from qualcode.errors import QualcodeError
from qualcode.nlp import load_pipeline
from qualcode.suggest.batch import make_batch
from qualcode.suggest.data import CodeInfo
from qualcode.suggest.rules import RuleSuggester, expand, lemma_forms
from qualcode.suggest.training import score_texts

REPO = Path(__file__).resolve().parent.parent

SENTENCES = [
    "We don't go cap in hand any more: it's our own money.",
    "Our own budgets are small, but they are ours.",
    "The council officers speak their language, all acronyms.",
    "They talked the language of the wider determinants of health.",
    "I just trust Priya.",
    "Trusted partners knock on doors with us.",
    "The community development worker left, then the big local worker came.",
    "Are we clear about our roles?",
    "We ran it together, and we'll plan it together again.",
    "Nothing to see here.",
]


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def codes_of(*patterns_by_code) -> list[CodeInfo]:
    return [CodeInfo(f"c{j}", f"Code {j}", tuple(p)) for j, p in enumerate(patterns_by_code)]


def test_rules_match_a_phrase_in_any_case_with_its_words_as_evidence(nlp):
    rules = RuleSuggester(nlp, codes_of(["our own money", "cap in hand"]))
    batch = make_batch(nlp, SENTENCES)
    scores = rules.score(batch)
    assert scores[:, 0].tolist() == [2, 0, 0, 0, 0, 0, 0, 0, 0, 0]  # two patterns matched
    assert rules.evidence(batch, 0, 0) == {
        "matches": [
            {"text": "cap in hand", "pattern": "cap in hand"},
            {"text": "our own money", "pattern": "our own money"},
        ]
    }


def test_rules_match_token_patterns_on_lemmas_lists_and_optional_tokens(nlp):
    own = [{"LOWER": "our"}, {"LOWER": "own"}, {"LEMMA": {"IN": ["budget", "fund"]}}]
    speak = [{"LEMMA": {"IN": ["speak", "talk"]}}, {"LOWER": {"IN": ["their", "the"]}}]
    worker = [{"LOWER": {"IN": ["community", "big"]}}, {"OP": "?"}, {"LOWER": "worker"}]
    rules = RuleSuggester(nlp, codes_of([own], [speak + [{"LOWER": "language"}]], [worker]))
    batch = make_batch(nlp, SENTENCES)
    hits = rules.score(batch) > 0
    assert np.flatnonzero(hits[:, 0]).tolist() == [1]  # "Our own budgets": lemma, any case
    assert np.flatnonzero(hits[:, 1]).tolist() == [2, 3]  # speak their / talked the
    assert np.flatnonzero(hits[:, 2]).tolist() == [6]
    texts = [m["text"] for m in rules.evidence(batch, 6, 2)["matches"]]
    assert texts == ["community development worker", "big local worker"]


def test_rule_matching_agrees_with_spacy_on_the_example_codebook(nlp):
    """Same hits as spaCy's own Matcher with lemmas, on lower-cased text (ours ignores case)."""
    book = load_codebook(REPO / "codebook.yaml")
    codes = [CodeInfo(str(j), spec.name, tuple(spec.patterns)) for j, spec in enumerate(book.codes)]
    texts = [text.lower() for text in SENTENCES] + [
        e.lower() for s in book.codes for e in s.examples
    ]
    ours = RuleSuggester(nlp, codes).score(make_batch(nlp, texts)) > 0
    matcher, phrases = Matcher(nlp.vocab), PhraseMatcher(nlp.vocab, attr="LOWER")
    for j, code in enumerate(codes):
        for pattern in code.patterns:
            if isinstance(pattern, str):
                phrases.add(str(j), [nlp.make_doc(pattern)])
            else:
                matcher.add(str(j), [pattern])
    theirs = np.zeros_like(ours)
    for i, doc in enumerate(nlp.pipe(texts)):
        for key, _start, _end in matcher(doc) + phrases(doc):
            theirs[i, int(nlp.vocab.strings[key])] = True
    assert ours.sum() > 10
    assert (ours == theirs).all()


def test_a_lemma_stands_for_the_forms_the_lookup_table_gives_it():
    assert {"knock", "knocks", "knocked", "knocking"} <= lemma_forms("knock")
    assert "building" not in lemma_forms("building")  # the lookup lemma of "building" is build


def test_expand_keeps_what_it_cannot_compile_for_spacys_matcher():
    phrases, gapped, leftover = expand([{"LOWER": "wider"}, {"LEMMA": "determinant"}])
    assert ["wider", "determinants"] in phrases and not gapped and not leftover
    _, gapped, _ = expand([{"LOWER": "run"}, {"OP": "?"}, {"LOWER": "together"}])
    assert gapped == [(("run",), {}, ("together",))]
    pattern = [{"LOWER": "page"}, {"IS_DIGIT": True}]
    assert expand(pattern) == ([], [], [pattern])


def test_rules_pass_other_token_patterns_to_spacys_matcher(nlp):
    rules = RuleSuggester(nlp, codes_of([[{"LOWER": "page"}, {"IS_DIGIT": True}]]))
    batch = make_batch(nlp, ["See page 12.", "A page of notes."])
    assert rules.score(batch)[:, 0].tolist() == [1, 0]


def test_a_bad_token_pattern_names_its_code(nlp):
    with pytest.raises(QualcodeError, match=r"pattern 1 of code 'Code 0' is not a valid spaCy"):
        RuleSuggester(nlp, codes_of([[{"LOWER": {"FOO": 1}}]]))


def test_a_match_never_crosses_from_one_segment_into_the_next(nlp):
    rules = RuleSuggester(nlp, codes_of(["hand over"], [[{"LOWER": "cap"}, {}]]))
    batch = make_batch(nlp, ["We had to hand", "over the keys.", "Cap"])
    assert not rules.score(batch).any()


def test_a_batch_has_exactly_the_tokens_of_each_segment(nlp):
    texts = ["Hello there.", 'It\'s "ok"-ish.', "door-knocking", "two  spaces", "x\ty"]
    batch = make_batch(nlp, texts)
    for row, text in enumerate(texts):
        assert [t.text for t in batch.span(row)] == [t.text for t in nlp.make_doc(text)]
    assert (batch.segment_of_tokens() >= 0).sum() == sum(len(nlp.make_doc(t)) for t in texts)


def test_rules_match_the_same_without_docs_as_with_them(nlp):
    """``match_texts`` (word ids of chunks tokenized once, no Doc per batch) finds what
    the spaCy matchers find in a batch: in any case, after contractions and punctuation,
    across a line break or two spaces (spaCy makes a token of those) never."""
    book = load_codebook(REPO / "codebook.yaml")
    codes = [CodeInfo(str(j), spec.name, tuple(spec.patterns)) for j, spec in enumerate(book.codes)]
    examples = [e for spec in book.codes for e in spec.examples]
    texts = [*SENTENCES, *examples, *(t.upper() for t in examples), *(f"({t})" for t in examples)]
    texts += ["our own\nmoney", "our own  money", "our own money", "Our  own budget", "It rained."]
    rules = RuleSuggester(nlp, codes)
    every = rules.score(make_batch(nlp, texts))
    found = rules.match_texts(texts)
    assert (every > 0).sum() > 20 and np.array_equal(found, every)
    assert (found[-5:] > 0).any(axis=1).tolist() == [False, False, True, False, False]
    assert np.array_equal(score_texts(nlp, [rules], texts, processes=1)["rules"], every)
    # a pattern left to spaCy's Matcher needs Docs: the batches then
    loose = RuleSuggester(nlp, codes_of([[{"IS_DIGIT": True}]]))
    assert loose.match_texts(["7 days"]) is None
    assert score_texts(nlp, [loose], ["7 days", "a week"], processes=1)["rules"][:, 0].tolist() == [
        1,
        0,
    ]
