"""Adjudication: settling disagreements into the consensus coder, idempotently."""

from __future__ import annotations

import pytest

from qualcode import QualcodeError, queries
from qualcode.adjudicate import (
    agreed,
    copy_agreed,
    pending,
    reopen,
    settle,
    settle_all,
    settled,
)
from qualcode.cli import cli
from qualcode.coding import apply_coding, code_segment, get_coder
from qualcode.reliability import agreement_table
from qualcode.team import assign
from qualcode.undo import undo_last

ON_BOTH_BACKENDS = True  # on SQLite and on PostgreSQL (conftest.py)

DOC = "area-1-mapping-workshop.md"


@pytest.fixture
def disputed(example_project):
    """ana and ben on one document: they differ on segments 3, 6 and 9, agree on 5 and 12."""
    segments = queries.segments(example_project, DOC).set_index("ordinal")
    with example_project.transaction() as session:
        assign(session, [DOC], ["ana", "ben"])
        code_segment(session, DOC, 3, "Trust", "ana")
        # ana's coding runs over segments 5 and 6; ben codes part of segment 5
        apply_coding(session, DOC, segments.start[5], segments.end[6], "Trust", "ana")
        apply_coding(session, DOC, segments.start[5], segments.start[5] + 10, "Trust", "ben")
        code_segment(session, DOC, 9, "Powerful allies", "ana")
        code_segment(session, DOC, 9, "Clients and contractors", "ben")
        code_segment(session, DOC, 12, "Respect", "ana")
        code_segment(session, DOC, 12, "Respect", "ben")
    return example_project, segments


def consensus(project):
    frame = queries.codings(project, coder="consensus")
    return sorted(zip(frame.segment, frame.code, frame.start, frame.end, strict=True))


def item(project, segment, code="Trust"):
    frame = pending(project)
    return frame[(frame.segment == segment) & (frame.code == code)].iloc[0]


def test_pending_lists_the_disagreements_not_yet_settled(disputed):
    project, _segments = disputed
    frame = pending(project)
    assert list(zip(frame.segment, frame.code, frame.ana, frame.ben, strict=True)) == [
        (3, "Trust", "present", "absent"),
        (6, "Trust", "present", "absent"),
        (9, "Relationship types", "Powerful allies", "Clients and contractors"),
    ]
    assert frame.coders.iloc[0] == ["ana", "ben"]
    assert len(frame) == len(agreement_table(project).disagreements)


def test_take_a_coder_copies_their_coding_cut_to_the_segment(disputed):
    project, segments = disputed
    with project.transaction() as session:
        done = settle(session, item(project, 6), "ana", by="lee")
    assert (done.added, done.removed) == (1, 0)
    # ana's coding ran over segments 5-6: the consensus gets segment 6's part only
    assert consensus(project) == [(6, "Trust", segments.start[6], segments.end[6])]
    assert pending(project).segment.tolist() == [3, 9]
    with project.transaction() as session:
        again = settle(session, done.key, "ana", by="lee")
    assert (again.added, again.removed) == (0, 0)
    assert len(consensus(project)) == 1


def test_settling_again_replaces_the_earlier_decision(disputed):
    project, segments = disputed
    key = item(project, 3).key
    with project.transaction() as session:
        settle(session, key, "ana")
    assert consensus(project) == [(3, "Trust", segments.start[3], segments.end[3])]
    with project.transaction() as session:
        done = settle(session, key, "ben")  # ben did not code it
    assert (done.added, done.removed) == (0, 1)
    assert consensus(project) == []
    with project.transaction() as session:
        settle(session, key, "both")
    assert consensus(project) == [(3, "Trust", segments.start[3], segments.end[3])]
    with project.transaction() as session:
        settle(session, key, "neither")
    assert consensus(project) == []
    assert 3 not in pending(project).segment.tolist()


def test_both_is_the_union_and_consensus_codings_have_origin_consensus(disputed):
    project, segments = disputed
    with project.transaction() as session:
        settle_all(session, pending(project, code="Trust"), "both", by="lee")
    assert consensus(project) == [
        (3, "Trust", segments.start[3], segments.end[3]),
        (6, "Trust", segments.start[6], segments.end[6]),
    ]
    assert set(queries.codings(project, coder="consensus").origin) == {"consensus"}
    log = queries.history(project)
    assert (log.action == "settle").sum() == 2
    assert set(log[log.action == "settle"].coder) == {"lee"}


def test_an_exclusive_theme_takes_one_coders_code_not_both(disputed):
    project, segments = disputed
    theme = item(project, 9, "Relationship types")
    with project.transaction() as session, pytest.raises(QualcodeError) as caught:
        settle(session, theme, "both")
    assert str(caught.value) == (
        "'Relationship types' is exclusive: a segment takes one of its codes, and this choice "
        "gives it 'Powerful allies' and 'Clients and contractors'; take one coder's version, "
        "or neither"
    )
    with project.transaction() as session:
        settle(session, theme, "ben")
    assert consensus(project) == [
        (9, "Clients and contractors", segments.start[9], segments.end[9])
    ]
    with project.transaction() as session:
        settle(session, theme, "ana")
    assert consensus(project) == [(9, "Powerful allies", segments.start[9], segments.end[9])]


def test_take_both_for_all_leaves_exclusive_themes_pending(disputed):
    project, _segments = disputed
    with project.transaction() as session:
        done = settle_all(session, pending(project), "both")
    assert len(done) == 2
    assert pending(project).code.tolist() == ["Relationship types"]


def test_an_unknown_choice_names_the_valid_ones(disputed):
    project, _segments = disputed
    with project.transaction() as session, pytest.raises(QualcodeError) as caught:
        settle(session, item(project, 3), "cy")
    assert str(caught.value) == "cannot take 'cy': choose one of ana, ben, both or neither"


def test_copy_agreed_gives_the_consensus_what_the_coders_agree_on(disputed):
    project, segments = disputed
    rows = agreed(project)
    assert list(zip(rows.segment, rows.code, strict=True)) == [(5, "Trust"), (12, "Respect")]
    with project.transaction() as session:
        assert copy_agreed(session, rows) == 2
    with project.transaction() as session:
        assert copy_agreed(session, agreed(project)) == 0
    assert consensus(project) == [  # segment 5: ana's whole segment and ben's part, united
        (5, "Trust", segments.start[5], segments.end[5]),
        (12, "Respect", segments.start[12], segments.end[12]),
    ]
    assert len(pending(project)) == 3  # agreement settles nothing


def test_pending_shrinks_to_nothing_on_the_example_codings(coded_project):
    before = pending(coded_project, code="Trust")
    assert len(before) == 18
    with coded_project.transaction() as session:
        settle_all(session, before.iloc[:5], "ana")
    assert len(pending(coded_project, code="Trust")) == 13
    with coded_project.transaction() as session:
        settle_all(session, pending(coded_project, code="Trust"), "neither")
    assert pending(coded_project, code="Trust").empty
    assert len(pending(coded_project)) == 487 - 18


def test_copy_agreed_is_one_change_the_lead_can_undo(disputed):
    project, _segments = disputed
    with project.transaction() as session:
        get_coder(session, "lee", role="lead")
        assert copy_agreed(session, agreed(project), by="lee") == 2
    log = queries.history(project)
    assert (log[log.coder == "lee"].action == "add").sum() == 2
    with project.transaction() as session:
        said = undo_last(session, "lee")
    assert "2 add" in said and consensus(project) == []


def test_history_shows_the_choice_and_a_settled_item_can_be_reopened(disputed):
    project, segments = disputed
    key = item(project, 3).key
    with project.transaction() as session:
        get_coder(session, "lee", role="lead")
        settle(session, key, "ana", by="lee")
    log = queries.history(project)
    assert log[log.action == "settle"].text.iloc[0].startswith("took ana: ")
    assert settled(project).set_index("key").choice[key] == "ana"
    with project.transaction() as session:
        assert reopen(session, key, by="lee") == 1
    assert consensus(project) == [] and 3 in pending(project).segment.tolist()
    assert settled(project).empty
    with project.transaction() as session, pytest.raises(QualcodeError, match="not settled"):
        reopen(session, key, by="lee")
    with project.transaction() as session:
        assert undo_last(session, "lee").startswith("undid one change")
    assert consensus(project) == [(3, "Trust", segments.start[3], segments.end[3])]
    assert 3 not in pending(project).segment.tolist()


def test_pending_items_carry_the_segments_before_and_after(disputed):
    project, segments = disputed
    row = item(project, 6)
    assert row.before.endswith(segments.text[5]) and row.after.endswith(segments.text[7])


def test_cli_letters_pick_the_coder_they_show_when_coders_are_called_b_and_c(
    example_project, runner
):
    segments = queries.segments(example_project, DOC).set_index("ordinal")
    with example_project.transaction() as session:
        get_coder(session, "lee", role="lead")
        assign(session, [DOC], ["b", "c"])
        code_segment(session, DOC, 3, "Trust", "b")
        code_segment(session, DOC, 4, "Trust", "c")
    args = ["--project", str(example_project.root), "--as", "lee", "adjudicate"]
    shown = runner.invoke(cli, args, input="quit\n")
    assert "a) b: present" in shown.output and "d) c: absent" in shown.output
    result = runner.invoke(cli, args, input="b\nb\n")  # coder b both times, by name
    assert result.exit_code == 0, result.output
    assert consensus(example_project) == [(3, "Trust", segments.start[3], segments.end[3])]
    listed = runner.invoke(cli, [*args, "--settled"]).output
    assert "segment 3, Trust: took b" in listed and "segment 4, Trust: took b" in listed


def test_both_by_key_takes_only_the_coders_compared(disputed):
    """The lead's page posts an item's key alone: ``both`` still means the coders the
    item compares (those assigned), not a third coder who coded the segment unasked."""
    project, segments = disputed
    with project.transaction() as session:
        apply_coding(session, DOC, segments.start[3], segments.end[3], "Trust", "carl")
        key = item(project, 3).key
        settle(session, key, "both", by="lee")
    assert consensus(project) == [(3, "Trust", segments.start[3], segments.end[3])]
    assert queries.codings(project, coder="consensus").start.tolist() == [segments.start[3]]
    with project.transaction() as session, pytest.raises(QualcodeError, match="carl"):
        settle(session, item(project, 9, "Relationship types").key, "carl", by="lee")


def test_worklist_gives_what_pending_and_settled_give(disputed):
    from qualcode.adjudicate import worklist

    project, _segments = disputed
    with project.transaction() as session:
        settle(session, item(project, 3).key, "ana", by="lee")
    waiting, closed = worklist(project)
    assert waiting.segment.tolist() == pending(project).segment.tolist() == [6, 9]
    assert closed.segment.tolist() == settled(project).segment.tolist() == [3]
    assert closed.choice.tolist() == ["ana"]
