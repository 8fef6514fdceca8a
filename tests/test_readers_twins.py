"""An import folder: the same transcript in other formats is reported, not imported twice;
a README is skipped with a note unless named."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
from pdf_layouts import latin, transcript_pdf
from sqlalchemy import select

from qualcode import import_files
from qualcode.cli import cli
from qualcode.models import Document

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "sample-transcripts"
TRAVELLERS = SAMPLES / "ukci-2025-01-16-traveller-movement.txt"


def paragraphs() -> list[str]:
    return [p for p in TRAVELLERS.read_text(encoding="utf-8").split("\n\n") if p.strip()]


def folder_of_formats(root: Path) -> Path:
    folder = root / "fieldwork"
    folder.mkdir()
    shutil.copy(TRAVELLERS, folder / "travellers.txt")
    word = docx.Document()
    for text in paragraphs():
        heading = text.startswith("## ")
        word.add_paragraph(text.removeprefix("## "), style="Heading 2" if heading else None)
    word.save(folder / "travellers.docx")
    transcript_pdf(folder / "travellers-printed.pdf", [latin(p) for p in paragraphs()])
    (folder / "README.md").write_text("Fieldwork: the Traveller Movement hearing, three formats.\n")
    return folder


def test_other_formats_of_one_transcript_and_non_transcripts_are_skipped(tmp_path, runner):
    folder = folder_of_formats(tmp_path)
    project = tmp_path / "study"
    assert runner.invoke(cli, ["--project", str(project), "init"]).exit_code == 0

    result = runner.invoke(cli, ["--project", str(project), "import", str(folder)])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"skipped: {folder / 'README.md'} (README.md looks like a note about the folder, not " \
        "a transcript; name the file itself to import it)" in lines
    twins = [line for line in lines if "same words as" in line]
    assert sorted(twins) == sorted(
        f"skipped: {folder / name} (same words as 'travellers-printed.pdf' (another format of "
        "it?), not imported twice)" for name in ("travellers.docx", "travellers.txt")
    )
    assert lines[-1] == "1 imported, 3 skipped; " + lines[-1].split("; ")[1]


def test_a_twin_of_an_imported_document_is_skipped_in_a_later_import(project, tmp_path):
    folder = folder_of_formats(tmp_path)
    first = import_files(project, [folder / "travellers.txt"])
    assert [r.status for r in first.results] == ["imported"]

    later = import_files(project, [folder / "travellers.docx", folder / "README.md"])

    assert [(r.status, r.document) for r in later.results] == [
        ("skipped", "travellers.txt"), ("imported", "README.md")
    ]
    with project.sessionmaker() as session:
        assert sorted(session.scalars(select(Document.name))) == ["README.md", "travellers.txt"]
