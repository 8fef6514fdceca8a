"""Adjudication: settling disagreements into the consensus coder, idempotently."""

from __future__ import annotations

import pytest

from qualcode import QualcodeError, queries
from qualcode.adjudicate import agreed, copy_agreed, pending, settle, settle_all
from qualcode.coding import apply_coding, code_segment
from qualcode.reliability import agreement_table
from qualcode.team import assign

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
