"""The offset property end to end for every reader of issue 16: each segment the import
stores is ``document.text[start:end]``, stripped, inside one turn of the file as its reader
reads it, and spoken by that turn's speaker."""

from __future__ import annotations

import json
from pathlib import Path

import docx
from pdf_layouts import Block, latin, report_pdf, transcript_pdf
from sqlalchemy import select
from survey_sheets import survey_rows, write_xlsx

from qualcode import import_files
from qualcode.models import Document, Segment, Speaker
from qualcode.readers import read_transcript
from qualcode.readers.survey import SurveyOptions, read_survey

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "sample-transcripts"
TRAVELLERS = SAMPLES / "ukci-2025-01-16-traveller-movement.txt"


def turns() -> list[tuple[str, str]]:
    transcript = read_transcript(TRAVELLERS)
    return [(t.speaker, transcript.text[t.start : t.end])
            for t in transcript.turns if t.kind == "speech" and t.speaker]  # fmt: skip


def write_every_format(folder: Path) -> None:
    flat = [(s, " ".join(w.split())) for s, w in turns()]  # a slice of it for each format
    paragraphs = [latin(p) for p in TRAVELLERS.read_text(encoding="utf-8").split("\n\n")]
    transcript_pdf(folder / "court.pdf", [p for p in paragraphs if p.strip()][:80])
    report_pdf(folder / "report.pdf", [Block(latin(w)) for _s, w in flat[0:10]], columns=2)
    segments = [{"start": i * 5.0, "end": i * 5.0 + 4, "text": f" {w}", "speaker": s,
                 "words": [{"word": x, "start": i * 5.0 + j * 0.1, "end": i * 5.0 + j * 0.1 + 0.1}
                           for j, x in enumerate(w.split())]}
                for i, (s, w) in enumerate(flat[10:20])]  # fmt: skip
    (folder / "whisperx.json").write_text(json.dumps({"segments": segments}))
    monologues = [{"speaker": i % 2, "speaker_name": s,
                   "elements": [{"type": "text", "value": w, "ts": i * 5.0, "end_ts": i * 5.0 + 4}]}
                  for i, (s, w) in enumerate(flat[20:30])]  # fmt: skip
    (folder / "rev.json").write_text(json.dumps({"monologues": monologues}))
    (folder / "whisper.tsv").write_text(
        "start\tend\ttext\n" + "".join(f"{i * 5000}\t{i * 5000 + 4000}\t{w}\n"
                                      for i, (_s, w) in enumerate(flat[30:40]))  # fmt: skip
    )
    (folder / "otter.txt").write_text(
        "\n".join(f"{s}  {i // 60}:{i % 60:02d}\n{w}\n" for i, (s, w) in enumerate(flat[40:50]))
    )
    word = docx.Document()
    for i, (s, w) in enumerate(flat[50:60]):
        word.add_paragraph(f"{s}   {i // 60}:{i % 60:02d}")
        word.add_paragraph(w)
    word.save(folder / "teams.docx")
    html = "".join(f"<p><strong>{s}:</strong> {w}</p>" for s, w in flat[60:70])
    (folder / "page.html").write_text(f"<html><body><h1>Hearing</h1>{html}</body></html>")
    rtf = "".join(f"{s}: {latin(w)}\\par\n" for s, w in flat[70:80])
    (folder / "notes.rtf").write_text("{\\rtf1\\ansi\\ansicpg1252 " + rtf + "}")


def check_document(document: Document, rows: list, transcript) -> None:
    assert document.text == transcript.text
    for start, end, label in rows:
        piece = document.text[start:end]
        assert piece and piece == piece.strip()
        holder = [t for t in transcript.turns if t.start <= start and end <= t.end]
        assert len(holder) == 1, (document.name, piece[:60])
        assert holder[0].speaker == label


def test_every_new_reader_keeps_offsets_through_the_import(project, tmp_path):
    folder = tmp_path / "sources"
    folder.mkdir()
    write_every_format(folder)
    survey = write_xlsx(tmp_path / "survey.xlsx", survey_rows(60))

    report = import_files(project, [folder])
    report.results += import_files(project, [survey], survey=SurveyOptions()).results

    assert not report.failed, [r.message for r in report.failed]
    by_name = {t.path.name: t for t in read_survey(survey, SurveyOptions())}
    by_name.update({p.name: read_transcript(p) for p in folder.iterdir()})
    with project.sessionmaker() as session:
        documents = session.scalars(select(Document)).all()
        assert {d.format for d in documents} >= {"pdf", "json", "tsv", "txt", "docx", "html",
                                                   "rtf", "xlsx"}  # fmt: skip
        for document in documents:
            rows = session.execute(
                select(Segment.start, Segment.end, Speaker.label)
                .outerjoin(Speaker, Segment.speaker_id == Speaker.id)
                .where(Segment.document_id == document.id)
            ).all()  # fmt: skip
            assert rows, document.name
            check_document(document, rows, by_name[document.name])
