"""`qualcode agreement --method ...` on real double-coded hearings (examples/inquiry).

Every figure the command prints in --json must equal what :mod:`qualcode.agreement`
gives on the same codings read independently (``queries.codings``), and the report and
the tables must name each method's definition and source.
"""

from __future__ import annotations

import json
import uuid
from html import escape
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_suggest_inquiry import make_project  # the same three hearing days, a and b

from qualcode import agreement, open_project, queries
from qualcode.cli import cli
from qualcode.texts import texts_of

METHODS = ["--method", "krippendorff-1995", "--method", "atlas", "--method", "maxqda",
           "--method", "nvivo"]  # fmt: skip


@pytest.fixture(scope="module")
def hearings(tmp_path_factory) -> Path:
    """Three hearing days with a's and b's codings, and a lead."""
    return make_project(tmp_path_factory.mktemp("hearings"))


def run(runner, root, *args):
    result = runner.invoke(cli, ["--project", str(root), "--as", "lee", "agreement", *args],
                           env={"COLUMNS": "120"})  # fmt: skip
    assert result.exit_code == 0, result.output
    return result


def independent(root: Path):
    """The codings as ``queries`` reads them, and the documents laid end to end by name."""
    with open_project(root) as project:
        codings = queries.codings(project)
        docs = queries.documents(project).sort_values("name")
        with project.sessionmaker() as session:
            texts = texts_of(session, [uuid.UUID(i) for i in docs["id"]])
    lengths = {
        name: len(texts[uuid.UUID(i)]) for i, name in zip(docs["id"], docs["name"], strict=True)
    }
    base, total = {}, 0
    for name in sorted(lengths):
        base[name], total = total, total + lengths[name]
    return codings, lengths, base, total


def laid(codings, base):
    return [
        (row.coder, row.code, base[row.document] + row.start, base[row.document] + row.end)
        for row in codings.itertuples()
    ]


def by_key(data):
    return {method["key"]: method for method in data["named_methods"]}


def test_each_method_through_the_cli_equals_the_library(runner, hearings):
    data = json.loads(run(runner, hearings, "--resamples", "0", "--json", *METHODS).output)
    methods = by_key(data)
    assert list(methods) == ["krippendorff-1995", "atlas", "maxqda", "nvivo"]
    codings, lengths, base, total = independent(hearings)
    codes = [row["code"] for row in data["codes"]]
    spans = laid(codings, base)

    book = agreement.boundary_alpha(spans, total, coders=["a", "b"], categories=codes)
    table = methods["krippendorff-1995"]["tables"]["unitizing_1995"]
    assert [row["code"] for row in table] == codes
    for row in table:
        expected = book.by_category[row["code"]].value
        assert row["alpha"] == pytest.approx(expected, abs=1e-12), row["code"]
    assert f"|uα over every code: {book.value:.3f}" in methods["krippendorff-1995"]["summary"]

    binary = agreement.unitizing_alpha(spans, total, coders=["a", "b"], categories=codes)
    for row in methods["atlas"]["tables"]["atlas_alpha_binary"]:
        assert row["alpha_binary"] == pytest.approx(binary.by_category[row["code"]].value)
    themes = dict(zip(codings["code"], codings["theme"], strict=True))
    cu = {
        (r["measure"], r["theme"]): r["alpha"] for r in methods["atlas"]["tables"]["atlas_cu_alpha"]
    }
    for theme in set(themes.values()):
        mine = [s for s in spans if themes[s[1]] == theme]
        assert cu["cu-α", theme] == pytest.approx(agreement.coding_alpha(mine, total).value)
    whole = agreement.coding_alpha(spans, total, domains=themes)
    assert cu["Cu-α", "(every theme)"] == pytest.approx(whole.value)

    rows = list(codings[["document", "coder", "code", "start", "end"]].itertuples(index=False))
    overall = {r["criterion"]: r for r in methods["maxqda"]["tables"]["maxqda_overall"]}
    for criterion in ("presence", "frequency", "overlap"):
        mine = agreement.maxqda_agreement(rows, ("a", "b"), criterion, overlap=0.9)
        assert overall[criterion]["percent"] == pytest.approx(mine.percent)
    kappa = agreement.maxqda_agreement(rows, ("a", "b"), "overlap").kappa
    assert overall["overlap"]["kappa"] == pytest.approx(kappa.value)
    assert overall["overlap"]["kappa_chance"] == pytest.approx(1 / kappa.details["categories"])

    comparison = agreement.nvivo_comparison(rows, lengths, ("a", "b"))
    shown = methods["nvivo"]["tables"]["nvivo"]
    assert len(shown) == len(comparison) > 0
    for mine, theirs in zip(shown, comparison.to_dict("records"), strict=True):
        assert (mine["code"], mine["document"]) == (theirs["code"], theirs["document"])
        assert mine["agreement"] == pytest.approx(theirs["agreement"])
        assert mine["kappa"] == pytest.approx(theirs["kappa"])


def test_overlap_option_changes_only_the_segment_criterion(runner, hearings):
    """--overlap 0 is "any overlap"; a stricter rule can only agree on fewer segments."""
    figures = {}
    for overlap in ("0", "90", "100"):
        data = json.loads(run(runner, hearings, "--resamples", "0", "--json", "--method",
                              "maxqda", "--overlap", overlap).output)  # fmt: skip
        overall = by_key(data)["maxqda"]["tables"]["maxqda_overall"]
        figures[overlap] = {r["criterion"]: r["percent"] for r in overall}
    codings, *_ = independent(hearings)
    rows = list(codings[["document", "coder", "code", "start", "end"]].itertuples(index=False))
    any_overlap = agreement.maxqda_agreement(rows, ("a", "b"), "overlap", overlap=0.0)
    assert figures["0"]["overlap"] == pytest.approx(any_overlap.percent)
    assert figures["0"]["overlap"] >= figures["90"]["overlap"] >= figures["100"]["overlap"]
    assert figures["0"]["presence"] == figures["100"]["presence"]


def test_methods_reach_the_html_the_tables_and_the_text(runner, hearings, tmp_path):
    html, book = tmp_path / "report.html", tmp_path / "tables.xlsx"
    result = run(runner, hearings, "--resamples", "0", *METHODS, "--overlap", "80",
                 "--html", str(html), "--tables", str(book))  # fmt: skip
    text = html.read_text(encoding="utf-8")
    for title, source in [
        ("Krippendorff's unitizing alpha |uα (1995/2004)", "Sociological Methodology 25"),
        ("ATLAS.ti's unitizing alphas", "Quality &amp; Quantity 50"),
        ("MAXQDA's intercoder agreement (segment overlap at 80%)", "Brennan, R.L. &amp; Prediger"),
        ("NVivo's coding comparison (characters)", "Run a coding comparison query"),
    ]:
        assert title in result.output
        assert f"<h2>{escape(title).replace('&#x27;', '&#39;')}" in text
        assert source in text
    assert "P_c = 1/q" in text
    sheets = load_workbook(book, read_only=True).sheetnames
    assert {"krippendorff_1995", "unitizing_1995", "atlas_alpha_binary", "atlas_cu_alpha",
            "maxqda", "maxqda_overall", "nvivo", "nvivo_by_code"} <= set(sheets)  # fmt: skip
    assert "a × b: presence" in result.output


def test_an_unknown_method_is_one_clear_line(runner, hearings):
    result = runner.invoke(cli, ["--project", str(hearings), "--as", "lee", "agreement",
                                 "--method", "holsti"])  # fmt: skip
    assert result.exit_code == 2
    assert "'holsti' is not one of" in result.output
