"""Suggestions in a project: who they are for, storing, accepting, rejecting, the CLI.

Most tests use a small made-up study (four short interviews, three codes) coded by
ana and ben, so that a model trains in a moment; one uses the example project.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qualcode import init_project, load_codebook, open_project, sync_codebook
from qualcode.cli import cli
from qualcode.coding import apply_coding, get_coder
from qualcode.errors import NotFound, QualcodeError
from qualcode.importing import import_files
from qualcode.models import Coder, Coding, Segment, Suggestion
from qualcode.nlp import load_pipeline
from qualcode.queries import find_document
from qualcode.suggest import (
    RANK_COLUMNS,
    SUGGESTION_COLUMNS,
    Scope,
    accept,
    ensure_model,
    load_corpus,
    rank_codes,
    reject,
    run_suggestions,
    scope_for,
    suggestions,
)
from qualcode.suggest.data import count_in_scope
from qualcode.suggest.linear import LinearSettings
from qualcode.team import set_round
from qualcode.visibility import viewer_for

FAST = LinearSettings()
CODEBOOK = """\
title: A small study
version: "1"
themes:
  - name: Relationships
    description: How the partnership and the agencies get on.
    codes:
      - name: Trust
        definition: Relying on each other.
        example: "We trust the council to keep its word."
        patterns: [rely on, [{LEMMA: trust}]]
      - name: Money
        definition: The partnership's own money.
        patterns: [our own money, [{LOWER: our}, {LOWER: own}, {LEMMA: {IN: [budget, fund]}}]]
      - name: Jargon
        definition: Words only one side understands.
        patterns: [jargon, acronyms]
"""
TOPICS = {
    "Trust": ["We trust Priya completely.", "I can rely on the housing officer.",
              "She keeps her word, always.", "They never let us down."],
    "Money": ["It is our own money, so we decide.", "Our own budget paid for the mural.",
              "We put in half and they found the rest.", "The grant came from us."],
    "Jargon": ["All those acronyms lose people.", "The jargon in that meeting was awful.",
               "Nobody knew what a pathway meant.", "Say it in plain words."],
}  # fmt: skip
FILLER = [
    "We met on Tuesday.", "The hall was cold.", "Dev brought the tea.", "It rained all week.",
    "The bus was late again.", "We talked about the summer fair.",
]  # fmt: skip


def write_study(root: Path, seed: int = 0) -> None:
    rng = random.Random(seed)
    (root / "transcripts").mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    for d in range(4):
        turns = []
        for _turn in range(12):
            sentences = [rng.choice(FILLER)]
            topic = rng.choice([*TOPICS, None])
            if topic:
                sentences.insert(rng.randrange(2), rng.choice(TOPICS[topic]))
            turns.append(f"{rng.choice(['Jo', 'Priya'])}: {' '.join(sentences)}")
        text = "\n\n".join(turns) + "\n"
        (root / "transcripts" / f"interview-{d + 1}.txt").write_text(text, encoding="utf-8")


def code_study(project, coder: str, documents: list[str]) -> int:
    """Code every segment that says one of a code's topic sentences, as ``coder``."""
    made = 0
    with project.transaction() as session:
        for name in documents:
            doc = find_document(session, name)
            for segment in session.scalars(select(Segment).where(Segment.document_id == doc.id)):
                text = doc.text[segment.start : segment.end]
                for code, sentences in TOPICS.items():
                    if text in sentences:
                        apply_coding(session, doc, segment.start, segment.end, code, coder)
                        made += 1
    return made


def make_study(root: Path, codebook: str = CODEBOOK) -> None:
    """The study's project: ana coded interviews 1-3, ben 2-4, and lee is the lead."""
    write_study(root)
    (root / "codebook.yaml").write_text(codebook, encoding="utf-8")
    with init_project(root) as project:
        with project.transaction() as session:
            sync_codebook(session, load_codebook(root / "codebook.yaml"))
        import_files(project, [root / "transcripts"])
        code_study(project, "ana", ["interview-1.txt", "interview-2.txt", "interview-3.txt"])
        code_study(project, "ben", ["interview-2.txt", "interview-3.txt", "interview-4.txt"])
        with project.transaction() as session:
            get_coder(session, "lee", role="lead")


@pytest.fixture(scope="module")
def study_template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("study")
    make_study(root)
    return root


@pytest.fixture
def study(study_template, tmp_path):
    root = tmp_path / "study"
    shutil.copytree(study_template, root)
    with open_project(root) as project:
        yield project


def pending(project, coder: str) -> list[Suggestion]:
    with project.sessionmaker() as session:
        return list(
            session.scalars(
                select(Suggestion).where(Suggestion.status == "pending").order_by(Suggestion.id)
            )
        )


def test_suggestions_are_made_only_where_the_coder_has_not_coded_the_code(study):
    report = run_suggestions(study, "ana", settings=FAST)
    assert report.stored > 0 and report.already_coded > 0
    with study.sessionmaker() as session:
        for found in session.scalars(select(Suggestion)):
            segment = session.get(Segment, found.segment_id)
            overlapping = session.scalar(
                select(func.count()).select_from(Coding).where(
                    Coding.document_id == segment.document_id, Coding.code_id == found.code_id,
                    Coding.start < segment.end, Coding.end > segment.start,
                    Coding.coder_id == found.coder_id,
                )
            )  # fmt: skip
            assert overlapping == 0
            assert found.evidence["method"] == found.method
            assert 0 < found.score <= 1


def test_the_cut_off_aims_at_a_precision_and_says_what_it_held_back(study, runner):
    """The default cut-off is the lowest at which the calibrated scores were right 70% of
    the time on the training codings; a higher precision asks for a higher cut-off, and
    what the balanced cut-off would have suggested on top is counted as held back."""
    low = run_suggestions(study, "ana", settings=FAST, precision=0.3)
    with study.sessionmaker() as session:
        scope = scope_for(session, "ana")
    model = ensure_model(study, scope, nlp=load_pipeline(), settings=FAST)
    assert model.why == "loaded"
    curves = model.fitted.calibrator.curves[low.method]
    assert low.precision == 0.3 and low.balanced_threshold == round(
        model.fitted.calibrator.thresholds[low.method], 4
    )
    high = run_suggestions(study, "ana", settings=FAST)
    assert high.precision == 0.7 and high.threshold >= low.threshold
    reached = [cut for cut, precision, pairs in curves if precision >= 0.7 and pairs >= 5]
    assert high.threshold == (reached[0] if reached else high.threshold)
    balanced = run_suggestions(study, "ana", settings=FAST, min_score=high.balanced_threshold)
    strict = run_suggestions(study, "ana", settings=FAST, min_score=0.9)
    made = [r.stored + r.updated + r.already_decided for r in (balanced, strict)]
    assert strict.precision is None and strict.held_back == made[0] - made[1] > 0
    result = invoke(runner, study.root, "--as", "ana", "suggest", "--min-score", "0.9")
    assert f"held back: {strict.held_back} suggestion(s) scored from " in result.output
    result = invoke(
        runner, study.root, "--as", "ana", "suggest", "--precision", "0.95", "--remember"
    )
    assert result.exit_code == 0, result.output
    assert "(precision 0.95, combined)" in result.output
    assert study.settings()["suggest.precision"] == 0.95
    assert run_suggestions(study, "ana", settings=FAST).precision == 0.95


def test_running_suggest_again_adds_no_duplicates(study):
    first = run_suggestions(study, "ana", settings=FAST)
    second = run_suggestions(study, "ana", settings=FAST)
    assert second.stored == 0 and second.updated == first.stored
    with study.sessionmaker() as session:
        pairs = session.execute(select(Suggestion.segment_id, Suggestion.code_id)).all()
    assert len(pairs) == len(set(pairs)) == first.stored


def test_accepting_codes_the_segment_as_the_coder_and_marks_it(study):
    run_suggestions(study, "ana", settings=FAST)
    chosen = pending(study, "ana")[0]
    with study.transaction() as session:
        (done,) = accept(session, [chosen.id], "ana")
    assert done.new and done.suggestion_id == chosen.id
    with study.sessionmaker() as session:
        row = session.get(Suggestion, chosen.id)
        coding = session.get(Coding, done.coding.id)
        segment = session.get(Segment, row.segment_id)
        assert row.status == "accepted" and row.coding_id == coding.id
        assert row.decided_by_id == get_coder(session, "ana").id and row.decided_at is not None
        assert (coding.origin, coding.code_id) == ("suggestion", row.code_id)
        assert (coding.start, coding.end, coding.segment_id) == (
            segment.start,
            segment.end,
            segment.id,
        )


def test_accepting_an_unknown_id_accepts_nothing(study):
    run_suggestions(study, "ana", settings=FAST)
    good = pending(study, "ana")[0].id
    with pytest.raises(NotFound, match="no suggestion 99999"), study.transaction() as session:
        accept(session, [good, 99999], "ana")
    with study.sessionmaker() as session:
        assert session.get(Suggestion, good).status == "pending"
        assert not session.scalar(select(func.count()).where(Coding.origin == "suggestion"))


def test_a_rejection_is_kept_not_suggested_again_and_taught_as_a_negative(study):
    run_suggestions(study, "ana", settings=FAST)
    refused = pending(study, "ana")[0]
    with study.transaction() as session:
        assert reject(session, [refused.id], "ana") == 1
        assert reject(session, [refused.id], "ana") == 0
    again = run_suggestions(study, "ana", settings=FAST)
    assert again.already_decided >= 1
    with study.sessionmaker() as session:
        row = session.get(Suggestion, refused.id)
        assert row.status == "rejected" and row.decided_at is not None
        corpus = load_corpus(session, Scope("ana"))
    i = list(corpus.segment_ids).index(refused.segment_id)
    j = [code.id for code in corpus.codes].index(str(refused.code_id))
    assert corpus.known[i, j] and not corpus.labels[i, j]


def test_an_accepted_suggestion_cannot_be_rejected(study):
    run_suggestions(study, "ana", settings=FAST)
    chosen = pending(study, "ana")[0].id
    with study.transaction() as session:
        accept(session, [chosen], "ana")
    with pytest.raises(QualcodeError, match="already accepted"), study.transaction() as session:
        reject(session, [chosen], "ana")


def test_only_the_coder_or_a_lead_decides_on_a_suggestion(study):
    run_suggestions(study, "ana", settings=FAST)
    chosen = pending(study, "ana")[0].id
    with pytest.raises(QualcodeError, match="was made for ana"), study.transaction() as session:
        reject(session, [chosen], "ben")
    with study.transaction() as session:
        assert reject(session, [chosen], "lee") == 1


def test_a_blind_coder_sees_and_learns_from_only_their_own_work(study):
    run_suggestions(study, "ana", settings=FAST)
    assert suggestions(study, viewer="ben").empty
    assert len(suggestions(study, viewer="lee")) == len(suggestions(study, viewer="ana"))
    with study.sessionmaker() as session:
        assert scope_for(session, "ana") == Scope("ana")
        assert scope_for(session, "lee") == Scope(None)
        only_ana = load_corpus(session, Scope("ana"))
        everyone = load_corpus(session, Scope())
    names = {doc: find for doc, find in zip(only_ana.documents, only_ana.labelled, strict=True)}
    assert sum(names.values()) == 3  # ana coded three of the four documents
    assert everyone.labels.sum() > only_ana.labels.sum()
    with study.transaction() as session:
        set_round(session, "lee", open_=True)
    with study.sessionmaker() as session:
        assert scope_for(session, "ana") == Scope(None)


def test_a_coder_with_nothing_to_learn_from_is_told_why(study, runner):
    with study.transaction() as session:
        get_coder(session, "cleo")
    with study.sessionmaker() as session:
        everyone = session.scalar(select(func.count()).select_from(Coding))
    report = run_suggestions(study, "cleo", settings=FAST)
    assert report.note == (
        f"the model learnt nothing: cleo has no codings yet, and {everyone} coding(s) by "
        "others are hidden while the round is blind; until then only the codebook's patterns "
        "suggest (code a few segments, or ask a lead to open the round)"
    )
    assert {s.method for s in pending(study, "cleo")} <= {"rules"}
    with study.transaction() as session:
        set_round(session, "lee", open_=True)
    assert run_suggestions(study, "cleo", settings=FAST).note is None  # everyone's work now
    result = invoke(runner, study.root, "--as", "cleo", "suggest", "--min-score", "1")
    assert "note: no segment scored 1.000 or more (see --precision, --min-score)" in result.output


def test_consensus_codings_of_a_document_replace_the_coders_own(study):
    with study.transaction() as session:
        doc = find_document(session, "interview-2.txt")
        first = session.scalars(select(Segment).where(Segment.document_id == doc.id)).first()
        apply_coding(session, doc, first.start, first.end, "Jargon", "lee", origin="consensus")
    with study.sessionmaker() as session:
        corpus = load_corpus(session, Scope())
    rows = corpus.documents == str(doc.id)
    assert corpus.labels[rows].sum() == 1  # the single consensus coding, nothing else


def test_the_model_is_kept_and_retrained_when_enough_changed(study, monkeypatch):
    monkeypatch.setattr("qualcode.suggest.saved.RETRAIN_AFTER", 3)
    with study.sessionmaker() as session:
        scope = scope_for(session, "ana")
    nlp = load_pipeline()
    first = ensure_model(study, scope, nlp=nlp, settings=FAST)
    assert first.why == "trained: no model yet"
    assert (study.root / ".qualcode" / "models" / scope.key / "calibration.json").exists()
    assert study.settings()[f"suggest.model.{scope.key}"]["codings"] == first.meta["codings"]
    assert ensure_model(study, scope, nlp=nlp, settings=FAST).why == "loaded"
    assert ensure_model(study, scope, nlp=nlp, retrain=True, settings=FAST).why.endswith(
        "--retrain"
    )
    with study.transaction() as session:
        doc = find_document(session, "interview-4.txt")
        segments = session.scalars(select(Segment).where(Segment.document_id == doc.id)).all()
        for segment in segments[:3]:
            apply_coding(session, doc, segment.start, segment.end, "Jargon", "ana")
    assert ensure_model(study, scope, nlp=nlp, settings=FAST).why == "loaded"  # 3 is not more
    with study.transaction() as session:
        apply_coding(session, doc, segments[3].start, segments[3].end, "Jargon", "ana")
    again = ensure_model(study, scope, nlp=nlp, settings=FAST)
    assert again.why == "trained: 4 codings or rejections changed since it was trained"


def test_suggestions_on_the_example_project_skip_what_ana_coded(coded_project):
    report = run_suggestions(coded_project, "ana", settings=FAST)
    assert report.segments == 1566 and report.stored > 0
    frame = suggestions(coded_project, viewer="ana")
    assert len(frame) == report.stored
    assert set(frame.method) <= {"rules", "model", "rules+model"}
    assert (frame.groupby(["document", "segment"])["rank"].min() == 1).all()


# The command line ---------------------------------------------------------------


def invoke(runner, root: Path, *args: str):
    result = runner.invoke(cli, ["--project", str(root), *args], catch_exceptions=False)
    return result


def test_cli_suggest_lists_accepts_and_rejects(study, runner):
    root = study.root
    made = invoke(runner, root, "suggest", "--coder", "ana", "--json")
    assert made.exit_code == 0, made.output
    report = json.loads(made.output)
    assert set(report) == {
        "coder", "scope", "method", "threshold", "segments", "stored", "updated",
        "already_coded", "already_decided", "model", "note", "precision",
        "balanced_threshold", "held_back",
    }  # fmt: skip
    assert report["note"] is None  # the model learnt from ana's codings, and suggested
    listed = invoke(runner, root, "--as", "ana", "suggestions", "--json")
    rows = json.loads(listed.output)
    assert len(rows) == report["stored"] and set(rows[0]) == set(SUGGESTION_COLUMNS)
    ids = invoke(runner, root, "--as", "ana", "suggestions", "--ids", "--limit", "2").output.split()
    assert ids == [str(row["id"]) for row in rows[:2]]
    accepted = invoke(runner, root, "accept", ids[0], "--coder", "ana")
    assert accepted.output.startswith(f"suggestion {ids[0]} accepted: coding ")
    rejected = invoke(runner, root, "reject", ids[1], "--coder", "ana")
    assert rejected.output == "1 rejected now, 0 rejected before\n"
    statuses = json.loads(
        invoke(runner, root, "--as", "ana", "suggestions", "--status", "all", "--json").output
    )
    assert {row["id"]: row["status"] for row in statuses}[int(ids[1])] == "rejected"
    codings = json.loads(invoke(runner, root, "--as", "ana", "codings", "--json").output)
    assert [c["origin"] for c in codings].count("suggestion") == 1
    table = invoke(runner, root, "--as", "ana", "suggestions")
    assert table.exit_code == 0 and "suggestion(s)" in table.output


def test_cli_suggest_needs_to_know_for_whom(study, runner, monkeypatch):
    monkeypatch.delenv("QUALCODE_CODER", raising=False)
    result = runner.invoke(cli, ["--project", str(study.root), "suggest"])
    assert result.exit_code == 1
    assert "say who you are: qualcode --as NAME COMMAND ..." in result.output


def test_cli_evaluate_prints_a_table_and_json(study, runner):
    shape = json.loads(invoke(runner, study.root, "--as", "ana", "suggest", "--evaluate",
                              "--folds", "2", "--json").output)  # fmt: skip
    assert set(shape["summary"]) == {
        "keywords", "tfidf_lr", "rules_any", "rules", "model", "combined",
    }  # fmt: skip
    assert {"code", "code_id", "examples", "learnt_in_folds", "note", "methods"} == set(
        shape["codes"][0]
    )
    assert {
        "number",
        "test_documents",
        "train_documents",
        "test_segments",
        "too_few_examples",
        "penalties",
    } == set(shape["folds"][0])
    table = invoke(runner, study.root, "--as", "ana", "suggest", "--evaluate", "--folds", "2")
    assert table.exit_code == 0 and "F1 micro" in table.output
    # Captured or piped, the tables are printed whole, not cut to 80 columns: every method
    # and every code is named in full, and no figure is cut short
    assert "…" not in table.output
    lines = table.output.splitlines()
    for method in shape["methods"]:
        assert any(line.split()[:1] == [method] for line in lines), method
    for code in shape["codes"]:
        assert f"│ {code['code']} " in table.output, code["code"]


def test_a_lead_marks_a_coders_codings_as_training_material_for_everyone(study, runner):
    """ben's codings are hidden from ana while the round is blind; once the lead marks
    them as training material, ana's model learns from them (and is retrained for it),
    while ana still does not see them. Only a lead may mark them, and undo it."""
    with study.sessionmaker() as session:
        alone = count_in_scope(session, scope_for(session, "ana"))[0]
        ben = session.scalars(select(Coder.id).where(Coder.name == "ben")).one()
    run_suggestions(study, "ana", settings=FAST)
    refused = runner.invoke(
        cli, ["--project", str(study.root), "--as", "ana", "suggest", "--train-on", "ben"]
    )
    assert refused.exit_code == 1
    assert "Error: ana is not a lead: only a lead may let every coder's model" in refused.output
    marked = invoke(runner, study.root, "--as", "lee", "suggest", "--train-on", "ben")
    assert marked.output == "every coder's model learns from the codings of: ben\n"
    with study.sessionmaker() as session:
        scope = scope_for(session, "ana")
        assert scope.training == ("ben",) and "ben's (training material)" in scope.describe()
        together = count_in_scope(session, scope)[0]
        assert together == alone + session.scalar(
            select(func.count()).select_from(Coding).where(Coding.coder_id == ben)
        )
        assert not viewer_for(session, "ana").sees(ben)  # people still code blind
    report = run_suggestions(study, "ana", settings=FAST)
    assert report.model["why"] == "trained: the coders marked as training material changed"
    assert report.model["codings"] == together
    invoke(runner, study.root, "--as", "lee", "suggest", "--stop-training-on", "ben")
    with study.sessionmaker() as session:
        assert count_in_scope(session, scope_for(session, "ana"))[0] == alone
    missing = runner.invoke(
        cli, ["--project", str(study.root), "--as", "lee", "suggest", "--train-on", "nobody"]
    )
    assert "Error: no coder named 'nobody'" in missing.output


def test_codes_are_ranked_for_any_selected_text(study):
    """What the app lists beside a selection: every code, best first, with why."""
    jargon = rank_codes(study, "ana", "All those acronyms, and the jargon, lose people.")
    assert list(jargon.columns) == RANK_COLUMNS
    assert list(jargon["rank"]) == [1, 2, 3]
    assert jargon.code[0] == "Jargon" and jargon.method[0] == "rules+model"
    assert {m["text"].lower() for m in jargon.matches[0]} == {"acronyms", "jargon"}
    assert jargon.score.is_monotonic_decreasing and 0 < jargon.score[0] <= 1
    # no pattern of Trust matches this sentence of ana's: only her model knows it
    trust = rank_codes(study, "ana", "She keeps her word, always.", limit=1)
    assert len(trust) == 1 and trust.code[0] == "Trust" and trust.method[0] == "model"
    assert trust.words[0] and all(weight > 0 for _word, weight in trust.words[0])
    with pytest.raises(QualcodeError, match="the selected text is empty"):
        rank_codes(study, "ana", "  \n")


def test_a_coder_with_no_codings_gets_codes_ranked_by_the_rules_alone(study):
    with study.transaction() as session:
        get_coder(session, "cleo")
    ranked = rank_codes(study, "cleo", "I can rely on the housing officer.")
    assert ranked.code[0] == "Trust" and ranked.method[0] == "rules"
    assert (ranked.score[1:] == 0).all() and ranked.method[1:].isna().all()
