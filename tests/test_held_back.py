"""How many suggestions the precision cut-off held back: kept per coder and document by
each run of ``suggest``, shown on the transcript page beside those it does show."""

from __future__ import annotations

import warnings

from test_suggest_project import FAST, study, study_template  # noqa: F401 (fixtures)

from qualcode.suggest import run_suggestions
from qualcode.suggest.held import held_back
from qualcode.web import WebSettings, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

DOCS = [f"interview-{n}.txt" for n in range(1, 5)]


def page_of(project, coder: str, document: str) -> str:
    app = create_app(project, WebSettings(token="t", coder=coder))
    client = TestClient(app, headers={"Authorization": "Bearer t"})
    return client.get(f"/documents/{document}").text


def test_the_held_back_count_is_kept_per_document_and_shown_on_the_page(study):  # noqa: F811
    assert held_back(study, "ana", DOCS[3]) is None  # no run has looked at it
    one = run_suggestions(study, "ana", documents=[DOCS[3]], min_score=0.9, settings=FAST)
    assert one.held_back > 0 and held_back(study, "ana", DOCS[3]) == one.held_back
    assert held_back(study, "ana", DOCS[0]) is None and held_back(study, "ben", DOCS[3]) is None
    assert f'"held_back": {one.held_back}' in page_of(study, "ana", DOCS[3])
    assert '"held_back": null' in page_of(study, "ben", DOCS[3])
    every = run_suggestions(study, "ana", min_score=0.9, settings=FAST)
    assert sum(held_back(study, "ana", name) for name in DOCS) == every.held_back
    low = run_suggestions(study, "ana", documents=[DOCS[3]], min_score=0.01, settings=FAST)
    assert low.held_back == held_back(study, "ana", DOCS[3]) == 0
    others = sum(held_back(study, "ana", name) for name in DOCS[:3])
    assert others == every.held_back - one.held_back  # the other documents keep theirs
