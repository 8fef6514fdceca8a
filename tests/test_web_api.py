"""The JSON API of `qualcode serve`: each endpoint, its errors, the token and CSRF checks."""

from __future__ import annotations

import threading
import warnings

import pytest

from qualcode.coding import get_coder
from qualcode.importing import import_files
from qualcode.project import Project
from qualcode.suggest.store import Found, store_suggestions
from qualcode.team import set_round
from qualcode.web import WebSettings, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx versions
    from fastapi.testclient import TestClient

TOKEN = "test-token"
AREA_1 = "area-1-mapping-workshop.md"

ON_BOTH_BACKENDS = True  # on SQLite and on PostgreSQL (conftest.py)


def client_for(project: Project, coder: str | None = "ana", **headers: str) -> TestClient:
    app = create_app(project, WebSettings(token=TOKEN, coder=coder))
    return TestClient(app, headers={"Authorization": f"Bearer {TOKEN}", **headers})


@pytest.fixture
def api(coded_project: Project) -> TestClient:
    return client_for(coded_project)


def make_lead(project: Project, name: str = "lee") -> None:
    with project.transaction() as session:
        get_coder(session, name, role="lead")


def document_id(client: TestClient, name: str = AREA_1) -> str:
    return next(d["id"] for d in client.get("/api/documents").json() if d["name"] == name)


def segment(client: TestClient, ordinal: int, name: str = AREA_1) -> dict:
    return client.get(f"/api/documents/{name}/segments").json()[ordinal - 1]


# --- the token and cross-site checks --------------------------------------------------------


def test_web_api_refuses_requests_without_the_token(coded_project):
    bare = TestClient(create_app(coded_project, WebSettings(token=TOKEN)))
    response = bare.get("/api/documents")
    assert response.status_code == 403
    assert "needs its token" in response.json()["detail"]
    wrong = bare.get("/api/documents", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    assert bare.get("/static/qualcode.css").status_code == 403
    assert bare.get(f"/api/documents?token={TOKEN}").status_code == 200


def test_web_token_in_the_address_becomes_a_cookie(coded_project):
    browser = TestClient(create_app(coded_project, WebSettings(token=TOKEN, port=9999)))
    response = browser.get(f"/documents?token={TOKEN}&where=area%3DArea+1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/documents?where=area%3DArea+1"
    cookie = response.headers["set-cookie"]
    assert "qualcode_token_9999=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert browser.get("/api/me").status_code == 200  # the cookie now lets it in


def test_web_write_with_the_cookie_needs_the_csrf_header(coded_project):
    settings = WebSettings(token=TOKEN, coder="ana")
    browser = TestClient(create_app(coded_project, settings))
    browser.cookies.set(settings.token_cookie, TOKEN)
    response = browser.post("/api/undo")
    assert response.status_code == 403
    assert "X-Qualcode-CSRF" in response.json()["detail"]
    forged = browser.post(
        "/api/undo", headers={"X-Qualcode-CSRF": settings.csrf, "Origin": "https://evil.example"}
    )
    assert forged.status_code == 403
    assert "cross-site" in forged.json()["detail"]
    ok = browser.post("/api/undo", headers={"X-Qualcode-CSRF": settings.csrf})
    assert ok.status_code in (200, 400)  # allowed through; 400 only if nothing to undo


def test_web_host_outside_the_allowed_names_is_refused(coded_project):
    app = create_app(coded_project, WebSettings(token=TOKEN, allowed_hosts=["127.0.0.1"]))
    client = TestClient(app, base_url="http://attacker.example")
    response = client.get("/api/me", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 403


def test_web_responses_carry_a_strict_content_security_policy(api):
    headers = api.get("/api/me").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["server-timing"].startswith("app;dur=")


def test_web_openapi_describes_the_json_api(api):
    schema = api.get("/api/openapi.json").json()
    paths = set(schema["paths"])
    for path in ("/api/documents", "/api/documents/{document}/segments", "/api/codes",
                 "/api/codings", "/api/suggestions", "/api/memos", "/api/agreement",
                 "/api/quotes"):  # fmt: skip
        assert path in paths
    assert not any(p.startswith("/documents") for p in paths)  # pages stay out of it
    assert schema["components"]["securitySchemes"]["token"]["scheme"] == "bearer"


# --- documents, segments, codes -------------------------------------------------------------


def test_web_api_documents_have_attributes_coders_and_progress(api):
    documents = api.get("/api/documents").json()
    assert len(documents) == 11
    area_1 = next(d for d in documents if d["name"] == AREA_1)
    assert area_1["attributes"]["area"] == "Area 1"
    ana = next(p for p in area_1["progress"] if p["coder"] == "ana")
    assert 0 < ana["share"] <= 1 and ana["done"] <= area_1["segments"]
    assert {p["coder"] for p in area_1["progress"]} == {"ana"}  # blind: only her own


def test_web_api_documents_filter_by_document_or_speaker_attribute(api):
    assert len(api.get("/api/documents", params={"where": "area=Area 1"}).json()) == 2
    schools = api.get("/api/documents", params={"where": "agency_type=school"}).json()
    assert [d["name"] for d in schools] == ["area-6-interview-headteacher.txt"]


def test_web_api_document_and_segments_give_exact_text(api):
    doc = api.get(f"/api/documents/{AREA_1}").json()
    first = segment(api, 1)
    assert doc["text"][first["start"] : first["end"]] == first["text"]
    assert api.get(f"/api/documents/{doc['id']}").json()["name"] == AREA_1


def test_web_api_unknown_document_is_a_404_with_a_hint(api):
    response = api.get("/api/documents/area-1-mapping-worksop.md/segments")
    assert response.status_code == 404
    assert "did you mean 'area-1-mapping-workshop.md'" in response.json()["detail"]


def test_web_api_codes_come_with_resolved_colours(api):
    codes = api.get("/api/codes").json()
    trust = next(c for c in codes if c["name"] == "Trust")
    assert trust["colour"].startswith("#") and trust["theme"]


# --- codings ---------------------------------------------------------------------------------


def test_web_api_applies_a_code_trimmed_to_words(api):
    seg = segment(api, 3)
    made = api.post(
        "/api/codings",
        json={"document": AREA_1, "start": seg["start"] - 1, "end": seg["end"], "code": "trust"},
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["start"], body["end"], body["code"], body["coder"]) == (
        seg["start"], seg["end"], "Trust", "ana",
    )  # fmt: skip
    assert body["text"] == seg["text"]
    listed = api.get("/api/codings", params={"document": AREA_1, "code": "trust"}).json()
    assert body["id"] in {c["id"] for c in listed}
    again = api.post("/api/codings", json={"document": AREA_1, "start": seg["start"],
                                           "end": seg["end"], "code": "Trust"})  # fmt: skip
    assert again.json()["id"] == body["id"]


def test_web_api_answers_with_the_coded_words_past_wide_characters(example_project, tmp_path):
    """The answer to an apply or a recode reads the coded words from the database, not the
    whole text: the same characters as Python's slice after accents, emoji and a flag
    (two to four bytes each in UTF-8, one or two characters), on SQLite and PostgreSQL."""
    said = "Q: Café ☕ and 🎉, naïve or not?\n\nA: Señor 🇬🇧 said “trust” is earned.\n"
    (tmp_path / "wide.md").write_text(said, encoding="utf-8")
    assert not import_files(example_project, [tmp_path / "wide.md"]).failed
    api = client_for(example_project)
    text = api.get("/api/documents/wide.md").json()["text"]
    start = text.index("trust")
    made = api.post("/api/codings", json={"document": "wide.md", "start": start,
                                          "end": start + 5, "code": "trust"})  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["text"] == text[start : start + 5] == "trust"
    changed = api.patch(f"/api/codings/{made.json()['id']}", json={"code": "Speaking the language"})
    assert (changed.json()["text"], changed.json()["code"]) == ("trust", "Speaking the language")
    earlier = api.post("/api/codings", json={"document": "wide.md", "start": text.index("Señor"),
                                             "end": start - 2, "code": "trust"})  # fmt: skip
    assert earlier.json()["text"] == text[text.index("Señor") : start - 2] == "Señor 🇬🇧 said"


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"start": 10, "end": 9_999_999, "code": "trust"}, 400, "outside"),
        ({"start": 50, "end": 10, "code": "trust"}, 400, "outside"),
        ({"start": 10, "end": 40, "code": "no-such-code"}, 404, "no code"),
        ({"start": 10, "end": 40, "code": "5b0e1c9a-0000-0000-0000-000000000000"}, 404, "no code"),
        ({"start": -1, "end": 40, "code": "trust"}, 422, "start"),
        ({"start": "x", "end": 40, "code": "trust"}, 422, "start"),
        ({"start": 10, "end": 40}, 422, "code"),
    ],
)
def test_web_api_bad_codings_are_4xx_with_a_clear_line(api, body, status, words):
    response = api.post("/api/codings", json={"document": AREA_1, **body})
    assert response.status_code == status
    detail = response.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and words in detail


def test_web_api_unknown_document_for_a_coding_is_404(api):
    response = api.post("/api/codings", json={"document": "nope", "start": 1, "end": 5,
                                              "code": "trust"})  # fmt: skip
    assert response.status_code == 404


def test_web_api_exclusive_theme_takes_one_code_per_segment(api):
    seg = segment(api, 20)
    span = {"document": AREA_1, "start": seg["start"], "end": seg["end"]}
    assert api.post("/api/codings", json={**span, "code": "Powerful allies"}).status_code == 201
    clash = api.post("/api/codings", json={**span, "code": "Friends and acquaintances"})
    assert clash.status_code == 400
    assert "exclusive" in clash.json()["detail"]


def test_web_api_recode_memo_and_remove_a_coding(api):
    seg = segment(api, 5)
    made = api.post("/api/codings", json={"document": AREA_1, "start": seg["start"],
                                          "end": seg["end"], "code": "trust"}).json()  # fmt: skip
    changed = api.patch(f"/api/codings/{made['id']}", json={"code": "respect", "memo": "hmm"})
    assert changed.status_code == 200
    assert (changed.json()["code"], changed.json()["memo"]) == ("Respect", "hmm")
    assert api.get(f"/api/codings/{made['id']}").json()["memo"] == "hmm"
    assert api.delete(f"/api/codings/{made['id']}").status_code == 200
    assert api.get(f"/api/codings/{made['id']}").status_code == 404
    assert api.delete("/api/codings/not-a-uuid").json()["detail"].startswith("no coding")


def test_web_api_recode_onto_a_twin_answers_with_the_coding_that_stays(api):
    """Recoding to a code the coder has on that span already merges the two: the answer
    names the coding that is kept, never the one removed."""
    seg = segment(api, 6)
    span = {"document": AREA_1, "start": seg["start"], "end": seg["end"]}
    trust = api.post("/api/codings", json={**span, "code": "trust"}).json()
    respect = api.post("/api/codings", json={**span, "code": "respect"}).json()
    changed = api.patch(f"/api/codings/{trust['id']}", json={"code": "respect"})
    assert changed.status_code == 200
    assert (changed.json()["id"], changed.json()["code"]) == (respect["id"], "Respect")
    assert api.get(f"/api/codings/{trust['id']}").status_code == 404
    assert api.get(f"/api/codings/{respect['id']}").status_code == 200


def test_web_api_a_coder_cannot_change_another_coders_coding(coded_project):
    ben = client_for(coded_project, coder="ben")
    theirs = ben.get("/api/codings", params={"coder": "ben"}).json()[0]
    ana = client_for(coded_project, coder="ana")
    response = ana.delete(f"/api/codings/{theirs['id']}")
    assert response.status_code == 403
    assert "ben's" in response.json()["detail"]


def test_web_api_undo_takes_back_the_latest_change(api):
    seg = segment(api, 7)
    api.post("/api/codings", json={"document": AREA_1, "start": seg["start"], "end": seg["end"],
                                   "code": "trust"})  # fmt: skip
    undone = api.post("/api/undo")
    assert undone.status_code == 200
    assert undone.json()["message"].startswith("undid add of 'Trust'")
    assert not [c for c in api.get("/api/codings", params={"code": "trust"}).json()
                if c["start"] == seg["start"] and c["coder"] == "ana"]  # fmt: skip


def test_web_api_undo_with_nothing_left_is_400(coded_project):
    response = client_for(coded_project, coder="zoe").post("/api/undo")
    assert response.status_code == 400
    assert "no change left to undo" in response.json()["detail"]


def test_web_api_history_lists_changes(api):
    seg = segment(api, 8)
    api.post("/api/codings", json={"document": AREA_1, "start": seg["start"], "end": seg["end"],
                                   "code": "trust"})  # fmt: skip
    latest = api.get("/api/history", params={"limit": 1}).json()[0]
    assert (latest["action"], latest["coder"], latest["code"]) == ("add", "ana", "Trust")


def test_web_api_writes_need_a_coder(coded_project):
    nobody = client_for(coded_project, coder=None)
    response = nobody.post("/api/undo")
    assert response.status_code == 400
    assert "who is coding" in response.json()["detail"]
    named = client_for(coded_project, coder=None, **{"X-Qualcode-Coder": "cy"})
    seg = segment(named, 2)
    made = named.post("/api/codings", json={"document": AREA_1, "start": seg["start"],
                                            "end": seg["end"], "code": "trust"})  # fmt: skip
    assert made.json()["coder"] == "cy"


def test_web_api_blind_round_shows_a_coder_only_their_codings(coded_project):
    ana = client_for(coded_project, coder="ana")
    assert {c["coder"] for c in ana.get("/api/codings").json()} == {"ana"}
    make_lead(coded_project)
    lee = client_for(coded_project, coder="lee")
    assert {c["coder"] for c in lee.get("/api/codings").json()} == {"ana", "ben"}
    assert lee.get("/api/me").json() == {"coder": "lee", "fixed": True, "sees_everyone": True}
    with coded_project.transaction() as session:
        set_round(session, "lee", open_=True)
    assert {c["coder"] for c in ana.get("/api/codings").json()} == {"ana", "ben"}


def test_web_api_two_tabs_coding_at_once_lose_nothing(coded_project):
    segments = client_for(coded_project).get(f"/api/documents/{AREA_1}/segments").json()

    def code(coder: str, rows: list[dict]) -> None:
        tab = client_for(coded_project, coder=coder)
        for row in rows:
            made = tab.post("/api/codings", json={"document": AREA_1, "start": row["start"],
                                                  "end": row["end"], "code": "trust"})  # fmt: skip
            assert made.status_code == 201, made.text

    tabs = [
        threading.Thread(target=code, args=("tab-a", segments[100:115])),
        threading.Thread(target=code, args=("tab-b", segments[115:130])),
    ]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join()
    make_lead(coded_project)
    everyone = client_for(coded_project, coder="lee").get("/api/codings").json()
    assert sum(c["coder"] in ("tab-a", "tab-b") for c in everyone) == 30


# --- suggestions and memos --------------------------------------------------------------------


def suggest(project: Project, coder: str, ordinals: list[int], code: str = "trust") -> list[int]:
    """Store suggestions for segments of area 1 as the suggester would."""
    from qualcode.coding import find_code, find_segment

    with project.transaction() as session:
        code_id = str(find_code(session, code).id)
        found = [
            Found(find_segment(session, AREA_1, n).id, code_id, 0.8, "rules",
                  {"rules": {"matches": [{"text": "trust", "pattern": "trust"}]}})
            for n in ordinals
        ]  # fmt: skip
        store_suggestions(session, coder, found)
    client = client_for(project, coder=coder)
    return [s["id"] for s in client.get("/api/suggestions", params={"document": AREA_1}).json()]


def test_web_api_suggestions_list_accept_and_reject(coded_project):
    ids = suggest(coded_project, "ana", [30, 31])
    api = client_for(coded_project)
    listed = api.get("/api/suggestions").json()
    assert [s["id"] for s in listed] == ids
    assert listed[0]["why"] == ["matched “trust”"]
    accepted = api.post(f"/api/suggestions/{ids[0]}/accept")
    assert accepted.status_code == 200
    assert accepted.json()[0]["origin"] == "suggestion"
    assert api.post(f"/api/suggestions/{ids[1]}/reject").json() == {"rejected": 1}
    assert api.get("/api/suggestions").json() == []
    assert len(api.get("/api/suggestions", params={"status": "all"}).json()) == 2


def test_web_api_unknown_suggestion_is_404(api):
    assert api.post("/api/suggestions/999999/accept").status_code == 404
    assert api.post(f"/api/suggestions/{2**70}/reject").status_code == 422


def test_web_api_another_coders_suggestion_is_not_yours_to_decide(coded_project):
    [ben_id] = suggest(coded_project, "ben", [40])
    response = client_for(coded_project, coder="ana").post(f"/api/suggestions/{ben_id}/accept")
    assert response.status_code == 400
    assert "made for ben" in response.json()["detail"]


def test_web_api_memos_on_documents_and_codings(api):
    made = api.post("/api/memos", json={"target_type": "document", "target": AREA_1,
                                        "text": "The GP joined late."})  # fmt: skip
    assert made.status_code == 201
    listed = api.get("/api/memos").json()
    assert [(m["target"], m["coder"], m["text"]) for m in listed] == [
        (AREA_1, "ana", "The GP joined late.")
    ]
    bad = api.post("/api/memos", json={"target_type": "planet", "target": "x", "text": "y"})
    assert bad.status_code == 422
    missing = api.post("/api/memos", json={"target_type": "coding", "target": "abcdef12",
                                           "text": "y"})  # fmt: skip
    assert missing.status_code == 404


# --- agreement, adjudication, quotes ------------------------------------------------------------


def test_web_api_agreement_needs_a_lead_while_the_round_is_blind(coded_project):
    refused = client_for(coded_project, coder="ana").get("/api/agreement")
    assert refused.status_code == 403
    assert "not a lead" in refused.json()["detail"]
    make_lead(coded_project)
    report = client_for(coded_project, coder="lee").get("/api/agreement").json()
    assert report["coders"] == ["ana", "ben"]
    assert report["pooled"]["disagreements"] > 0
    assert all("alpha" in code for code in report["codes"])


def test_web_api_adjudication_settles_an_item(coded_project):
    make_lead(coded_project)
    lee = client_for(coded_project, coder="lee")
    items = lee.get("/api/adjudication", params={"code": "trust"}).json()
    assert items
    settled = lee.post("/api/adjudication/settle", json={"key": items[0]["key"], "choice": "ana"})
    assert settled.status_code == 200, settled.text
    left = lee.get("/api/adjudication", params={"code": "trust"}).json()
    assert len(left) == len(items) - 1
    assert lee.post("/api/adjudication/agreed").json()["copied"] >= 0
    unknown = lee.post("/api/adjudication/settle", json={"key": "x:1:y", "choice": "ana"})
    assert 400 <= unknown.status_code < 500


def test_web_api_quotes_filter_like_the_cli(api):
    found = api.get("/api/quotes", params={"code": "trust", "where": "area=Area 1"}).json()
    assert found and all(q["code"] == "Trust" and q["area"] == "Area 1" for q in found)
    assert all(q["coder"] == "ana" for q in found)
    assert api.get("/api/quotes", params={"code": "nope"}).status_code == 404


@pytest.mark.parametrize(
    ("fmt", "starts"), [("csv", b"coding_id"), ("html", b"<!"), ("xlsx", b"PK"), ("md", b"")]
)
def test_web_api_export_downloads_a_file(api, fmt, starts):
    response = api.get("/api/export", params={"format": fmt, "theme": "Power"})
    assert response.status_code == 200
    assert f'filename="quotes.{fmt}"' in response.headers["content-disposition"]
    assert response.content.lstrip(b"\xef\xbb\xbf").startswith(starts)


# --- the OpenAPI description, fuzzed -----------------------------------------------------------


@pytest.mark.slow  # a minute of generated requests: `make test-slow`, which CI runs
def test_web_api_openapi_fuzzing_finds_no_server_error(coded_project):
    """Property-based requests from the OpenAPI description (schemathesis), a few per
    operation, as a lead so that agreement and adjudication run too: never a 5xx."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings

    make_lead(coded_project)
    app = create_app(coded_project, WebSettings(token=TOKEN, coder="lee"))
    schema = schemathesis.openapi.from_asgi(f"/api/openapi.json?token={TOKEN}", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def no_server_error(case):
            response = case.call(headers={"Authorization": f"Bearer {TOKEN}"})
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
            )

        no_server_error()
