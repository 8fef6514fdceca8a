"""The spaCy pipeline: works with no downloaded model, says clearly when one is missing."""

from __future__ import annotations

import pytest
import spacy

from qualcode.errors import QualcodeError
from qualcode.nlp import build_pipeline, load_pipeline, segmentation_disabled, sentence_pipe


def test_nlp_default_has_sentencizer_and_lookup_lemmatizer():
    nlp = load_pipeline()
    assert nlp.pipe_names == ["sentencizer", "lemmatizer"]
    assert nlp.get_pipe("lemmatizer").mode == "lookup"


def test_nlp_default_lemmatises_without_a_model():
    doc = load_pipeline()("She was running to the meetings.")
    assert [t.lemma_ for t in doc][1:5] == ["be", "run", "to", "the"]
    assert doc[5].lemma_ == "meeting"


def test_nlp_default_splits_sentences():
    doc = load_pipeline()("Who holds it? Mostly our worker. And me!")
    assert [s.text for s in doc.sents] == ["Who holds it?", "Mostly our worker.", "And me!"]


def test_nlp_pipeline_is_built_once_per_name():
    assert load_pipeline() is load_pipeline(None) is load_pipeline("blank")


def test_nlp_build_pipeline_gives_a_new_one_to_change_freely():
    fresh = build_pipeline()
    assert fresh is not load_pipeline()
    assert fresh.pipe_names == load_pipeline().pipe_names


def test_nlp_uninstalled_pipeline_names_the_fix_in_one_line():
    with pytest.raises(QualcodeError) as caught:
        load_pipeline("xx_qualcode_missing_sm")
    assert str(caught.value) == (
        'spaCy pipeline "xx_qualcode_missing_sm" is not installed, and models cannot be '
        'downloaded here: use the default pipeline ("blank") or install it with '
        "pip install xx_qualcode_missing_sm"
    )


def test_nlp_segmentation_skips_the_lemmatizer():
    assert segmentation_disabled(load_pipeline()) == ["lemmatizer"]


def test_nlp_segmentation_keeps_parser_and_the_tok2vec_it_listens_to():
    nlp = spacy.blank("en")
    for name in ("tok2vec", "tagger", "parser", "ner"):
        nlp.add_pipe(name)
    assert sentence_pipe(nlp) == "parser"
    assert segmentation_disabled(nlp) == ["tagger", "ner"]


def test_nlp_segmentation_without_sentence_boundaries_disables_everything():
    nlp = spacy.blank("en")
    nlp.add_pipe("tagger")
    assert sentence_pipe(nlp) is None
    assert segmentation_disabled(nlp) == ["tagger"]


def test_nlp_installed_pipeline_without_sentences_gets_a_sentencizer(tmp_path):
    # A pipeline directory stands in for an installed package: no download needed.
    spacy.blank("en").to_disk(tmp_path)
    nlp = load_pipeline(str(tmp_path))
    assert sentence_pipe(nlp) == "sentencizer"


def test_nlp_installed_pipeline_with_disabled_senter_turns_it_on(tmp_path):
    saved = spacy.blank("en")
    saved.add_pipe("senter")
    saved.initialize()
    saved.disable_pipe("senter")
    saved.to_disk(tmp_path)
    nlp = load_pipeline(str(tmp_path))
    assert nlp.pipe_names == ["senter"]
    assert sentence_pipe(nlp) == "senter"
