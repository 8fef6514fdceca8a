"""Exports know about corrections: a coding a correction re-anchored (moved onto changed
words, nobody has checked it since) is marked in every quote export and carries its
``anchor`` in `codings export`. As a user: import a real hearing transcript, code it,
import a corrected copy with --replace, export."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from helpers import write

from qualcode.cli import cli

REPO = Path(__file__).resolve().parent.parent
HEARING = REPO / "tests/fixtures/sample-transcripts/ukci-2025-01-16-traveller-movement.txt"
CORRECTED = (
    "The Traveller Movement is a charity which advocates on behalf of Gypsy, Roma and "
    "Traveller people"
)
KEPT = "Yes, I did, and the contents are true."


def run(runner, root: Path, *args: str) -> str:
    result = runner.invoke(cli, ["--project", str(root), "--as", "ana", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def corrected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two passages coded; a correction changes the words of one of them."""
    from click.testing import CliRunner

    runner = CliRunner()
    root = tmp_path_factory.mktemp("corrected")
    shutil.copy(REPO / "codebook.yaml", root)
    path = root / HEARING.name
    shutil.copy(HEARING, path)
    run(runner, root, "init")
    run(runner, root, "codebook", "sync")
    run(runner, root, "import", str(path))
    text = HEARING.read_text(encoding="utf-8")
    for quote, code in ((CORRECTED, "Trust"), (KEPT, "Respect")):
        start = text.index(quote)
        run(runner, root, "code", path.name, f"{start}-{start + len(quote)}", code)
    write(path, text.replace("advocates on behalf of Gypsy", "advocates for Gypsy"))
    assert "1 re-anchored" in run(runner, root, "import", "--replace", str(path))
    for form in ("html", "md", "docx", "csv", "xlsx"):
        run(runner, root, "export", "--format", form, "--by", "code", "--no-redact")
    run(runner, root, "codings", "export", str(root / "codings.csv"))
    return root


def test_html_and_markdown_mark_the_re_anchored_quote_only(corrected):
    html = (corrected / "exports" / "quotes.html").read_text(encoding="utf-8")
    assert html.count(">re-anchored</span>") == 1
    # The mark is in the figure of the corrected quote, not the unchanged one.
    figures = html.split("<figure")[1:]
    marked = [f for f in figures if ">re-anchored</span>" in f]
    assert len(marked) == 1 and "advocates for Gypsy" in marked[0]
    markdown = (corrected / "exports" / "quotes.md").read_text(encoding="utf-8")
    lines = markdown.splitlines()
    mark = next(i for i, line in enumerate(lines) if "*re-anchored*" in line)
    assert "advocates for Gypsy" in lines[mark - 2]
    assert markdown.count("*re-anchored*") == 1


def test_docx_marks_the_re_anchored_quote(corrected):
    import docx

    paragraphs = [p.text for p in docx.Document(corrected / "exports" / "quotes.docx").paragraphs]
    marked = [i for i, text in enumerate(paragraphs) if "re-anchored" in text]
    assert len(marked) == 1 and "advocates for Gypsy" in paragraphs[marked[0] - 1]


def test_csv_and_xlsx_carry_the_column(corrected):
    import openpyxl

    with open(corrected / "exports" / "quotes.csv", encoding="utf-8", newline="") as f:
        rows = {row["text"]: row["reanchored"] for row in csv.DictReader(f)}
    assert rows == {CORRECTED.replace("on behalf of", "for"): "True", KEPT: "False"}
    sheet = openpyxl.load_workbook(corrected / "exports" / "quotes.xlsx")["excerpts"]
    header, *values = [list(row) for row in sheet.iter_rows(values_only=True)]
    flags = {row[header.index("text")]: row[header.index("reanchored")] for row in values}
    assert flags == {CORRECTED.replace("on behalf of", "for"): True, KEPT: False}


def test_codings_export_carries_the_anchor_and_imports_back(corrected, runner):
    with open(corrected / "codings.csv", encoding="utf-8", newline="") as f:
        anchors = {row["quote"]: row["anchor"] for row in csv.DictReader(f)}
    assert anchors == {CORRECTED.replace("on behalf of", "for"): "reanchored", KEPT: ""}
    output = run(runner, corrected, "codings", "import", str(corrected / "codings.csv"))
    assert "0 added, 2 already there" in output
