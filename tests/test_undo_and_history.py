"""Undo takes back a coder's latest change whatever its kind, and history lists every
kind of entry the coding log holds, including those of `import --replace`."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from sqlalchemy import select

from qualcode import queries
from qualcode.adjudicate import pending, reopen, settle
from qualcode.cli import cli
from qualcode.codebook_edit import edit_codebook
from qualcode.coding import code_segment, get_coder, merge_codes
from qualcode.memos import memos, write_memo
from qualcode.models import LOG_ACTIONS, Document, Suggestion
from qualcode.suggest import accept, reject, store_suggestions, suggestions
from qualcode.suggest.store import Found
from qualcode.team import assign
from qualcode.undo import undo_last
from qualcode.web import WebSettings, create_app

ON_BOTH_BACKENDS = True  # on SQLite and on PostgreSQL (conftest.py)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx versions
    from fastapi.testclient import TestClient

DOC = "area-1-mapping-workshop.md"
SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "refi-qda" / "samples"


def run(runner, project, *args, code=0):
    result = runner.invoke(cli, ["--project", str(project.root), *args], env={"COLUMNS": "200"})
    assert result.exit_code == code, result.output
    return result


def suggest(project, coder, *ordinals, code="Trust"):
    """Store suggestions of ``code`` on these segments for ``coder``; their ids."""
    segments = queries.segments(project, DOC).set_index("ordinal")
    code_id = queries.codes(project).set_index("name").id[code]
    with project.transaction() as session:
        found = [Found(int(segments.id[n]), code_id, 0.9, "rules", {}) for n in ordinals]
        store_suggestions(session, coder, found)
    frame = suggestions(project, status=None)
    return [int(i) for i in frame.id[frame.segment.isin(ordinals)]]


def statuses(project):
    with project.sessionmaker() as session:
        return {row.id: (row.status, row.coding_id) for row in session.query(Suggestion)}


def test_undo_after_a_memo_on_a_coding_gives_the_memo_back(example_project, runner):
    made = run(runner, example_project, "code", DOC, "3", "Trust", "--coder", "ana")
    coding_id = made.output.split("coding ")[-1].strip()
    run(runner, example_project, "memo", "coding", coding_id, "Borderline.", "--coder", "ana")
    said = run(runner, example_project, "undo", "--coder", "ana").output
    assert said.startswith("undid memo of 'Trust'")
    frame = queries.codings(example_project)
    assert frame.id.tolist() == [coding_id] and frame.memo.isna().all()
    assert run(runner, example_project, "undo", "--coder", "ana").output.startswith("undid add")
    assert queries.codings(example_project).empty


def test_undo_takes_back_a_memo_on_a_document_a_segment_or_a_code(example_project):
    with example_project.transaction() as session:
        code_segment(session, DOC, 3, "Trust", "ana")
        write_memo(session, "document", DOC, "A lively group.", "ana")
        write_memo(session, "segment", DOC, "Turning point.", "ana", segment=5)
        write_memo(session, "code", "Trust", "Keep apart from respect.", "ana")
    for left in (2, 1, 0):
        with example_project.transaction() as session:
            assert "removed the memo" in undo_last(session, "ana")
        assert len(memos(example_project)) == left
    assert len(queries.codings(example_project)) == 1


def test_undo_takes_back_an_accept_and_a_reject(example_project):
    first, second, third = suggest(example_project, "ana", 3, 4, 5)
    with example_project.transaction() as session:
        accept(session, [first, second], "ana")
    with example_project.transaction() as session:
        reject(session, [third], "ana")
    with example_project.transaction() as session:
        assert undo_last(session, "ana").endswith("the suggestion is pending again")
    assert statuses(example_project)[third] == ("pending", None)
    with example_project.transaction() as session:  # both accepts were one change
        said = undo_last(session, "ana")
    assert said.startswith("undid one change of 4 entries (2 accept, 2 add)")
    assert {s for s, _c in statuses(example_project).values()} == {"pending"}
    assert queries.codings(example_project).empty


def test_undo_takes_back_a_whole_merge(example_project):
    with example_project.transaction() as session:
        for ordinal in (3, 4):
            code_segment(session, DOC, ordinal, "Common language", "ana")
        code_segment(session, DOC, 4, "Speaking the language", "ana")
    with example_project.transaction() as session:
        assert merge_codes(session, "Common language", "Speaking the language", "ana") == 2
    with example_project.transaction() as session:
        assert undo_last(session, "ana").startswith("undid one change of 2 entries")
    frame = queries.codings(example_project)
    assert sorted(zip(frame.segment, frame.code, strict=True)) == [
        (3, "Common language"), (4, "Common language"), (4, "Speaking the language"),
    ]  # fmt: skip


def test_undo_takes_back_a_settled_item(example_project):
    with example_project.transaction() as session:
        get_coder(session, "lee", role="lead")
        assign(session, [DOC], ["ana", "ben"])
        code_segment(session, DOC, 3, "Trust", "ana")
        code_segment(session, DOC, 4, "Respect", "ben")
    before = len(pending(example_project))
    with example_project.transaction() as session:
        settle(session, pending(example_project).iloc[0], "ana", by="lee")
    assert len(pending(example_project)) == before - 1
    assert len(queries.codings(example_project, coder="consensus")) == 1
    with example_project.transaction() as session:
        said = undo_last(session, "lee")
    assert said.startswith("undid one change of 2 entries (1 settle, 1 add)")
    assert len(pending(example_project)) == before
    assert queries.codings(example_project, coder="consensus").empty


def replace_transcript(runner, project) -> str:
    """Put new text before the old in the transcript, so that every coding moves, and
    import it again with --replace; what the import said."""
    path = project.root / "transcripts" / DOC
    head, _sep, body = path.read_text(encoding="utf-8").partition("\n---\n")
    path.write_text(f"{head}\n---\nNote added before the talk.\n\n{body}", encoding="utf-8")
    return run(runner, project, "import", "--replace", str(path.parent)).output


def test_history_works_after_import_replace_moves_codings(example_project, runner):
    run(runner, example_project, "code", DOC, "3", "Trust", "--coder", "ana")
    before = queries.codings(example_project).start.iloc[0]
    assert "1 replaced" in replace_transcript(runner, example_project)
    moved = queries.codings(example_project)
    assert moved.start.iloc[0] > before
    shown = run(runner, example_project, "history").output
    assert "move" in shown and "Trust" in shown
    rows = json.loads(run(runner, example_project, "history", "--json").output)
    assert [r["action"] for r in rows] == ["move", "add"]
    assert rows[0]["start"] == moved.start.iloc[0] and rows[0]["text"] == moved.text.iloc[0]
    app = create_app(example_project, WebSettings(token="t", coder="ana"))
    client = TestClient(app, headers={"Authorization": "Bearer t"})
    answer = client.get("/api/history")
    assert answer.status_code == 200 and answer.json()[0]["action"] == "move"


def test_history_lists_every_kind_of_entry(example_project, runner):
    """One entry of each action in LOG_ACTIONS: a new kind must show here too."""
    first, second = suggest(example_project, "ana", 5, 6)
    with example_project.transaction() as session:
        get_coder(session, "lee", role="lead")
        assign(session, [DOC], ["ana", "ben"])
        coding = code_segment(session, DOC, 3, "Trust", "ana")  # add
        write_memo(session, "coding", str(coding.id), "Borderline.", "ana")  # memo
        write_memo(session, "code", "Trust", "Relying on someone.", "ana")  # note
        merge_codes(session, "Trust", "Respect", "ana")  # recode
        code_segment(session, DOC, 4, "Respect", "ben")
        accept(session, [first], "ana")  # accept
        reject(session, [second], "ana")  # reject
        edit_codebook(session, example_project.root, "lee", "recolour", "Respect",
                      colour="#336699")  # codebook  # fmt: skip
    with example_project.transaction() as session:
        settle(session, pending(example_project).iloc[0], "ben", by="lee")  # settle
        undo_last(session, "ben")  # undo
    with example_project.transaction() as session:
        key = pending(example_project).iloc[0]["key"]
        settle(session, key, "ana", by="lee")
        reopen(session, key, by="lee")  # reopen
    run(runner, example_project, "uncode", DOC, "5", "Trust", "--coder", "ana")  # remove
    replace_transcript(runner, example_project)  # move
    # place: a correction rewrites the words of ana's coding; it waits, and she puts it back
    lost = queries.codings(example_project, coder="ana").iloc[0]
    path = example_project.root / "transcripts" / DOC
    path.write_text(
        path.read_text(encoding="utf-8").replace(lost.text, "Words said quite otherwise."),
        encoding="utf-8",
    )
    run(runner, example_project, "import", "--replace", str(path))
    with example_project.sessionmaker() as session:
        text = session.scalar(select(Document.text).where(Document.name == DOC))
    at = text.index("Words said quite otherwise.")
    span = f"{at}:{at + len('Words said quite otherwise.')}"
    run(runner, example_project, "--as", "ana", "review", lost.id[:8], "--at", span)
    run(runner, example_project, "--as", "lee", "import", str(SAMPLES / "minimal-project.qdpx"))
    frame = queries.history(example_project)
    assert set(frame.action) == set(LOG_ACTIONS)
    note = frame[frame.action == "note"].iloc[0]
    assert (note.code, note.start, note.text) == ("Trust", None, "Relying on someone.")
    assert run(runner, example_project, "history", "--limit", "100").exit_code == 0
    rows = json.loads(run(runner, example_project, "history", "--json").output)
    assert all(isinstance(r["start"], int | None) for r in rows)


def test_accepting_again_says_it_was_accepted_before(example_project, runner):
    first, second = suggest(example_project, "ana", 3, 4)
    said = run(runner, example_project, "accept", str(first), "--coder", "ana").output
    assert said.splitlines()[-1] == "1 accepted now, 0 accepted before"
    both = [str(first), str(second)]
    lines = run(runner, example_project, "accept", *both, "--coder", "ana").output.splitlines()
    assert lines[0].startswith(f"suggestion {first} was accepted already: coding ")
    assert lines[1].startswith(f"suggestion {second} accepted: coding ")
    assert lines[2] == "1 accepted now, 1 accepted before"
    again = run(runner, example_project, "accept", *both, "--coder", "ana").output.splitlines()
    assert again[-1] == "0 accepted now, 2 accepted before"
    assert len(queries.codings(example_project)) == 2
