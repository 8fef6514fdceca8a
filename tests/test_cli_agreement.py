"""The agreement and adjudicate commands: output, --json shape, and who may run them."""

from __future__ import annotations

import json

from sqlalchemy import delete

from qualcode import queries
from qualcode.cli import cli
from qualcode.coding import code_segment, find_code, get_coder
from qualcode.models import Coding
from qualcode.team import assign

ON_BOTH_BACKENDS = True  # on SQLite and on PostgreSQL (conftest.py)

DOC = "area-1-mapping-workshop.md"


def run(runner, project, *args, input=None):
    args = ["--project", str(project.root), *args]
    return runner.invoke(cli, args, input=input, env={"COLUMNS": "160"})


def with_lead(project):
    with project.transaction() as session:
        get_coder(session, "lee", role="lead")
    return project


def test_cli_agreement_json_shape(runner, coded_project):
    result = run(runner, with_lead(coded_project), "--as", "lee", "agreement", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == [
        "unit", "coders", "basis", "kappa_statistic", "filters", "intervals", "documents",
        "methods", "notes", "codes", "pooled", "named_methods",
    ]  # fmt: skip
    assert data["named_methods"] == []
    assert "Two coders (ana, ben) independently coded" in data["methods"]
    assert data["intervals"]["resamples"] == 1000
    assert (data["unit"], data["coders"], data["basis"]) == ("segment", ["ana", "ben"], "codings")
    first = data["codes"][0]
    assert list(first) == [
        "code", "code_id", "theme", "kind", "units", "observed", "expected", "kappa",
        "kappa_reason", "alpha", "alpha_reason", "ac1", "ac1_reason", "alpha_low", "alpha_high",
        "alpha_below_667", "alpha_below_800", "kappa_se", "kappa_low", "kappa_high",
        "disagreements", "used",
    ]  # fmt: skip
    codings = queries.codings(coded_project)
    made = codings[codings.code == "Independent funding"].coder.value_counts().to_dict()
    assert (first["code"], first["units"], first["used"]) == ("Independent funding", 1566, made)
    assert len(data["codes"]) == 39
    assert set(data["pooled"]) >= {
        "codes", "units", "decisions", "percent", "kappa", "alpha", "mean_kappa",
        "median_kappa", "mean_alpha", "median_alpha", "undefined_alpha", "disagreements",
    }  # fmt: skip
    assert data["pooled"]["disagreements"] == 487


def test_cli_agreement_needs_a_lead_or_an_open_round(runner, coded_project):
    with_lead(coded_project)
    result = run(runner, coded_project, "--as", "ana", "agreement")
    assert result.exit_code == 1
    assert result.output == (
        "Error: ana is not a lead: agreement shows every coder's codings, so it needs a lead "
        "(--as NAME, a coder made with `qualcode coder NAME --role lead`) or an open round "
        "(`qualcode round open --coder LEAD`)\n"
    )
    assert run(runner, coded_project, "round", "open", "--coder", "lee").exit_code == 0
    assert run(runner, coded_project, "--as", "ana", "agreement", "--code", "Trust").exit_code == 0
    result = run(runner, coded_project, "--as", "ana", "adjudicate", "--code", "Trust",
                 "--take", "ana")  # fmt: skip
    assert result.exit_code == 0, result.output


def test_cli_agreement_table_says_undefined_and_writes_html(runner, coded_project, tmp_path):
    with coded_project.transaction() as session:
        trust = find_code(session, "Trust")
        session.execute(delete(Coding).where(Coding.code_id == trust.id))
    html = tmp_path / "report.html"
    theme = "Criteria of an effective relationship"
    args = ["--as", "lee", "agreement", "--theme", theme, "--html", str(html)]
    result = run(runner, with_lead(coded_project), *args)
    assert result.exit_code == 0, result.output
    trust = next(line for line in result.output.splitlines() if line.startswith("  Trust "))
    assert trust.split() == [
        "Trust",
        "1566",
        "0",
        "0",
        "100.0%",
        "100.0%",
        "undefined",
        "undefined",
        "0",
    ]
    assert "undefined, Trust: nobody used it on a segment coded by two or more coders" in (
        result.output
    )
    assert "pooled over 8 codes × 1566 double-coded segments = 12528 decisions: alpha" in (
        result.output
    )
    assert f"report written to {html}" in result.output
    page = html.read_text(encoding="utf-8")
    assert "<h2>By document</h2>" in page and "Mutual knowledge" in page


def test_cli_adjudicate_take_settles_every_item(runner, coded_project):
    root = with_lead(coded_project)
    result = run(runner, root, "--as", "lee", "adjudicate", "--code", "Trust", "--take", "ana")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "consensus: 12 coding(s) copied where the coders agree\n"
        "settled 18 item(s) by taking ana: 14 consensus coding(s) added, 0 removed\n"
    )
    consensus = queries.codings(coded_project, coder="consensus")
    assert len(consensus) == 26 and set(consensus.code) == {"Trust"}  # ana's 26 segments
    again = run(runner, root, "--as", "lee", "adjudicate", "--code", "Trust", "--take", "ben")
    assert again.output == "nothing to adjudicate: every disagreement is settled\n"
    wrong = run(runner, root, "--as", "lee", "adjudicate", "--code", "Respect", "--take", "cy")
    assert wrong.exit_code == 1
    assert "Error: cannot take 'cy': choose one of ana, ben, both or neither" in wrong.output


def test_cli_settled_items_show_the_choice_in_history_and_reopen(runner, coded_project):
    root = with_lead(coded_project)
    run(runner, root, "--as", "lee", "adjudicate", "--code", "Trust", "--take", "ben")
    listed = run(runner, root, "--as", "lee", "adjudicate", "--code", "Trust", "--settled")
    lines = [line for line in listed.output.splitlines() if "took ben" in line]
    assert len(lines) == 18
    key = lines[0].rsplit("[", 1)[1].rstrip("]")
    history = run(runner, root, "--as", "lee", "history", "--limit", "100").output
    assert "took ben" in history
    reopened = run(runner, root, "--as", "lee", "adjudicate", "--reopen", key)
    assert reopened.exit_code == 0, reopened.output
    assert reopened.output.startswith(f"reopened {key}: ") and "it is pending" in reopened.output
    again = run(runner, root, "--as", "lee", "adjudicate", "--code", "Trust", "--settled")
    assert again.output.count("took ben") == 17 and key not in again.output
    twice = run(runner, root, "--as", "lee", "adjudicate", "--reopen", key)
    assert twice.exit_code == 1 and twice.output.startswith("Error: ")
    assert twice.output.count("\n") == 1


def test_cli_adjudicate_walks_the_items_with_prompts(runner, example_project):
    with example_project.transaction() as session:
        get_coder(session, "lee", role="lead")
        assign(session, [DOC], ["ana", "ben"])
        code_segment(session, DOC, 3, "Trust", "ana")
        code_segment(session, DOC, 4, "Respect", "ben")
        code_segment(session, DOC, 9, "Powerful allies", "ana")
        code_segment(session, DOC, 9, "Clients and contractors", "ben")
    answers = "a\nneither\nboth\nb\n"  # both is refused on an exclusive theme: asked again
    result = run(runner, example_project, "--as", "lee", "adjudicate", input=answers)
    assert result.exit_code == 0, result.output
    text = queries.segments(example_project, DOC).set_index("ordinal").text[3]
    assert f"[1/3] Trust (Criteria of an effective relationship)\n{DOC}, segment 3, " in (
        result.output
    )
    assert text[:40] in result.output
    assert "  a) ana: present\n  b) ben: absent\n" in result.output
    assert "a/b/both/neither/skip/quit" in result.output
    assert "'Relationship types' is exclusive" in result.output
    assert result.output.endswith("settled 3, skipped 0\n")
    consensus = queries.codings(example_project, coder="consensus")
    assert sorted(zip(consensus.segment, consensus.code, strict=True)) == [
        (3, "Trust"), (9, "Clients and contractors"),
    ]  # fmt: skip


def pooled_line(output: str) -> list[int]:
    line = next(line for line in output.splitlines() if line.startswith("pooled over "))
    return [int(word) for word in line.split(":")[0].split() if word.isdigit()]


def test_cli_agreement_pooled_numbers_multiply(runner, coded_project):
    """The codes × units = decisions of the pooled line, an exclusive theme's codes each
    counted (the report has one row for the theme, but pools its three codes)."""
    args = ["--as", "lee", "agreement", "--theme", "Relationship types"]
    result = run(runner, with_lead(coded_project), *args)
    assert result.exit_code == 0, result.output
    pooled = json.loads(run(runner, coded_project, *args, "--json").output)["pooled"]
    codes, units, decisions = pooled_line(result.output)
    assert codes * units == decisions == pooled["decisions"]
    assert (codes, units, pooled["codes"]) == (pooled["codes_one_by_one"], pooled["units"], 1)
    assert "(an exclusive theme's codes one by one)" in result.output


def test_cli_agreement_by_span_does_not_send_the_lead_to_adjudicate_spans(runner, coded_project):
    args = ["--as", "lee", "agreement", "--code", "Trust"]
    by_segment = run(runner, with_lead(coded_project), *args).output
    by_span = run(runner, coded_project, *args, "--unit", "span").output
    codes, units, decisions = pooled_line(by_span)
    assert codes * units == decisions and "double-coded characters" in by_span
    assert "18 segment × code disagreements (each in --html): 0 settled, 18 to settle" in (
        by_segment
    )
    assert "to settle" not in by_span and "(each in --html)" not in by_span
    assert (
        "adjudication works by segment, not by character: `qualcode agreement` without "
        "--unit span lists the 18 segment × code disagreements that `qualcode adjudicate` "
        "settles"
    ) in by_span


def test_cli_agreement_report_is_titled_by_the_study_not_the_folder(
    runner, coded_project, tmp_path
):
    html = tmp_path / "report.html"
    result = run(runner, with_lead(coded_project), "--as", "lee", "agreement", "--html", str(html))
    assert result.exit_code == 0, result.output
    page = html.read_text(encoding="utf-8")
    title = "Agreement between coders: Big Local relationships with public agencies"
    assert f"<title>{title}</title>" in page and f"<h1>{title}</h1>" in page
    assert coded_project.root.name not in page.split("</h1>")[0]
