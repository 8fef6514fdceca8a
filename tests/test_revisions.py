"""Corrected transcripts keep their codings: import --replace, edit, review, revisions,
revert and undo, as a user runs them (real SQLite project, real spaCy, the CLI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write
from sqlalchemy import select

from qualcode import import_files, open_project
from qualcode.cli import cli
from qualcode.codebook import load_codebook, sync_codebook
from qualcode.coding import apply_coding, remove_coding
from qualcode.models import Coding, CodingReview, Document, DocumentRevision, Segment

REPO = Path(__file__).resolve().parent.parent
TALK = """\
Jo: We learnt to speak the councils langauge. It took years of meetings.

Priya: The housing officer never came to the table. We wrote to them twice.

Jo: Independent money meant we could say no to the council.
"""
CORRECTED = """\
JO EVANS: We learnt to speak the council's language. It took years of meetings.

Sam: [inaudible] We met in the library most weeks.

PRIYA SHAH: The housing officer never came to the table.

JO EVANS: Independent money meant we could say no to the council.
"""
PASSAGES = {
    "language": "We learnt to speak the councils langauge",
    "table": "The housing officer never came to the table.",
    "letters": "We wrote to them twice.",
    "money": "Independent money meant we could say no to the council.",
}


def run(runner, root, *args, code=0, env=None):
    result = runner.invoke(cli, ["--project", str(root), *args], env=env)
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def coded(tmp_path: Path, runner) -> tuple[Path, dict[str, str]]:
    """A plain transcript (no front matter) with one coding on each passage, by ana."""
    path = write(tmp_path / "talk.txt", TALK)
    run(runner, tmp_path, "init")
    ids = {}
    with open_project(tmp_path) as project:
        with project.transaction() as session:
            sync_codebook(session, load_codebook(REPO / "codebook.yaml"))
        assert not import_files(project, [path]).failed
        with project.transaction() as session:
            for key, quote in PASSAGES.items():
                start = TALK.index(quote)
                coding = apply_coding(
                    session, "talk.txt", start, start + len(quote), "Independent funding", "ana"
                )
                ids[key] = str(coding.id)
    return tmp_path, ids


def state(root: Path) -> tuple[str, dict[str, tuple[int, int, str | None]], set[str]]:
    """The text, each coding's (start, end, anchor) by id, and the ids waiting for review."""
    with open_project(root) as project, project.sessionmaker() as session:
        text = session.scalars(select(Document.text)).one()
        codings = {str(c.id): (c.start, c.end, c.anchor) for c in session.scalars(select(Coding))}
        waiting = {str(r.id) for r in session.scalars(select(CodingReview))}
    return text, codings, waiting


def test_replace_keeps_every_coding_on_its_words_or_for_review(coded, runner):
    root, ids = coded
    write(root / "talk.txt", CORRECTED)
    output = run(runner, root, "--as", "lead", "import", "--replace", str(root / "talk.txt"))
    assert "revision 2; 3 coding(s) kept (1 re-anchored), 1 sent to review" in output
    text, codings, waiting = state(root)
    assert text == CORRECTED
    start, end, anchor = codings[ids["language"]]
    assert (text[start:end], anchor) == ("We learnt to speak the council's language", "reanchored")
    for key in ("table", "money"):
        start, end, anchor = codings[ids[key]]
        assert (text[start:end], anchor) == (PASSAGES[key], None)
    assert waiting == {ids["letters"]}  # its sentence was removed: kept, not deleted
    with open_project(root) as project, project.sessionmaker() as session:
        revisions = session.scalars(select(DocumentRevision).order_by(DocumentRevision.number))
        assert [(r.number, r.author) for r in revisions] == [(1, None), (2, "lead")]
        money = session.get_one(Coding, __import__("uuid").UUID(ids["money"]))
        segment = session.get_one(Segment, money.segment_id)
        assert (segment.start, segment.end) == (money.start, money.end)
        assert (money.quote, money.revision) == (PASSAGES["money"], 2)


def test_review_lists_replaces_and_drops_then_undo_brings_back(coded, runner):
    root, ids = coded
    write(root / "talk.txt", CORRECTED)
    run(runner, root, "import", "--replace", str(root / "talk.txt"))
    listed = run(runner, root, "--as", "ana", "review")
    assert ids["letters"][:8] in listed and "We wrote to them twice." in listed
    assert "1 coding(s) wait for review" in listed
    at = TALK.index(PASSAGES["letters"])  # its words with their context, on one line for grep
    was = f"[{PASSAGES['letters']}]{TALK[at + len(PASSAGES['letters']) :][:32]}…"
    assert was.replace("\n", " ") in listed
    target = CORRECTED.index("We met in the library")
    span = f"{target}:{target + len('We met in the library most weeks.')}"
    run(runner, root, "--as", "ben", "review", ids["letters"][:8], "--at", span, code=1)
    done = run(runner, root, "--as", "ana", "review", ids["letters"][:8], "--at", span)
    assert "re-placed" in done
    text, codings, waiting = state(root)
    start, end, anchor = codings[ids["letters"]]
    assert (text[start:end], anchor, waiting) == (
        "We met in the library most weeks.",
        "reviewed",
        set(),
    )
    assert "No coding waits for review." in run(runner, root, "--as", "ana", "review")


def test_a_dropped_coding_comes_back_with_undo(coded, runner):
    root, ids = coded
    write(root / "talk.txt", CORRECTED)
    run(runner, root, "import", "--replace", str(root / "talk.txt"))
    run(runner, root, "--as", "ana", "review", ids["letters"][:8], "--drop")
    assert state(root)[2] == set()
    run(runner, root, "--as", "ana", "undo")
    _, codings, waiting = state(root)
    assert ids["letters"] not in codings and waiting == {ids["letters"]}


def test_revisions_show_a_word_diff_and_revert_brings_codings_back_exactly(coded, runner):
    root, ids = coded
    _, before, _ = state(root)
    write(root / "talk.txt", CORRECTED)
    run(runner, root, "--as", "lead", "import", "--replace", str(root / "talk.txt"))
    listed = run(runner, root, "revisions", "talk.txt")
    assert "2 (current)" in listed and "lead" in listed
    assert "[-councils-]{+council's+} language" in listed
    diff = run(runner, root, "revisions", "talk.txt", "--diff", "2")
    assert "[-langauge-]{+language+}" in diff and "[-. We wrote to them twice-]." in diff
    run(runner, root, "--as", "lead", "revert", "talk.txt", "1")
    text, after, waiting = state(root)
    assert text == TALK and waiting == set()
    # Back where they were, as they were: the re-anchored one is no longer marked so.
    assert after == before
    assert "3 (current)" in run(runner, root, "revisions", "talk.txt")


def test_undo_of_a_removal_made_before_a_correction_follows_the_words(coded, runner):
    root, ids = coded
    with open_project(root) as project, project.transaction() as session:
        coding = session.get_one(Coding, __import__("uuid").UUID(ids["money"]))
        remove_coding(session, coding, "ana")
    write(root / "talk.txt", CORRECTED)
    run(runner, root, "import", "--replace", str(root / "talk.txt"))
    assert "put back" in run(runner, root, "--as", "ana", "undo")
    text, codings, _ = state(root)
    start, end, _ = codings[ids["money"]]
    assert text[start:end] == PASSAGES["money"]


def test_edit_opens_the_text_in_the_editor_and_makes_a_revision(coded, runner, tmp_path):
    root, ids = coded
    editor = write(tmp_path / "fix.sh", "#!/bin/sh\nsed -i 's/langauge/language/' \"$1\"\n")
    editor.chmod(0o755)
    output = run(runner, root, "--as", "ana", "edit", "talk.txt", "--reason", "typo",
                 env={"EDITOR": str(editor)})  # fmt: skip
    assert "revision 2; 4 coding(s) kept (1 re-anchored), 0 sent to review" in output
    text, codings, _ = state(root)
    start, end, _ = codings[ids["language"]]
    assert text[start:end] == "We learnt to speak the councils language"
    assert "typo" in run(runner, root, "revisions", "talk")


def test_the_agreement_report_says_what_corrections_did_to_the_compared_codings(coded, runner):
    root, ids = coded
    from qualcode.reliability import agreement_table

    with open_project(root) as project:
        with project.transaction() as session:
            start = TALK.index(PASSAGES["money"])
            apply_coding(session, "talk.txt", start, start + len(PASSAGES["money"]),
                         "Independent funding", "ben")  # fmt: skip
        before = agreement_table(project, coders=["ana", "ben"], resamples=0)
        assert not any("Corrected transcripts" in note for note in before.notes)
    write(root / "talk.txt", CORRECTED)
    run(runner, root, "import", "--replace", str(root / "talk.txt"))
    with open_project(root) as project:
        after = agreement_table(project, coders=["ana", "ben"], resamples=0)
    said = [note for note in after.notes if note.startswith("Corrected transcripts")]
    assert said == [
        "Corrected transcripts: 1 of the compared codings were re-anchored by a correction "
        "and nobody has checked them yet; 1 wait for review (qualcode review) and are left out."
    ]


def test_revisions_on_sqlite_and_postgresql(small_project):
    """Edit, review and revert on each backend: bulk moves, the review list, the log."""
    from qualcode.revisions.edit import rewrite
    from qualcode.revisions.history import revert

    name = "area-1-mapping-workshop.md"
    with small_project.transaction() as session:
        text = session.scalars(select(Document.text)).one()
        made = {}
        for words in ("Messy we can do.", "They did all die."):
            start = text.index(words)
            coding = apply_coding(session, name, start, start + len(words), "Trust", "ana")
            made[words] = (coding.id, coding.start, coding.end)
    fixed = text.replace("Messy we can do.", "Messy, we can do.").replace(" They did all die.", "")
    result = rewrite(small_project, name, fixed, author="ana", reason="typo; withdrawn")
    assert (result.number, result.reanchored, result.review) == (2, 1, 1)
    with small_project.sessionmaker() as session:
        moved = session.get_one(Coding, made["Messy we can do."][0])
        assert fixed[moved.start : moved.end] == "Messy, we can do."
        assert session.get_one(CodingReview, made["They did all die."][0]).quote == (
            "They did all die."
        )
    back = revert(small_project, name, 1, author="ana")
    assert (back.number, back.restored) == (3, 2)
    with small_project.sessionmaker() as session:
        assert session.scalars(select(Document.text)).one() == text
        for coding_id, start, end in made.values():
            coding = session.get_one(Coding, coding_id)
            assert (coding.start, coding.end) == (start, end)


def test_suggestions_and_segment_memos_follow_their_words(coded, runner):
    """A suggestion on a segment whose words did not change, and a memo on a segment, move
    to the new segments; a suggestion on changed words is left behind."""
    from qualcode.memos import write_memo
    from qualcode.models import Code, Memo, Suggestion

    root, _ids = coded
    with open_project(root) as project, project.transaction() as session:
        segments = {
            TALK[s.start : s.end]: s.id
            for s in session.scalars(select(Segment).order_by(Segment.ordinal))
        }
        code = session.scalars(select(Code)).first()
        for words in ("It took years of meetings.", "We learnt to speak the councils langauge."):
            session.add(
                Suggestion(segment_id=segments[words], code_id=code.id, score=0.9, method="rules")
            )
        ordinal = list(segments).index("The housing officer never came to the table.") + 1
        write_memo(session, "segment", "talk.txt", "Key moment.", "ana", segment=ordinal)
    write(root / "talk.txt", CORRECTED)
    run(runner, root, "import", "--replace", str(root / "talk.txt"))
    with open_project(root) as project, project.sessionmaker() as session:
        text = session.scalars(select(Document.text)).one()
        held = [
            text[s.start : s.end]
            for s in session.scalars(
                select(Segment).join(Suggestion, Suggestion.segment_id == Segment.id)
            )
        ]
        assert held == ["It took years of meetings."]
        memo = session.scalars(select(Memo).where(Memo.target_type == "segment")).one()
        segment = session.get_one(Segment, int(memo.target_id))
        assert text[segment.start : segment.end] == "The housing officer never came to the table."


def test_a_coding_may_move_onto_the_place_another_leaves(coded, runner):
    """Two codings of one code and coder, the second as far after the first as the text
    inserted before both: the first moves onto the second's old place."""
    root, _ids = coded
    first = TALK.index("It took years")
    inserted = "Sam: Hello. "
    second = first + len(inserted)
    with open_project(root) as project, project.transaction() as session:
        made = [
            apply_coding(session, "talk.txt", s, s + 7, "Trust", "ana").id for s in (first, second)
        ]
    new = TALK[:first] + inserted + TALK[first:]
    write(root / "talk.txt", new)
    output = run(runner, root, "import", "--replace", str(root / "talk.txt"))
    assert "0 sent to review" in output
    with open_project(root) as project, project.sessionmaker() as session:
        moved = [session.get_one(Coding, coding_id) for coding_id in made]
        assert [(c.start, c.end) for c in moved] == [
            (second, second + 7),
            (second + 12, second + 19),
        ]
        assert [new[c.start : c.end] for c in moved] == [
            TALK[first : first + 7],
            TALK[second : second + 7],
        ]


def test_a_document_with_codings_to_review_is_flagged_for_whoever_may_see_them(coded, runner):
    root, _ids = coded
    assert "review" not in run(runner, root, "--as", "ana", "documents")
    write(root / "talk.txt", CORRECTED)
    run(runner, root, "--as", "ana", "import", "--replace", str(root / "talk.txt"))
    run(runner, root, "coder", "lee", "--role", "lead")
    run(runner, root, "coder", "ben")
    for who, waiting in (("lee", 1), ("ana", 1), ("ben", 0)):  # ben is blind to ana's work
        table = run(runner, root, "--as", who, "documents")
        row = next(line for line in table.splitlines() if "talk.txt" in line)
        assert (" review " in table) == bool(waiting)
        assert row.rstrip(" │").endswith(f" {waiting}") == bool(waiting)
        status = run(runner, root, "--as", who, "status")
        assert f"review: {waiting} (codings a correction could not place" in status


def test_undo_of_a_re_placement_puts_the_coding_back_in_the_review_list(coded, runner):
    root, ids = coded
    write(root / "talk.txt", CORRECTED)
    run(runner, root, "import", "--replace", str(root / "talk.txt"))
    before = run(runner, root, "--as", "ana", "review")
    run(runner, root, "--as", "ana", "review", ids["letters"][:8], "--place", "1")
    assert state(root)[2] == set()
    said = run(runner, root, "--as", "ana", "undo")
    assert "place of 'Independent funding'" in said and "review list" in said
    _, codings, waiting = state(root)
    assert ids["letters"] not in codings and waiting == {ids["letters"]}
    assert run(runner, root, "--as", "ana", "review") == before  # its candidates too
    # The undo before it is left alone: ana's codings made before the correction stay.
    assert {ids["language"], ids["table"], ids["money"]} <= set(codings)


def test_an_assigned_passage_follows_its_words(coded, runner):
    """ana is given the passage from "The housing officer" to "twice."; the correction
    adds a turn before it and cuts "We wrote to them twice.": the passage still starts at
    "The housing officer", and the inserted turn stays outside it."""
    from qualcode.team import assign, assignments

    root, _ids = coded
    with open_project(root) as project, project.transaction() as session:
        assign(session, ["talk.txt"], ["ana"], segments=(3, 4))
    with open_project(root) as project:
        row = assignments(project).iloc[0]
        assert TALK[int(row.start) : int(row.end)].startswith("The housing officer")
    write(root / "talk.txt", CORRECTED)
    run(runner, root, "import", "--replace", str(root / "talk.txt"))
    with open_project(root) as project, project.sessionmaker() as session:
        row = assignments(project).iloc[0]
        text = session.scalars(select(Document.text)).one()
    passage = text[int(row.start) : int(row.end)]
    assert passage.startswith("The housing officer never came to the table.")
    assert "library" not in passage and "Independent" not in passage
