"""Codebooks in and out: .qdc (REFI-QDA), CSV/XLSX sheets (Taguette's among them), and a
printable Markdown/DOCX codebook."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from lxml import etree

from qualcode.cli import cli
from qualcode.codebook import load_codebook

REPO = Path(__file__).resolve().parent.parent
REFI = REPO.parent / "shared" / "refi-qda"


def fields(path: Path) -> dict:
    """What a codebook says about each code, apart from patterns (which REFI cannot carry)."""
    book = load_codebook(path)
    return {
        spec.name: (
            spec.parent,
            spec.description,
            spec.definition,
            spec.use_when,
            spec.not_when,
            spec.examples,
            spec.colour,
            spec.exclusive,
        )
        for spec in book.codes
    }


def run(runner, root: Path, *args: str):
    return runner.invoke(cli, ["--project", str(root), *args])


@pytest.mark.parametrize("fmt", ["qdc", "csv", "xlsx"])
def test_the_example_codebook_comes_back_through_each_exchange_format(runner, tmp_path, fmt):
    out = tmp_path / f"book.{fmt}"
    result = run(
        runner,
        tmp_path,
        "codebook",
        "export",
        str(REPO / "codebook.yaml"),
        "--format",
        fmt,
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    if fmt == "qdc":
        schema = etree.XMLSchema(etree.parse(str(REFI / "Codebook.xsd")))
        assert schema.validate(etree.parse(str(out))), schema.error_log
    result = run(runner, tmp_path, "codebook", "import", str(out))
    assert result.exit_code == 0, result.output
    back, before = fields(tmp_path / "codebook.yaml"), fields(REPO / "codebook.yaml")
    if fmt != "qdc":  # sheets keep neither ids nor exclusive themes
        before = {k: (*v[:7], False) for k, v in before.items()}
    assert back == before
    if fmt == "qdc":  # and the ids, so that a sync keeps the codings
        ids = {s.name: s.id for s in load_codebook(REPO / "codebook.yaml").codes}
        assert {s.name: s.id for s in load_codebook(tmp_path / "codebook.yaml").codes} == ids


@pytest.mark.parametrize("sample", ["minimal.qdc", "spec-annex-a1-codebook.qdc"])
def test_the_sample_codebooks_become_a_valid_codebook_yaml(runner, tmp_path, sample):
    result = run(runner, tmp_path, "codebook", "import", str(REFI / "samples" / sample))
    assert result.exit_code == 0, result.output
    book = load_codebook(tmp_path / "codebook.yaml")
    assert book.codes
    if sample == "minimal.qdc":
        parents = {s.name: s.parent for s in book.codes}
        assert parents["Positive experience"] == "Experience"
        said = {s.name: s.description for s in book.codes}
        assert said["Suggestions"] == "(no definition in minimal.qdc)"  # a code without one
        assert said["Experience"] == "Folder only: not applicable to text."


def test_a_sheet_with_paths_and_taguettes_codebook_csv(runner, tmp_path):
    sheet = tmp_path / "codes.csv"
    sheet.write_text(
        "path,definition,when to use,example,colour\n"
        "Barriers,Things in the way,,,#aa0000\n"
        'Barriers/Money,Lack of funds,When money is named,"We had no budget","rgb(0, 128, 0)"\n'
        "Barriers::Time,Lack of time,,,\n",
        encoding="utf-8",
    )
    assert run(runner, tmp_path, "codebook", "import", str(sheet)).exit_code == 0
    book = fields(tmp_path / "codebook.yaml")
    assert book["Money"] == (
        "Barriers",
        "",
        "Lack of funds",
        "When money is named",
        "",
        ["We had no budget"],
        "#008000",
        False,
    )
    assert book["Time"][0] == "Barriers" and book["Barriers"][1] == "Things in the way"
    taguette = tmp_path / "tags.csv"
    taguette.write_text(
        "tag,description,number of highlights\r\ninteresting,Worth a look,4\r\ntrust,,2\r\n"
    )
    result = run(runner, tmp_path, "codebook", "import", str(taguette), "--replace")
    assert result.exit_code == 0, result.output
    assert fields(tmp_path / "codebook.yaml")["interesting"][1] == "Worth a look"


def test_import_refuses_to_overwrite_codebook_yaml_unless_asked(runner, tmp_path):
    (tmp_path / "codebook.yaml").write_text("title: mine\n")
    result = run(runner, tmp_path, "codebook", "import", str(REFI / "samples" / "minimal.qdc"))
    assert result.exit_code == 1 and "--replace" in result.output
    assert (tmp_path / "codebook.yaml").read_text() == "title: mine\n"


def test_a_file_that_is_no_codebook_gets_one_line(runner, tmp_path):
    bad = tmp_path / "x.qdc"
    bad.write_text("<Project xmlns='urn:QDA-XML:project:1.0'/>")
    result = run(runner, tmp_path, "codebook", "import", str(bad))
    assert result.exit_code == 1
    assert (
        len(result.output.strip().splitlines()) == 1 and "not a REFI-QDA codebook" in result.output
    )


def test_the_printable_codebook_in_markdown_and_docx(runner, tmp_path):
    book = load_codebook(REPO / "codebook.yaml")
    theme, code = book.themes()[0], next(s for s in book.codes if s.parent and s.examples)
    result = run(
        runner,
        tmp_path,
        "codebook",
        "export",
        str(REPO / "codebook.yaml"),
        "--format",
        "md",
        "--out",
        str(tmp_path / "book.md"),
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "book.md").read_text(encoding="utf-8")
    assert f"## {theme.name}" in text and f"### {code.name}" in text
    assert "**When to use:**" in text and "> " in text
    run(
        runner,
        tmp_path,
        "codebook",
        "export",
        str(REPO / "codebook.yaml"),
        "--format",
        "docx",
        "--out",
        str(tmp_path / "book.docx"),
    )
    document = docx.Document(str(tmp_path / "book.docx"))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert theme.name in headings and code.name in headings
    assert any(p.style.name == "Quote" for p in document.paragraphs)
