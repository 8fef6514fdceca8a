"""The speaker's other passages as context: what a witness speaks of elsewhere in the
document tells of a passage whose own words say little."""

from __future__ import annotations

import random

import numpy as np
import pytest

from qualcode.nlp import load_pipeline
from qualcode.suggest.combine import speaker_context
from qualcode.suggest.data import CodeInfo, Corpus
from qualcode.suggest.linear import LinearSettings
from qualcode.suggest.rules import RuleSuggester
from qualcode.suggest.training import fit

CODES = [CodeInfo("money", "Money"), CodeInfo("trust", "Trust")]
BLAND = ["we", "met", "on", "the", "tuesday", "and", "talked", "about", "weather", "then"]
MONEY = ["money", "budget", "funding", "grant", "fundraising"]
TRUST = ["trust", "rely", "faith", "honest", "confidence"]
PLAIN = "We talked about it on the tuesday."


def test_the_mean_of_the_speakers_other_passages_in_the_document():
    # passages 0-3 in one document (0, 2, 3 by ana, 1 by ben), 4 by ana in another, 5 unknown
    passages = np.array([0, 0, 1, 2, 3, 4, 5])
    documents = np.array(["d1"] * 5 + ["d2"] * 2, dtype=object)
    speakers = np.array(["ana", "ana", "ben", "ana", "ana", "ana", None], dtype=object)
    by_passage = np.array([[1.0, -1.0], [5.0, 0.0], [2.0, 3.0], [6.0, 1.0], [9.0, 9.0], [7.0, 7.0]])
    values = by_passage[passages]  # each segment carries its passage's value
    found = speaker_context(values, passages, documents, speakers)
    rows = list(zip(documents.tolist(), speakers.tolist(), passages.tolist(), strict=True))
    for i, (document, speaker, passage) in enumerate(rows):
        others = {p for d, s, p in rows if d == document and s == speaker and p != passage and s}
        expected = np.mean([by_passage[p] for p in others], axis=0) if others else [0.0, 0.0]
        assert found[i].tolist() == pytest.approx(list(expected))
    assert found[0].tolist() == pytest.approx([4.0, 2.0])  # passages 2 and 3
    assert speaker_context(values, passages, documents, None) is None


def interviews(documents: int, seed: int = 0) -> Corpus:
    """Each document: a fundraiser whose answers are about money (two of them in the same
    plain words as the carer's, coded money all the same) and a carer whose answers are
    about trust, or plain and uncoded. One segment a passage."""
    rng = random.Random(seed)
    texts, docs, speakers, labels = [], [], [], []
    for d in range(documents):
        for k in range(6):
            for speaker, topic, j in (("fundraiser", MONEY, 0), ("carer", TRUST, 1)):
                plain = k >= 4 if speaker == "fundraiser" else k >= 3
                words = rng.sample(BLAND, 7)
                words.insert(rng.randrange(7), rng.choice(topic))
                coded = speaker == "fundraiser" or not plain
                texts.append(PLAIN if plain else " ".join(words).capitalize() + ".")
                docs.append(f"interview-{d}")
                speakers.append(f"{speaker}-{d}")
                labels.append([coded and j == 0, coded and j == 1])
    labels = np.array(labels)
    return Corpus(
        CODES, np.arange(len(texts)), np.array(docs, dtype=object), texts, labels,
        np.ones_like(labels), passages=np.arange(len(texts)),
        speakers=np.array(speakers, dtype=object),
    )  # fmt: skip


@pytest.mark.parametrize("context", [True, False])
def test_the_same_plain_answer_ranks_money_higher_by_a_speaker_who_speaks_of_money(context):
    nlp = load_pipeline()
    training, new = interviews(8), interviews(1, seed=1)
    fitted = fit(training, nlp, RuleSuggester(nlp, CODES), LinearSettings(context=context))
    assert fitted.calibrator.context is context
    money = fitted.calibrator.probability("combined", fitted.scores(nlp, new))[:, 0]
    # the last two answers of each: the same plain words, and plain answers next door
    fundraiser, carer = (money[new.speakers == who][-2:] for who in ("fundraiser-0", "carer-0"))
    assert [new.texts[i] for i in range(8, 12)] == [PLAIN] * 4
    if context:
        assert fundraiser.min() > carer.max() + 0.1
    else:  # nothing else to tell them apart
        assert fundraiser.tolist() == pytest.approx(carer.tolist())
