"""The report's tables a lead acts on: coder × coder, each coder against the consensus,
confused codes, coincidences, scope, XLSX/CSV out, and how figures are printed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from openpyxl import load_workbook

from qualcode import QualcodeError, queries
from qualcode.adjudicate import agreed, copy_agreed, pending, settle
from qualcode.agreement import krippendorff_alpha
from qualcode.cli import cli
from qualcode.coding import code_segment, get_coder
from qualcode.reliability import agreement_table, band, figure, render_html
from qualcode.reliability.html import _shown
from qualcode.reliability.out import write_tables
from qualcode.team import assign

DOC = "area-1-mapping-workshop.md"
EXCLUSIVE = "Relationship types"

ON_BOTH_BACKENDS = True  # on SQLite and on PostgreSQL (conftest.py)


@pytest.fixture
def three(example_project):
    """ana, ben and cy on one document: cy copies ana; ben differs on 3, 6 and 9."""
    with example_project.transaction() as session:
        assign(session, [DOC], ["ana", "ben", "cy"])
        for coder in ("ana", "cy"):
            code_segment(session, DOC, 3, "Trust", coder)
            code_segment(session, DOC, 6, "Trust", coder)
            code_segment(session, DOC, 9, "Powerful allies", coder)
            code_segment(session, DOC, 12, "Respect", coder)
        code_segment(session, DOC, 9, "Clients and contractors", "ben")
        code_segment(session, DOC, 12, "Respect", "ben")
    return example_project


def test_pairwise_table_finds_the_coder_who_differs(three):
    report = agreement_table(three, resamples=0)
    pairs = report.tables["pairwise"].set_index(["coder_a", "coder_b"])
    assert list(pairs.index) == [("ana", "ben"), ("ana", "cy"), ("ben", "cy")]
    assert pairs.loc[("ana", "cy"), "alpha"] == 1.0 and pairs.loc[("ana", "cy"), "percent"] == 1
    assert pairs.loc[("ana", "ben"), "alpha"] == pairs.loc[("ben", "cy"), "alpha"] < 1
    # the same figure computed independently from the per-code pooled decisions
    two = agreement_table(three, coders=["ana", "ben"], resamples=0)
    assert math.isclose(pairs.loc[("ana", "ben"), "alpha"], two.pooled["alpha"])
    assert math.isclose(pairs.loc[("ana", "ben"), "kappa"], two.pooled["kappa"])


def test_confused_codes_and_coincidences(three):
    report = agreement_table(three, resamples=0)
    confused = report.tables["confused_codes"]
    rows = confused[confused.theme == EXCLUSIVE].set_index(["applied", "instead"])["count"]
    # segment 9: ana and cy gave Powerful allies where ben gave Clients and contractors
    assert rows[("Powerful allies", "Clients and contractors")] == 2
    assert rows[("Clients and contractors", "Powerful allies")] == 2
    table = report.tables["coincidences"]
    trust = table[table.code == "Trust"]
    segments = len(queries.segments(three, DOC))
    assert trust.coincidences.sum() == 3 * segments  # n = pairable values
    exclusive = table[table.code == EXCLUSIVE].set_index(["value_a", "value_b"]).coincidences
    assert exclusive[("Powerful allies", "Clients and contractors")] == 1.0


def test_each_coder_against_the_consensus(three):
    with three.transaction() as session:
        get_coder(session, "lee", role="lead")
        copy_agreed(session, agreed(three), by="lee")
        for row in pending(three).to_dict("records"):
            settle(session, row, "ana", by="lee")
    versus = agreement_table(three, resamples=0).tables["versus_consensus"].set_index("coder")
    assert versus.alpha["ana"] == 1.0 and versus.alpha["cy"] == 1.0
    assert versus.alpha["ben"] < 1 and versus.decisions["ben"] > 0


def test_scope_by_document_and_attribute_and_what_missing_means(coded_project):
    documents = queries.documents(coded_project)
    council = [
        name
        for name, attrs in zip(documents.name, documents.attributes, strict=True)
        if str(attrs.get("method", "")).lower() == "interview"
    ]
    report = agreement_table(coded_project, resamples=0, where={"method": ["INTERVIEW"]})
    assert set(report.by_document.document) <= set(council)
    assert report.filters["where method"] == "INTERVIEW"
    assert any(note.startswith("Scope: ") for note in report.notes)
    assert any("'missing' there" in note for note in report.notes)
    one = agreement_table(coded_project, resamples=0, documents=[council[0]])
    assert set(one.by_document.document) == {council[0]}
    with pytest.raises(QualcodeError, match="no document 'nope.md'"):
        agreement_table(coded_project, resamples=0, documents=["nope.md"])


def test_tables_to_xlsx_and_csv(three, tmp_path):
    report = agreement_table(three, resamples=200)
    [book] = write_tables(report, tmp_path / "agreement.xlsx")
    sheets = load_workbook(book).sheetnames
    assert sheets[:4] == ["methods", "per_code", "pooled", "intervals"]
    assert {"pairwise", "versus_consensus", "confused_codes", "coincidences"} <= set(sheets)
    files = write_tables(report, tmp_path / "csv")
    assert {f.name for f in files} >= {"per_code.csv", "pairwise.csv", "disagreements.csv"}
    assert "Three coders (ana, ben, cy)" in (tmp_path / "csv" / "methods.csv").read_text()


def test_cli_scope_tables_and_intervals(coded_project, runner, tmp_path):
    with coded_project.transaction() as session:
        get_coder(session, "lee", role="lead")
    args = ["--project", str(coded_project.root), "--as", "lee", "agreement"]
    result = runner.invoke(
        cli,
        [
            *args,
            "--code",
            "Trust",
            "--resamples",
            "300",
            "--seed",
            "4",
            "--tables",
            str(tmp_path / "t.xlsx"),
        ],  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    assert "pooled alpha 95% CI" in result.output and "300 resamples, seed 4" in result.output
    assert (tmp_path / "t.xlsx").exists()
    again = runner.invoke(cli, [*args, "--code", "Trust", "--resamples", "300", "--seed", "4"])
    line = [x for x in result.output.splitlines() if x.startswith("pooled alpha 95%")]
    assert line and line[0] in again.output  # seeded: the same interval again
    bad = runner.invoke(cli, [*args, "--where", "method"])
    assert bad.exit_code == 2 and "'method' is not KEY=VALUE" in bad.output


def test_figures_print_as_shown_and_colour_by_what_is_printed():
    assert figure(-0.0004) == "0.000" and figure(-0.0006) == "-0.001"
    assert figure(-0.00004, percent=True) == "0.0%"
    assert band(0.7997) == "good" and band(0.6664) == "poor" and band(0.66651) == "fair"
    shown = _shown(0.7997, None)
    assert (shown["text"], shown["cls"]) == ("0.800", "good")
    assert _shown(-0.0002, None)["text"] == "0.000"


def test_used_by_counts_codings_and_per_code_statistics_still_match(three):
    report = agreement_table(three, resamples=0).per_code.set_index("code")
    assert report.used_ana["Trust"] == 2 and report.used_ben["Trust"] == 0
    values = np.zeros((2, len(queries.segments(three, DOC))))
    values[0, [2, 5]] = 1
    expected = krippendorff_alpha(np.vstack([values[0], values[1], values[0]])).value
    assert math.isclose(report.alpha["Trust"], expected)


def test_report_tells_settled_from_unsettled_disagreements(three):
    first = pending(three).iloc[0]
    with three.transaction() as session:
        settle(session, first, "ana")
    report = agreement_table(three, resamples=0)
    assert report.pooled["settled"] == 1
    assert report.disagreements.set_index("key").settled[first.key] == "ana"
    html = render_html(report)
    assert html.count("settled: took ana") == 1
    assert html.count("to settle</span>") == report.pooled["disagreements"] - 1
