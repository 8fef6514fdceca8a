"""Codes ranked for a selection on the transcript page: the words selected (never the
speaker labels between turns), ranked by the coder's own model while the round is
blind, and by everyone's once the lead opens it (GET /api/documents/{document}/rank)."""

from __future__ import annotations

import warnings

import pytest
import test_suggest_project
from sqlalchemy import select
from test_suggest_project import CODEBOOK, make_study

from qualcode import open_project
from qualcode.coding import apply_coding
from qualcode.errors import QualcodeError
from qualcode.models import Code, Coding, Segment
from qualcode.queries import find_document
from qualcode.suggest.selection import selected_words
from qualcode.team import set_round
from qualcode.web import WebSettings, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

study = test_suggest_project.study  # a copy of this module's study_template per test
TOKEN = "rank-token"
RAIN = "It rained all week."  # only ben codes it, with Weather
WEATHER = "      - name: Weather\n        definition: What the sky did to the plans.\n"


@pytest.fixture(scope="module")
def study_template(tmp_path_factory):  # the study of test_suggest_project, and Weather
    root = tmp_path_factory.mktemp("ranked")
    make_study(root, CODEBOOK + WEATHER)
    with open_project(root) as project, project.transaction() as session:
        for name in ("interview-2.txt", "interview-3.txt", "interview-4.txt"):
            doc = find_document(session, name)
            for segment in session.scalars(select(Segment).where(Segment.document_id == doc.id)):
                if doc.text[segment.start : segment.end] == RAIN:
                    apply_coding(session, doc, segment.start, segment.end, "Weather", "ben")
    return root


def client(project, coder):
    app = create_app(project, WebSettings(token=TOKEN, coder=coder))
    return TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"})


def rain_in(project) -> tuple[str, int, int]:
    with project.sessionmaker() as session:
        doc = find_document(session, "interview-1.txt")
        at = doc.text.index(RAIN)
    return "interview-1.txt", at, at + len(RAIN)


def test_a_selection_across_turns_ranks_its_words_not_the_labels_between(study):
    with study.sessionmaker() as session:
        doc = find_document(session, "interview-1.txt")
        first, second = doc.text.split("\n\n")[:2]
        start = doc.text.index(first) + 1  # from inside the first label
        end = doc.text.index(second) + len(second)
        words = selected_words(session, doc, start, end)
        assert words == f"{first.split(': ', 1)[1]} {second.split(': ', 1)[1]}"
        assert ":" not in words and "Jo" not in words.split() and "Priya:" not in words
        with pytest.raises(QualcodeError, match="not a selection inside interview-1.txt"):
            selected_words(session, doc, 10, len(doc.text) + 1)


def test_the_page_lists_codes_for_a_selection_best_first_from_the_coders_own_work(study):
    name, start, end = rain_in(study)
    span = {"start": start, "end": end}
    ana = client(study, "ana").get(f"/api/documents/{name}/rank", params=span)
    ben = client(study, "ben").get(f"/api/documents/{name}/rank", params=span)
    assert ana.status_code == ben.status_code == 200, ana.text
    by_ana = {row["code"]: row for row in ana.json()}
    by_ben = {row["code"]: row for row in ben.json()}
    assert [row["rank"] for row in ben.json()] == [1, 2, 3, 4]
    assert ben.json()[0]["code"] == "Weather" and by_ben["Weather"]["method"] == "model"
    # ben's Weather codings are hidden from ana while the round is blind: not learnt
    assert by_ana["Weather"]["rank"] > 1 and by_ana["Weather"]["score"] < 0.5
    assert by_ana["Weather"]["score"] < by_ben["Weather"]["score"] / 2
    with study.transaction() as session:
        set_round(session, "lee", open_=True)
    opened = client(study, "ana").get(
        f"/api/documents/{name}/rank", params={"start": start, "end": end, "limit": 1}
    )
    assert [row["code"] for row in opened.json()] == ["Weather"]


def test_a_selection_outside_the_text_or_by_nobody_is_refused_in_one_line(study):
    name, start, _end = rain_in(study)
    outside = client(study, "ana").get(
        f"/api/documents/{name}/rank", params={"start": start, "end": 10**6}
    )
    assert outside.status_code == 400 and "not a selection inside" in outside.json()["detail"]
    nobody = client(study, None).get(
        f"/api/documents/{name}/rank", params={"start": start, "end": start + 5}
    )
    assert nobody.status_code in (400, 401, 403) and "detail" in nobody.json()


def test_the_model_is_read_once_and_a_retrained_one_ranks_at_once(study):
    """The app keeps a coder's model in memory between selections (reading it took most
    of a ranking's time), yet ranks with the new one as soon as it is retrained."""
    from qualcode.nlp import load_pipeline
    from qualcode.suggest.data import scope_for
    from qualcode.suggest.saved import ensure_model

    nlp = load_pipeline()
    with study.sessionmaker() as session:
        scope = scope_for(session, "ben")
    trained = ensure_model(study, scope, nlp=nlp).fitted
    assert ensure_model(study, scope, nlp=nlp).fitted is ensure_model(study, scope, nlp=nlp).fitted
    name, start, end = rain_in(study)
    span = {"start": start, "end": end}
    before = client(study, "ben").get(f"/api/documents/{name}/rank", params=span).json()
    assert before[0]["code"] == "Weather"
    with study.transaction() as session:
        for coding in session.scalars(select(Coding).join(Code).where(Code.name == "Weather")):
            session.delete(coding)
    retrained = ensure_model(study, scope, nlp=nlp, retrain=True).fitted
    assert retrained is not trained
    after = client(study, "ben").get(f"/api/documents/{name}/rank", params=span).json()
    weather = next(row for row in after if row["code"] == "Weather")
    assert after[0]["code"] != "Weather" and weather["method"] is None
