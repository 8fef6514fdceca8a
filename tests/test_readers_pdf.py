"""PDF reader: reading order, headers and footers, hyphens, columns, pages, transcripts, bad PDFs.

The PDFs are written by the tests (tests/pdf_layouts.py) from the real transcripts in
../shared/sample-transcripts, so every expectation comes from the source text.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pdf_layouts import (
    Block,
    encrypted_pdf,
    half_scanned_pdf,
    latin,
    report_pdf,
    scanned_pdf,
    transcript_pdf,
)
from readers_helpers import check_turns, error_of
from sqlalchemy import func, select

from qualcode import import_files
from qualcode.cli import cli
from qualcode.models import Document, Segment
from qualcode.readers import read_transcript
from qualcode.readers.pdf import page_at

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "sample-transcripts"
PANEL = SAMPLES / "ukci-2023-07-12-local-government-associations-panel.txt"
TRAVELLERS = SAMPLES / "ukci-2025-01-16-traveller-movement.txt"


def source_paragraphs(path: Path) -> list[str]:
    return [latin(p) for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]


def prose(path: Path, count: int = 40) -> list[str]:
    """Paragraphs of spoken text without their labels: the body of a report."""
    paragraphs = source_paragraphs(path)
    said = [p.split(": ", 1)[-1] for p in paragraphs if not p.startswith(("#", "[", "("))]
    return said[:count]


def words(text: str) -> str:
    return " ".join(text.split())


def speech(transcript) -> str:
    return words(" ".join(transcript.text[t.start : t.end] for t in transcript.turns
                          if t.kind == "speech"))  # fmt: skip


@pytest.mark.parametrize("columns", [1, 2])
def test_pdf_report_reads_every_word_in_order_without_running_heads(tmp_path, columns):
    body = prose(TRAVELLERS)
    blocks = [Block("Background", heading=True), *map(Block, body[:20])]
    blocks += [Block("Findings", heading=True), *map(Block, body[20:])]
    written = report_pdf(tmp_path / "review.pdf", blocks, columns=columns, title="Evidence review")
    hyphenated = [text for _page, text in written.lines if text.endswith("-")]
    assert len(hyphenated) > 10  # the layout really splits words at line ends

    transcript = check_turns(read_transcript(written.path))

    assert speech(transcript) == words(" ".join(body))
    headings = [transcript.text[t.start : t.end] for t in transcript.turns if t.kind == "heading"]
    assert headings == ["Evidence review", "Background", "Findings"]
    assert "Scoping review" not in transcript.text and "Page " not in transcript.text
    pages = written.lines[-1][0]
    assert pages > 1 and transcript.attributes["pages"] == pages


def test_pdf_pages_start_where_each_page_first_line_is(tmp_path):
    written = report_pdf(tmp_path / "review.pdf", map(Block, prose(TRAVELLERS)))
    transcript = read_transcript(written.path)
    starts = [int(s) for s in transcript.attributes["page_starts"].split()]
    assert len(starts) == transcript.attributes["pages"]

    for page, start in enumerate(starts, start=1):
        first = next(text for on, text in written.lines if on == page)
        assert transcript.text[start:].lstrip().startswith(first.split()[0].rstrip("-"))
        assert page_at(transcript.attributes, start + 1) == str(page)
        if start:
            assert page_at(transcript.attributes, start - 2) == str(page - 1)
    assert "page_labels" not in transcript.attributes  # pages numbered 1, 2, 3...


def test_pdf_court_transcript_with_line_numbers_gives_the_same_turns_as_the_text(tmp_path):
    paragraphs = source_paragraphs(PANEL)
    written = transcript_pdf(tmp_path / "panel.pdf", paragraphs)
    from_text = read_transcript(PANEL)

    transcript = check_turns(read_transcript(written.path))

    expected = [(t.kind, t.speaker, words(latin(from_text.text[t.start : t.end])))
                for t in from_text.turns]  # fmt: skip
    got = [(t.kind, t.speaker, words(transcript.text[t.start : t.end])) for t in transcript.turns]
    assert got == expected
    assert "margin line numbers left out" in transcript.notes
    assert "UK Covid-19 Inquiry" not in transcript.text


def test_pdf_a_scan_without_text_is_refused_in_one_line(tmp_path):
    path = scanned_pdf(tmp_path / "scan.pdf")

    assert error_of(path) == (
        ": has no text layer (a scanned PDF?); qualcode does not read text from images. "
        "Run OCR on it first (for example ocrmypdf), or import a text version"
    )


def test_pdf_page_labels_are_the_pages_quotes_cite(tmp_path):
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=11)
    for number, words in enumerate(("Preface words.", "Body words.", "More body words.")):
        pdf.add_page()
        if number < 2:
            pdf.set_page_label("r" if number == 0 else "D", None, 1 if number == 0 else 12)
        pdf.text(20, 30, words)
    path = tmp_path / "chapter.pdf"
    pdf.output(str(path))

    transcript = read_transcript(path)

    assert transcript.attributes["page_labels"] == "i 12 13"
    text = transcript.text
    assert [page_at(transcript.attributes, text.index(w)) for w in ("Preface", "Body", "More")] == [
        "i", "12", "13"
    ]


def test_pdf_pages_without_text_are_named_in_a_note(tmp_path):
    path = half_scanned_pdf(tmp_path / "minutes.pdf", "Jo: The first page has text.")

    transcript = read_transcript(path)

    assert transcript.text == "Jo: The first page has text."
    assert transcript.notes == ["page(s) 2 have no text layer (scanned?) and were skipped"]
    assert transcript.attributes["pages"] == 2


def test_pdf_encrypted_and_damaged_files_are_refused_in_one_line(tmp_path):
    locked = encrypted_pdf(tmp_path / "locked.pdf")
    assert error_of(locked).startswith(": is encrypted (it needs a password to open).")

    whole = report_pdf(tmp_path / "whole.pdf", map(Block, prose(TRAVELLERS, 3))).path
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(whole.read_bytes()[:300])
    assert error_of(damaged).startswith(": is damaged or not a PDF.")
    renamed = tmp_path / "notes.pdf"
    renamed.write_text("Jo: a text file with the wrong suffix\n")
    assert error_of(renamed) == (
        ": is damaged or not a PDF. Open it in a PDF viewer and save or print it to a new PDF, "
        "then import that copy"
    )


def test_pdf_import_keeps_pages_and_a_bad_pdf_leaves_the_database_as_it_was(
    project, tmp_path, runner
):
    folder = tmp_path / "sources"
    folder.mkdir()
    report_pdf(folder / "review.pdf", map(Block, prose(TRAVELLERS)))
    encrypted_pdf(folder / "locked.pdf")

    report = import_files(project, [folder])

    assert [r.status for r in report.results] == ["failed", "imported"]
    with project.sessionmaker() as session:
        document = session.scalars(select(Document)).one()
        assert document.format == "pdf" and document.attributes["pages"] >= 2
        segments = session.execute(select(Segment.start, Segment.end)).all()
        for start, end in segments:
            assert document.text[start:end] == document.text[start:end].strip() != ""
        on_last = [s for s, _ in segments if page_at(document.attributes, s) == "2"]
        assert on_last
    locked = folder / "locked.pdf"
    result = runner.invoke(cli, ["--project", str(project.root), "import", str(locked)])
    assert result.exit_code == 1
    assert f"error: {locked}: is encrypted (it needs a password to open)." in result.output
    with project.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 1


def test_pdf_quotes_cite_their_page(project, tmp_path):
    from qualcode import coded_quotes, load_codebook, sync_codebook
    from qualcode.coding import apply_coding

    written = report_pdf(tmp_path / "review.pdf", map(Block, prose(TRAVELLERS)))
    import_files(project, [written.path])
    with project.transaction() as session:
        sync_codebook(session, load_codebook(Path(__file__).parents[1] / "codebook.yaml"))
        document = session.scalars(select(Document)).one()
        starts = [int(s) for s in document.attributes["page_starts"].split()]
        text = document.text
        first_on_2 = starts[1] + len(text[starts[1] :]) - len(text[starts[1] :].lstrip())
        end = text.index(" ", first_on_2 + 20)
        apply_coding(session, document, first_on_2, end, "Independent funding", "ana")
        apply_coding(session, document, 0, text.index(" ", 20), "Independent funding", "ana")

    frame = coded_quotes(project)

    assert sorted(frame["reference"]) == ["review.pdf, p. 1", "review.pdf, p. 2"]
    assert "page_starts" not in frame.columns and set(frame["pages"]) == {len(starts)}
