"""Team coding: assignments, and blind coding until a lead opens the round."""

from __future__ import annotations

import json

import pytest

from qualcode import QualcodeError, queries
from qualcode.cli import cli
from qualcode.coding import code_segment, get_coder
from qualcode.team import assign, assignments, set_round

DOCS = ["area-1-mapping-workshop.md", "area-2-interview-council-officer.txt"]


def test_assign_gives_each_document_to_each_coder_once(example_project):
    with example_project.transaction() as session:
        assert len(assign(session, DOCS, ["ana", "ben"])) == 4
        assert assign(session, DOCS[:1], ["ana"]) == []
    frame = assignments(example_project)
    assert frame[["document", "coder"]].values.tolist() == [
        [DOCS[0], "ana"], [DOCS[0], "ben"], [DOCS[1], "ana"], [DOCS[1], "ben"],
    ]  # fmt: skip


def coded_by_two(project):
    with project.transaction() as session:
        get_coder(session, "lee", role="lead")
        code_segment(session, DOCS[0], 3, "Trust", "ana")
        code_segment(session, DOCS[0], 3, "Respect", "ben")


def test_a_coder_sees_only_their_own_codings_until_the_round_opens(example_project):
    coded_by_two(example_project)
    assert queries.codings(example_project, viewer="ana").coder.tolist() == ["ana"]
    assert queries.codings(example_project, viewer="ben").coder.tolist() == ["ben"]
    assert sorted(queries.codings(example_project, viewer="lee").coder) == ["ana", "ben"]
    with example_project.transaction() as session:
        set_round(session, "lee", open_=True)
    assert sorted(queries.codings(example_project, viewer="ana").coder) == ["ana", "ben"]


def test_only_a_lead_opens_the_round(example_project):
    coded_by_two(example_project)
    with example_project.transaction() as session, pytest.raises(QualcodeError) as caught:
        set_round(session, "ana", open_=True)
    assert str(caught.value) == (
        "ana is not a lead: only a lead opens or closes the round "
        "(make one with `qualcode coder ana --role lead`)"
    )


def test_cli_blind_round(runner, example_project):
    root = str(example_project.root)
    coded_by_two(example_project)

    def listed(name):
        result = runner.invoke(cli, ["--project", root, "--as", name, "codings", "--json"])
        assert result.exit_code == 0, result.output
        return sorted(row["coder"] for row in json.loads(result.output))

    assert (
        runner.invoke(cli, ["--project", root, "assign", *DOCS, "--coders", "ana,ben"]).exit_code
        == 0
    )
    assert listed("ben") == ["ben"]
    result = runner.invoke(cli, ["--project", root, "round", "open", "--coder", "lee"])
    assert result.output == "round open\n"
    assert listed("ben") == ["ana", "ben"]
