"""Agreement over a passage both coders were asked to code (a sample inside a transcript).

`qualcode assign DOC --coders a,b --segments FIRST-LAST` gives each coder that passage
only; agreement then compares them on its segments alone, and a coder's segments
outside it are missing, not absent.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from qualcode import agreement, queries
from qualcode.cli import cli
from qualcode.coding import get_coder

DOC = "area-1-mapping-workshop.md"


def run(runner, project, *args):
    return runner.invoke(cli, ["--project", str(project.root), *args], env={"COLUMNS": "160"})


@pytest.fixture
def sampled(runner, coded_project):
    with coded_project.transaction() as session:
        get_coder(session, "lee", role="lead")
    result = run(runner, coded_project, "--as", "lee", "assign", DOC, "--coders", "ana,ben",
                 "--segments", "5-20")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "segments 5 to 20 only" in result.output
    return coded_project


def test_agreement_compares_coders_on_the_passage_only(runner, sampled):
    result = run(runner, sampled, "--as", "lee", "agreement", "--resamples", "0", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    segments = queries.segments(sampled, DOC)
    inside = segments[(segments["ordinal"] >= 5) & (segments["ordinal"] <= 20)]
    assert data["pooled"]["units"] == len(inside) == 16
    assert any("cover a passage of their document only" in note for note in data["notes"])
    codings = queries.codings(sampled, document=DOC)
    for row in data["codes"][:8]:
        mine = codings[codings["code"] == row["code"]]
        values = np.array(
            [
                [
                    float(((c["start"] < s.end) & (c["end"] > s.start)).any())
                    for s in inside.itertuples()
                ]
                for c in (mine[mine["coder"] == name] for name in ("ana", "ben"))
            ]
        )
        expected = agreement.krippendorff_alpha(values)
        assert row["units"] == 16
        if expected.value is None:
            assert row["alpha"] is None
        else:
            assert row["alpha"] == pytest.approx(expected.value, abs=1e-12), row["code"]


def test_by_character_the_passage_bounds_the_units(runner, sampled):
    result = run(runner, sampled, "--as", "lee", "agreement", "--unit", "span", "--resamples",
                 "0", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    segments = queries.segments(sampled, DOC).set_index("ordinal")
    span = int(segments.loc[20, "end"] - segments.loc[5, "start"])
    assert json.loads(result.output)["pooled"]["units"] == span


def test_assignments_show_the_passage_and_a_bad_range_is_one_line(runner, sampled):
    shown = json.loads(run(runner, sampled, "assignments", "--json").output)
    segments = queries.segments(sampled, DOC).set_index("ordinal")
    assert {(a["coder"], a["start"], a["end"]) for a in shown} == {
        (name, int(segments.loc[5, "start"]), int(segments.loc[20, "end"]))
        for name in ("ana", "ben")
    }
    assert "(characters " in run(runner, sampled, "assignments").output
    result = run(runner, sampled, "--as", "lee", "assign", DOC, "--coders", "ana",
                 "--segments", "20-5000")  # fmt: skip
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {DOC} has segments 1 to ")
    assert result.output.count("\n") == 1
    assert json.loads(run(runner, sampled, "assignments", "--json").output) == shown


def test_named_methods_count_codings_inside_the_passage_only(runner, sampled):
    result = run(runner, sampled, "--as", "lee", "agreement", "--resamples", "0", "--json",
                 "--method", "maxqda")  # fmt: skip
    assert result.exit_code == 0, result.output
    method = json.loads(result.output)["named_methods"][0]
    assert any(line.startswith("Passages: ") for line in method["summary"])
    segments = queries.segments(sampled, DOC).set_index("ordinal")
    low, high = int(segments.loc[5, "start"]), int(segments.loc[20, "end"])
    codings = queries.codings(sampled, document=DOC)
    rows = [
        (c.document, c.coder, c.code, max(c.start, low), min(c.end, high))
        for c in codings.itertuples()
        if max(c.start, low) < min(c.end, high)
    ]
    overall = {r["criterion"]: r["percent"] for r in method["tables"]["maxqda_overall"]}
    for criterion in ("presence", "frequency", "overlap"):
        expected = agreement.maxqda_agreement(rows, ("ana", "ben"), criterion).percent
        assert overall[criterion] == pytest.approx(expected)
    everything = agreement.maxqda_agreement(
        list(codings[["document", "coder", "code", "start", "end"]].itertuples(index=False)),
        ("ana", "ben"),
        "frequency",
    )
    assert everything.percent != pytest.approx(overall["frequency"])  # the passage matters
