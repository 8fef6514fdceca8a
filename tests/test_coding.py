"""Coding: apply and remove, exclusive themes, history and undo, memos, merge and split."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qualcode import NotFound, QualcodeError, queries
from qualcode.coding import (
    apply_coding,
    code_segment,
    find_code,
    get_coder,
    merge_codes,
    split_code,
    uncode,
)
from qualcode.memos import memos, write_memo
from qualcode.models import Coding
from qualcode.undo import undo_last

DOC = "area-1-mapping-workshop.md"

ON_BOTH_BACKENDS = True  # on SQLite and on PostgreSQL (conftest.py)


def segment_text(project, ordinal: int) -> str:
    frame = queries.segments(project, DOC)
    return frame[frame.ordinal == ordinal].text.iloc[0]


def test_code_a_segment_and_a_span_then_list_them(example_project):
    with example_project.transaction() as session:
        code_segment(session, DOC, 5, "speaking-the-language", "ana", memo="jargon")
        doc_text = queries.find_document(session, DOC).text
        start = doc_text.index("Facilitator:")
        apply_coding(session, DOC, start - 1, start + 14, "Trust", "ben")
    frame = queries.codings(example_project)
    assert list(frame.coder) == ["ben", "ana"] or list(frame.coder) == ["ana", "ben"]
    by_coder = frame.set_index("coder")
    assert by_coder.loc["ana", "text"] == segment_text(example_project, 5)
    assert by_coder.loc["ana", "segment"] == 5 and by_coder.loc["ana", "memo"] == "jargon"
    assert by_coder.loc["ana", "theme"] == "Factors that help or hinder relationships"
    assert by_coder.loc["ben", "text"] == "Facilitator: R"  # trimmed of the white space
    assert len(queries.codings(example_project, coder="ana")) == 1
    theme = queries.codings(example_project, code="Factors that help or hinder relationships")
    assert list(theme.code) == ["Speaking the language"]


def test_the_same_coding_twice_is_kept_once(example_project):
    with example_project.transaction() as session:
        first = code_segment(session, DOC, 5, "trust", "ana")
        again = code_segment(session, DOC, 5, "Trust", "ana")
    assert first.id == again.id
    assert len(queries.codings(example_project)) == 1


def test_bad_spans_codes_and_segments_say_what_to_do(example_project):
    with example_project.transaction() as session:
        length = len(queries.find_document(session, DOC).text)
        with pytest.raises(QualcodeError) as caught:
            apply_coding(session, DOC, 10, length + 5, "trust", "ana")
        assert str(caught.value) == (
            f"span 10-{length + 5} is outside '{DOC}', whose text runs from 0 to {length}: "
            "give a start before the end, both within the text"
        )
        with pytest.raises(
            NotFound, match=r"no code 'trsut' in the codebook; did you mean 'Trust'\?"
        ):
            find_code(session, "trsut")
        with pytest.raises(
            NotFound, match=f"{DOC} has no segment 9999: its segments are numbered 1 to"
        ):
            code_segment(session, DOC, 9999, "trust", "ana")


def test_exclusive_theme_takes_one_code_per_segment_per_coder(example_project):
    with example_project.transaction() as session:
        code_segment(session, DOC, 7, "Powerful allies", "ana")
        code_segment(session, DOC, 7, "Friends and acquaintances", "ben")  # another coder: fine
        with pytest.raises(QualcodeError, match="belong to an exclusive theme"):
            code_segment(session, DOC, 7, "Friends and acquaintances", "ana")
        code_segment(session, DOC, 7, "Trust", "ana")  # a code of another theme: fine


def test_history_records_every_change_and_undo_walks_back(example_project):
    with example_project.transaction() as session:
        code_segment(session, DOC, 3, "trust", "ana")
        code_segment(session, DOC, 4, "respect", "ana")
        segment = queries.segments(example_project, DOC).iloc[2]
        uncode(session, DOC, segment.start, segment.end, "trust", "ana")
    log = queries.history(example_project)
    assert list(log.action) == ["remove", "add", "add"]
    assert list(log.code) == ["Trust", "Respect", "Trust"]
    with example_project.transaction() as session:
        assert undo_last(session, "ana").startswith("undid remove of 'Trust'")
    assert sorted(queries.codings(example_project).code) == ["Respect", "Trust"]
    with example_project.transaction() as session:
        assert undo_last(session, "ana").startswith("undid add of 'Respect'")
        assert undo_last(session, "ana").startswith("undid add of 'Trust'")
        with pytest.raises(QualcodeError, match="ana has no change left to undo"):
            undo_last(session, "ana")
    assert queries.codings(example_project).empty
    assert list(queries.history(example_project).action[:3]) == ["undo", "undo", "undo"]


def test_undo_only_touches_the_coders_own_changes(example_project):
    with example_project.transaction() as session:
        code_segment(session, DOC, 3, "trust", "ana")
        code_segment(session, DOC, 4, "trust", "ben")
        undo_last(session, "ana")
    assert list(queries.codings(example_project).coder) == ["ben"]


def test_merge_moves_codings_and_drops_doubles(example_project):
    with example_project.transaction() as session:
        get_coder(session, "lead", role="lead")  # a lead's merge moves everyone's codings
        code_segment(session, DOC, 3, "Common language", "ana")
        code_segment(session, DOC, 4, "Common language", "ana")
        code_segment(session, DOC, 4, "Speaking the language", "ana")
        moved = merge_codes(session, "Common language", "Speaking the language", "lead")
    assert moved == 2
    frame = queries.codings(example_project)
    assert sorted(frame.segment) == [3, 4] and set(frame.code) == {"Speaking the language"}


def test_split_moves_the_chosen_codings(example_project):
    with example_project.transaction() as session:
        get_coder(session, "lead", role="lead")
        for ordinal in (3, 4, 5):
            code_segment(session, DOC, ordinal, "Trust", "ana")
        wanted = segment_text(example_project, 4).split()[1]
        split_code(session, "Trust", "Respect", "lead", containing=wanted)
        with pytest.raises(QualcodeError, match="say which codings move"):
            split_code(session, "Trust", "Respect", "lead")
    frame = queries.codings(example_project).set_index("segment")
    assert frame.loc[4, "code"] == "Respect"
    assert frame.loc[3, "code"] == "Trust" and frame.loc[5, "code"] == "Trust"


def test_memos_on_documents_segments_codes_and_codings(example_project):
    with example_project.transaction() as session:
        coding = code_segment(session, DOC, 5, "trust", "ana")
        write_memo(session, "document", DOC, "A lively group.", "ana")
        write_memo(session, "segment", DOC, "Turning point.", "ben", segment=5)
        write_memo(session, "code", "trust", "Keep apart from respect.", "lead")
        write_memo(session, "coding", str(coding.id)[:8], "Borderline.", "ana")
    frame = memos(example_project)
    assert [(r.target_type, r.target, r.coder, r.text) for r in frame.itertuples()] == [
        ("document", DOC, "ana", "A lively group."),
        ("segment", f"{DOC} #5", "ben", "Turning point."),
        ("code", "Trust", "lead", "Keep apart from respect."),
    ]
    assert queries.codings(example_project).memo.tolist() == ["Borderline."]
    with example_project.sessionmaker() as session:
        assert session.scalars(select(Coding.memo)).one() == "Borderline."
    assert queries.history(example_project).action.iloc[0] == "memo"


def test_the_example_codings_of_two_coders_all_place(coded_project):
    frame = queries.codings(coded_project)
    assert len(frame) == 908
    assert set(frame.coder) == {"ana", "ben"}
    assert frame.origin.eq("import").all()
    # a one-sentence quote is aligned to its segment; longer ones span several
    one_sentence = frame[~frame.text.str.contains(r"[.?!] \S")]
    assert one_sentence.segment.notna().mean() > 0.9
    per_code = frame.groupby("code").document.nunique()
    assert (per_code >= 3).all()
