"""Importing files into a project: idempotent, one transaction per file, bad files alone."""

from __future__ import annotations

import uuid

import pytest
from helpers import write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from qualcode import import_files, queries
from qualcode.models import Coder, Coding, CodingLog, CodingReview, Document, Segment

WORKSHOP = """\
---
title: Mapping workshop
area: Area 3
method: workshop
speakers:
  Facilitator: {role: researcher, agency_type: researcher}
  Jo: {role: partnership chair, agency_type: community}
---
Facilitator: Who holds the relationship with the council? Tell me more.

Jo: Mostly our worker. She speaks their language.

And me, as chair.
"""


ON_BOTH_BACKENDS = True  # on SQLite and on PostgreSQL (conftest.py)


def count(project, model) -> int:
    with project.sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(model))


def assert_segments_are_exact(project) -> None:
    """The invariant of DESIGN.md: every segment is its text, and none overlap."""
    with project.sessionmaker() as session:
        for doc in session.scalars(select(Document)):
            spans = session.execute(
                select(Segment.start, Segment.end)
                .where(Segment.document_id == doc.id)
                .order_by(Segment.ordinal)
            ).all()
            for (_start, end), (next_start, _) in zip(spans, spans[1:], strict=False):
                assert end <= next_start
            for start, end in spans:
                piece = doc.text[start:end]
                assert piece and piece == piece.strip()


def test_import_folder_stores_documents_speakers_and_segments(project, tmp_path):
    write(tmp_path / "in" / "workshop.md", WORKSHOP)
    report = import_files(project, [tmp_path / "in"])
    assert [(r.status, r.document) for r in report.results] == [("imported", "workshop.md")]
    frame = queries.segments(project, "workshop")
    assert list(frame.speaker) == ["Facilitator", "Facilitator", "Jo", "Jo", "Jo"]
    assert list(frame.text) == [
        "Who holds the relationship with the council?",
        "Tell me more.",
        "Mostly our worker.",
        "She speaks their language.",
        "And me, as chair.",
    ]
    docs = queries.documents(project)
    assert docs.loc[0, "area"] == "Area 3"
    assert docs.loc[0, "speakers"][1] == {
        "label": "Jo",
        "attributes": {"role": "partnership chair", "agency_type": "community"},
    }
    assert_segments_are_exact(project)


def test_import_same_content_again_is_skipped_and_said_so(project, tmp_path):
    path = write(tmp_path / "workshop.md", WORKSHOP)
    import_files(project, [path])
    again = import_files(project, [path])
    assert [(r.status, r.message) for r in again.results] == [("skipped", "unchanged")]
    copy = write(tmp_path / "copy.md", WORKSHOP)
    assert import_files(project, [copy]).results[0].message == (
        "same text as 'workshop.md', already imported"
    )
    assert count(project, Document) == 1


def test_changed_file_is_refused_without_replace(project, tmp_path):
    path = write(tmp_path / "workshop.md", WORKSHOP)
    import_files(project, [path])
    segments_before = count(project, Segment)
    write(path, WORKSHOP + "\nJo: One more thing.\n")
    report = import_files(project, [path])
    assert report.results[0].status == "failed"
    assert report.results[0].message == (
        f"{path}: changed since it was imported as 'workshop.md'; "
        "use --replace to import the new version"
    )
    assert count(project, Segment) == segments_before


def add_coding(project, quote: str) -> uuid.UUID:
    with project.transaction() as session:
        doc = session.scalars(select(Document)).one()
        coder = Coder(name="ana")
        session.add(coder)
        from qualcode.models import Code

        code = Code(name="Speaking the language", slug="speaking-the-language")
        session.add(code)
        session.flush()
        start = doc.text.index(quote)
        coding = Coding(
            document_id=doc.id,
            start=start,
            end=start + len(quote),
            code_id=code.id,
            coder_id=coder.id,
        )
        session.add(coding)
        session.flush()
        return coding.id


def test_replace_keeps_codings_that_can_be_placed_exactly(project, tmp_path):
    path = write(tmp_path / "workshop.md", WORKSHOP)
    import_files(project, [path])
    coding_id = add_coding(project, "She speaks their language.")
    write(path, WORKSHOP.replace("Tell me more.", "Tell me more about it, please."))
    report = import_files(project, [path], replace=True)
    assert report.results[0].status == "replaced"
    assert report.results[0].message == (
        "replaced; revision 2; 1 coding(s) kept (0 re-anchored), 0 sent to review (qualcode review)"
    )
    with project.sessionmaker() as session:
        coding = session.get_one(Coding, coding_id)
        doc = session.get_one(Document, coding.document_id)
        assert doc.text[coding.start : coding.end] == "She speaks their language."
        segment = session.get_one(Segment, coding.segment_id)
        assert (segment.start, segment.end) == (coding.start, coding.end)
        moves = session.scalars(select(CodingLog).where(CodingLog.action == "move")).all()
        assert len(moves) == 1
    assert_segments_are_exact(project)


def test_replace_keeps_a_coding_it_cannot_place_for_review(project, tmp_path):
    path = write(tmp_path / "workshop.md", WORKSHOP)
    import_files(project, [path])
    coding_id = add_coding(project, "She speaks their language.")
    write(path, WORKSHOP.replace(" She speaks their language.", ""))  # consent withdrawn
    report = import_files(project, [path], replace=True)
    assert report.results[0].status == "replaced"
    assert "1 sent to review" in report.results[0].message
    with project.sessionmaker() as session:
        assert "language" not in session.scalars(select(Document.text)).one()
        assert session.get(Coding, coding_id) is None
        waiting = session.get_one(CodingReview, coding_id)
        assert (waiting.quote, waiting.revision) == ("She speaks their language.", 1)


def test_bad_files_are_reported_alone_and_leave_nothing(project, tmp_path):
    folder = tmp_path / "in"
    write(folder / "good.md", WORKSHOP)
    write(folder / "empty.txt", "")
    (folder / "picture.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    write(folder / "notes.pdfx", "hello")
    write(folder / "broken.md", "---\ntitle: Workshop: area 3\n---\nJo: hi\n")
    write(folder / "bad.vtt", "WEBVTT\n\n00:00:01.000 --> nonsense\n<v Jo>hi</v>\n")
    report = import_files(project, [folder])
    status = {r.path.name: r.status for r in report.results}
    assert status == {
        "good.md": "imported",
        "empty.txt": "failed",
        "picture.txt": "failed",
        "notes.pdfx": "failed",
        "broken.md": "failed",
        "bad.vtt": "failed",
    }
    for result in report.failed:
        assert result.message.startswith(str(result.path)), result.message
        assert "\n" not in result.message
    assert [r.message for r in report.failed if r.path.name == "broken.md"][0].startswith(
        f"{folder / 'broken.md'}:2:"
    )
    assert count(project, Document) == 1


def test_a_crash_while_writing_leaves_no_half_document(project, tmp_path, monkeypatch):
    import qualcode.importing as importing

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(importing, "write_segments", crash)
    with pytest.raises(RuntimeError):
        import_files(project, [write(tmp_path / "workshop.md", WORKSHOP)])
    assert count(project, Document) == 0 and count(project, Segment) == 0


def test_attributes_from_manifest_speakers_csv_and_attr(project, tmp_path):
    folder = tmp_path / "in"
    write(folder / "talk.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Sam>We met the head.\n")
    write(folder / "manifest.csv", "file,area,method\ntalk.vtt,Area 9,interview\n")
    write(
        folder / "speakers.csv",
        "document,speaker,role,agency_type\ntalk.vtt,Sam,headteacher,school\n",
    )
    import_files(project, [folder], attributes={"method": "conversation", "wave": "2"})
    docs = queries.documents(project)
    assert docs.loc[0, "attributes"] == {"area": "Area 9", "method": "conversation", "wave": "2"}
    assert docs.loc[0, "speakers"] == [
        {"label": "Sam", "attributes": {"role": "headteacher", "agency_type": "school"}}
    ]
    segment = queries.segments(project, "talk.vtt").iloc[0]
    assert (segment.time_start, segment.time_end) == (1.0, 3.0)


def test_changed_manifest_updates_attributes_only(project, tmp_path):
    folder = tmp_path / "in"
    write(folder / "workshop.md", WORKSHOP)
    import_files(project, [folder])
    write(folder / "manifest.csv", "file,wave\nworkshop.md,2\n")
    report = import_files(project, [folder])
    assert [(r.status, r.message) for r in report.results] == [("updated", "attributes updated")]
    assert queries.documents(project).loc[0, "wave"] == "2"


def test_example_transcripts_all_import(example_project):
    docs = queries.documents(example_project)
    assert len(docs) >= 10
    assert {"md", "txt", "docx", "vtt"} <= set(docs.format)
    assert (docs.segments > 50).all()
    types = {s["attributes"].get("agency_type") for row in docs.speakers for s in row}
    assert {"local authority", "housing association", "school", "health agency"} <= types
    assert_segments_are_exact(example_project)


SPEAKERS = st.sampled_from(["Jo", "Priya", "Dr Ng", "Zoë"])
WORDS = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "M", "N", "P", "So", "Zs"]),
    min_size=1,
    max_size=40,
).filter(lambda w: w.strip() and ":" not in w and not w.lstrip().startswith(("#", "[", "(", "*")))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    turns=st.lists(
        st.tuples(SPEAKERS, st.lists(WORDS, min_size=1, max_size=3)), min_size=1, max_size=6
    )
)
def test_imported_text_files_keep_exact_offsets(project, tmp_path, turns):
    """Property: through reader, segmenter and database, text[start:end] is the segment."""
    body = "\n\n".join(f"{speaker}: " + "\n\n".join(paras) for speaker, paras in turns)
    name = f"t-{uuid.uuid4().hex}.txt"
    report = import_files(project, [write(tmp_path / name, body + "\n")])
    assert report.results[0].status in ("imported", "skipped"), report.results[0].message
    if report.results[0].status == "imported":
        frame = queries.segments(project, name)
        with project.sessionmaker() as session:
            text = session.scalars(select(Document.text).where(Document.name == name)).one()
        assert text == body + "\n"
        for row in frame.itertuples():
            assert text[row.start : row.end] == row.text
        assert frame.speaker.notna().all()
