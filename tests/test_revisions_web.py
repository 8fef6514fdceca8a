"""Corrected transcripts through the web app: a turn corrected in place makes a new
revision and the codings follow; the review list re-places and drops; a coder cannot
correct a document that holds another coder's codings (a lead can)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from helpers import write
from test_revisions import CORRECTED, PASSAGES, TALK, coded, run, state  # noqa: F401  (coded: a fixture)

from qualcode import open_project
from qualcode.coding import get_coder
from qualcode.web import WebSettings, create_app

TOKEN = "t"


def client(root, coder: str) -> TestClient:
    project = open_project(root)
    app = create_app(project, WebSettings(token=TOKEN, coder=coder))
    return TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"})


def test_a_turn_corrected_in_place_keeps_its_codings(coded):  # noqa: F811
    root, ids = coded
    start = TALK.index("We learnt")
    end = TALK.index("\n", start)
    web = client(root, "ana")
    answer = web.post(
        "/api/documents/talk.txt/correct",
        json={"start": start, "end": end, "text": TALK[start:end].replace("langauge", "language")},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["revision"] == 2 and "0 sent to review" in answer.json()["message"]
    text, codings, _ = state(root)
    s, e, anchor = codings[ids["language"]]
    assert (text[s:e], anchor) == ("We learnt to speak the councils language", "reanchored")
    assert "correct-turn" in web.get("/documents/talk.txt").text


def test_a_server_that_coded_before_a_correction_codes_the_corrected_words(coded, runner):  # noqa: F811
    """The server keeps a document's text in memory between requests: a correction made
    meanwhile from the command line is what the next coding quotes, never the old words."""
    root, _ = coded
    web = client(root, "ana")
    code = "Speaking the language"
    before = web.post(
        "/api/codings", json={"document": "talk.txt", "start": 4, "end": 9, "code": code}
    )
    assert before.json()["text"] == "We learnt"
    listed = web.get("/api/codings", params={"document": "talk.txt"}).json()
    assert "We learnt to speak the councils langauge" in {row["text"] for row in listed}
    write(root / "talk.txt", CORRECTED)
    run(runner, root, "--as", "lead", "import", "--replace", str(root / "talk.txt"))
    at = CORRECTED.index("council's language")
    after = web.post(
        "/api/codings", json={"document": "talk.txt", "start": at + 2, "end": at + 12, "code": code}
    )
    assert after.status_code == 201, after.text
    assert after.json()["text"] == "council's language"  # widened to whole words of the new text
    listed = web.get("/api/codings", params={"document": "talk.txt"}).json()
    assert {row["text"] for row in listed} >= {"council's language", "We learnt"}
    assert "We learnt to speak the council's language" in {row["text"] for row in listed}


def test_the_review_page_re_places_and_drops(coded):  # noqa: F811
    root, ids = coded
    start = TALK.index(" We wrote")
    web = client(root, "ana")
    gone = web.post(
        "/api/documents/talk.txt/correct",
        json={"start": start, "end": start + len(" We wrote to them twice."), "text": ""},
    )
    assert gone.json()["review"] == 1
    assert "1 to review" in web.get("/documents").text  # the document is flagged
    listed = web.get("/api/review").json()
    assert [item["quote"] for item in listed] == [PASSAGES["letters"]]
    page = web.get("/review").text
    assert PASSAGES["letters"] in page and 'data-control="review-drop"' in page
    text, _, _ = state(root)
    at = text.index("The housing officer")
    placed = web.post(f"/api/review/{ids['letters'][:8]}/place", json={"start": at, "end": at + 19})
    assert placed.status_code == 200, placed.text
    text, codings, waiting = state(root)
    s, e, anchor = codings[ids["letters"]]
    assert (text[s:e], anchor, waiting) == ("The housing officer", "reviewed", set())
    assert web.post(f"/api/review/{ids['letters'][:8]}/drop").status_code == 404


def test_only_a_lead_corrects_a_document_with_another_coders_codings(coded):  # noqa: F811
    root, ids = coded
    with open_project(root) as project, project.transaction() as session:
        get_coder(session, "lee", role="lead")
        get_coder(session, "ben")
    body = {"start": 0, "end": 2, "text": "JO"}
    refused = client(root, "ben").post("/api/documents/talk.txt/correct", json=body)
    assert refused.status_code == 403 and "only a lead" in refused.json()["detail"]
    assert state(root)[0] == TALK
    done = client(root, "lee").post("/api/documents/talk.txt/correct", json=body)
    assert done.status_code == 200 and state(root)[0].startswith("JO:")
