"""The workbench's routes over HTTP: search with filters and paging, coding every hit,
codebook changes (an in-vivo code), and a recording served in byte ranges."""

from __future__ import annotations

import warnings

import pytest

from qualcode import load_codebook, queries, sync_codebook
from qualcode.search import OPEN, fts_query, search
from qualcode.web import WebSettings, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TOKEN = "test-token"
AREA_1 = "area-1-mapping-workshop.md"


@pytest.fixture
def study(coded_project):
    with coded_project.transaction() as session:
        sync_codebook(session, load_codebook(coded_project.root / "codebook.yaml"))
    return coded_project


def client_for(project, coder: str | None = "ana") -> TestClient:
    app = create_app(project, WebSettings(token=TOKEN, coder=coder))
    return TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"})


def test_search_finds_every_segment_holding_the_words_in_context(study):
    documents = queries.documents(study)
    expected = []
    for doc in documents.itertuples():
        for seg in queries.segments(study, doc.name).itertuples():
            words = seg.text.casefold()
            if "council" in words and "trust" in words:
                expected.append(seg.id)
    found = search(study, "Council TRUST", limit=1000)
    assert sorted(found.hits["segment"]) == sorted(expected) and found.total == len(expected) > 0
    first = found.hits.iloc[0]
    assert OPEN in first["marked"] and first["text"] in first["before"] + first["text"]
    first_area = documents.set_index("name").loc[first["document"], "attributes"]["area"]
    same = set(documents[documents["area"] == first_area]["name"])
    area = search(study, "council trust", where={"area": [first_area]}, limit=1000)
    assert set(area.hits["document"]) <= same and 0 < area.total < found.total
    paged = search(study, "council trust", limit=2, offset=1)
    assert list(paged.hits["segment"]) == list(found.hits["segment"][1:3])


def test_search_index_follows_a_new_document_and_quotes_odd_words(study, tmp_path):
    assert search(study, "zebra").total == 0
    path = tmp_path / "zoo.txt"
    path.write_text("Q: Did you see the zebra?\n\nA: The zebra crossing, yes.\n", encoding="utf-8")
    from qualcode.importing import import_files

    import_files(study, [path])
    assert search(study, "zebra").total == 2
    assert search(study, '"zebra crossing"').total == 1
    assert search(study, "zeb*").total == 2
    assert fts_query('NEAR( OR "a" AND-') == '"NEAR(" "OR" "a" "AND-"'


def test_coding_every_hit_is_one_change_and_filters_by_code_see_only_ones_own(study):
    api = client_for(study, "cy")
    hits = api.get("/api/search", params={"q": "council trust"}).json()
    assert hits["total"] > 0
    coded = api.post("/api/search/code", json={"q": "council trust", "code": "Trust"}).json()
    assert coded["coded"] == hits["total"]
    mine = queries.codings(study, coder="cy")
    assert len(mine) == hits["total"] and set(mine["code"]) == {"Trust"}
    assert api.post("/api/undo").status_code == 200
    assert len(queries.codings(study, coder="cy")) == 0
    # ana's and ben's codings are not cy's to see while the round is blind
    trusted = api.get("/api/search", params={"q": "council", "code": "Trust"}).json()
    assert trusted["total"] == 0
    ana = client_for(study, "ana").get("/api/search", params={"q": "council", "code": "Trust"})
    assert ana.json()["total"] > 0


def test_an_in_vivo_code_is_made_and_applied_in_one_request(study):
    api = client_for(study, "ana")
    text = api.get(f"/api/documents/{AREA_1}").json()["text"]
    start = text.index("cup of tea")
    answer = api.post("/api/codebook", json={
        "action": "create", "name": text[start + 1 : start + 9], "parent": "Power",
        "document": AREA_1, "start": start + 1, "end": start + 9,
    })  # fmt: skip
    assert answer.status_code == 200, answer.text
    made = answer.json()
    assert made["coding"]["text"] == "cup of tea"  # widened to whole words
    assert "name: up of te" in (study.root / "codebook.yaml").read_text(encoding="utf-8")
    bad = api.post("/api/codebook", json={"action": "recolour", "code": "Trust", "colour": "x"})
    assert bad.status_code == 400 and "no colour" in bad.json()["detail"]
    page = api.get("/search", params={"q": "cup of tea"})
    assert page.status_code == 200 and "<mark>cup</mark>" in page.text


def test_a_recording_beside_the_transcript_is_served_in_ranges(study):
    from qualcode.importing import import_files

    folder = study.root / "interviews"
    folder.mkdir()
    (folder / "talk.txt").write_text("Q: Ready?\n\nA: Ready.\n", encoding="utf-8")
    import_files(study, [folder / "talk.txt"])
    api = client_for(study)
    assert api.get("/api/documents/talk.txt/media").status_code == 404
    payload = bytes(range(256)) * 40
    (folder / "talk.wav").write_bytes(payload)
    whole = api.get("/api/documents/talk.txt/media")
    assert whole.status_code == 200 and whole.content == payload
    assert whole.headers["content-type"] == "audio/wav"
    part = api.get("/api/documents/talk.txt/media", headers={"Range": "bytes=1000-1099"})
    assert part.status_code == 206 and part.content == payload[1000:1100]
    assert part.headers["content-range"] == f"bytes 1000-1099/{len(payload)}"
    outside = api.get("/api/documents/talk.txt/media", headers={"Range": "bytes=99999-"})
    assert outside.status_code == 416
    # a transcript imported from outside the project: its neighbours are not served
    assert api.get(f"/api/documents/{AREA_1}/media").status_code == 404


def test_a_search_narrowed_to_a_coder_with_no_hits_is_an_empty_page(coded_project):
    """Found by the API fuzzing: ?q=0&coder=0 once lost the columns of an empty result."""
    found = search(coded_project, "zqxjvw", coder=["ana"])
    assert found.total == 0 and found.hits.empty and "segment" in found.hits.columns


def test_a_segment_memo_is_written_edited_by_its_author_only_and_undone(study):
    ana, ben = client_for(study, "ana"), client_for(study, "ben")
    made = ana.post("/api/memos", json={"target_type": "segment", "target": AREA_1,
                                        "segment": 3, "text": "Ana's first thought"})  # fmt: skip
    assert made.status_code == 201, made.text
    memo_id = made.json()["id"]
    listed = ana.get(f"/api/documents/{AREA_1}/memos").json()
    segment = queries.segments(study, AREA_1).set_index("ordinal").loc[3]
    mine = [m for m in listed if m["id"] == memo_id]
    assert mine == [{"id": memo_id, "target_type": "segment", "segment": 3,
                     "start": int(segment["start"]), "end": int(segment["end"]),
                     "coder": "ana", "text": "Ana's first thought"}]  # fmt: skip
    assert ben.get(f"/api/documents/{AREA_1}/memos").json() == []  # the round is closed
    refused = ben.patch(f"/api/memos/{memo_id}", json={"text": "Ben writes over it"})
    assert refused.status_code == 403 and "ana's" in refused.json()["detail"]
    changed = ana.patch(f"/api/memos/{memo_id}", json={"text": "Ana thinks again"})
    assert changed.json() == {"id": memo_id, "text": "Ana thinks again"}
    assert ana.patch(f"/api/memos/{'0' * 32}", json={"text": "x"}).status_code == 404
    assert "previous words" in ana.post("/api/undo").json()["message"]
    assert [m["text"] for m in ana.get(f"/api/documents/{AREA_1}/memos").json()
            if m["id"] == memo_id] == ["Ana's first thought"]  # fmt: skip


def test_the_transcript_page_shows_each_new_version_of_its_turns(study):
    """The turns' HTML is kept between requests: a correction of the same length (the
    same segments, other words) and a recording put beside the file show at once."""
    from qualcode.importing import import_files

    folder = study.root / "talks"
    folder.mkdir()
    (folder / "talk.md").write_text(
        "---\nspeakers:\n  Q: {role: interviewer}\n  A: {role: resident}\n---\n"
        "[00:00:05] Q: Ready tehn?\n\n[00:00:09] A: Ready now.\n",
        encoding="utf-8",
    )
    import_files(study, [folder / "talk.md"])
    api = client_for(study)
    first = api.get("/documents/talk.md").text
    assert "tehn" in first and ">resident<" in first and "<time>00:00:05</time>" in first
    assert api.get("/documents/talk.md").text == first
    at = api.get("/api/documents/talk.md").json()["text"].index("tehn")
    fixed = api.post(
        "/api/documents/talk.md/correct", json={"start": at, "end": at + 4, "text": "then"}
    )
    assert fixed.status_code == 200, fixed.text
    second = api.get("/documents/talk.md").text
    assert "Ready then?" in second and "tehn" not in second
    (folder / "talk.mp3").write_bytes(b"ID3")
    assert 'class="time" data-control="play-from"' in api.get("/documents/talk.md").text
