"""Import transcript files into a project: one file, one transaction.

Files are read and checked first, then segmented in one streaming spaCy pass across
all of them (``segment_transcripts``), and each is written in its own transaction. A bad
file is reported and leaves nothing behind; the others still import.

Attributes come, weakest first, from the file itself (front matter, document
properties), the folder's ``manifest.csv``, and ``--attr key=value``. Speaker attributes
come from front matter, then the folder's ``speakers.csv``.
"""

from __future__ import annotations

import bisect
import gc
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .errors import DatabaseProblem, InputError, QualcodeError
from .files import not_plain, plain_file
from .models import Coding, Document, DocumentRevision, Segment, Speaker, content_hash, word_count
from .nlp import load_pipeline
from .project import Project
from .readers import SUFFIXES, not_a_transcript, read_transcript
from .readers.base import Transcript
from .readers.manifest import read_manifest, read_speakers
from .readers.services import apply_speaker_names
from .readers.survey import SurveyOptions, read_survey
from .segment import SegmentSpan, segment_transcripts
from .twins import SameWords

if TYPE_CHECKING:
    from .revisions.store import RevisionResult

UNREADABLE = (
    "qualcode failed to read this file, and went on with the others; please report it, "
    "with the file if you can share it"
)
WORKER_THRESHOLD = 50  # files; a spaCy worker process takes a second or two to start


@dataclass
class FileResult:
    """What happened to one file: imported, replaced, updated, skipped or failed."""

    path: Path
    status: str
    document: str | None = None
    segments: int = 0
    message: str = ""


@dataclass
class ImportReport:
    results: list[FileResult] = field(default_factory=list)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)


def collect_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[FileResult]]:
    """Expand folders into the transcript files they hold (sorted); report missing paths.

    Inside a folder, the side files (manifest.csv, speakers.csv), hidden files and other
    ``.csv`` files are passed over; a README or a licence is skipped with a note (named on
    its own, it is read as usual); any other unknown extension is reported by the reader.
    """
    files: list[Path] = []
    problems: list[FileResult] = []

    def take(path: Path) -> None:
        reason = not_plain(path)  # a named pipe would hang the reader; a link loop has no text
        if reason is not None:
            problems.append(FileResult(path, "failed", message=f"{path}: {reason}"))
        else:
            files.append(path)

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if hidden or child.is_dir() or child.suffix.lower() == ".csv":
                    continue
                if (why := not_a_transcript(child)) is not None:
                    note = f"{why}; name the file itself to import it"
                    problems.append(FileResult(child, "skipped", message=note))
                else:
                    take(child)
        elif path.exists() or path.is_symlink():
            take(path)
        else:
            problems.append(FileResult(path, "failed", message=f"{path}: no such file or folder"))
    return files, problems


class _SideFiles:
    """manifest.csv and speakers.csv of each folder, read once per folder."""

    def __init__(self) -> None:
        self._manifests: dict[Path, dict[str, dict[str, str]]] = {}
        self._speakers: dict[Path, Any] = {}

    def attributes(self, path: Path) -> dict[str, str]:
        folder = path.parent
        if folder not in self._manifests:
            manifest = folder / "manifest.csv"
            exists = os.path.lexists(manifest)
            self._manifests[folder] = read_manifest(plain_file(manifest)) if exists else {}
        return self._manifests[folder].get(path.name, {})

    def speakers(self, path: Path, labels: Iterable[str]) -> dict[str, dict[str, str]]:
        folder = path.parent
        if folder not in self._speakers:
            table = folder / "speakers.csv"
            exists = os.path.lexists(table)
            self._speakers[folder] = read_speakers(plain_file(table)) if exists else None
        table = self._speakers[folder]
        if table is None:
            return {}
        return {label: table.attributes(label, path.name) for label in labels}


def _prepare(transcript: Transcript, side: _SideFiles, extra: dict[str, str]) -> Transcript:
    """Fold manifest, speakers.csv and --attr into the transcript's attributes."""
    transcript.attributes = {
        **transcript.attributes,
        **side.attributes(transcript.path),
        **extra,
    }
    for label, attributes in side.speakers(transcript.path, transcript.speakers).items():
        transcript.speakers[label] = {**transcript.speakers[label], **attributes}
    return apply_speaker_names(transcript)  # speakers.csv names a service's "Speaker 1"


def import_files(
    project: Project,
    paths: Iterable[str | Path],
    *,
    attributes: dict[str, str] | None = None,
    replace: bool = False,
    progress: Callable[[FileResult], None] | None = None,
    workers: int = 0,
    unlabelled_speaker: str | None = None,
    author: str | None = None,
    survey: SurveyOptions | None = None,
) -> ImportReport:
    """Import every transcript under ``paths``; never raises for one bad file.

    ``unlabelled_speaker`` speaks, in every file, the paragraphs that carry no speaker
    label (see :func:`~qualcode.readers.read_transcript`). ``author`` is recorded as who
    made each revision; a changed file (``replace``) becomes a new revision of its
    document, its codings carried over or sent to review (:mod:`qualcode.revisions`).
    With ``survey``, each file is a survey sheet that makes several documents
    (:mod:`qualcode.readers.survey`).

    ``workers`` > 0 runs spaCy in that many other processes while this one reads files
    and writes rows (see :func:`auto_workers`); a script that asks for them must run
    under ``if __name__ == "__main__":``, as all ``multiprocessing`` code must.

    >>> report = import_files(project, ["transcripts/"])
    >>> [r.message for r in report.failed]
    """
    files, missing = collect_files(paths)
    files = list(dict.fromkeys(files))  # the same file named twice is imported once
    report = ImportReport()
    notify = progress or (lambda _result: None)

    def record(result: FileResult) -> None:
        report.results.append(result)
        notify(result)

    for result in missing:
        record(result)
    settings = project.settings()
    nlp = load_pipeline(settings["pipeline"])
    with project.sessionmaker() as session:
        known = {
            name: (doc_id, digest, attrs)
            for doc_id, name, digest, attrs in session.execute(
                select(Document.id, Document.name, Document.content_hash, Document.attributes)
            )
        }
    by_hash = {digest: name for name, (_id, digest, _a) in known.items()}
    same_words = SameWords(project, known)

    this_run: set[str] = set()

    def readable() -> Iterator[Transcript]:
        side = _SideFiles()
        for path in files:
            if path.name in this_run:
                record(
                    FileResult(
                        path,
                        "failed",
                        path.name,
                        message=f"{path}: another file named {path.name!r} is in this import; "
                        "rename one of them",
                    )
                )
                continue
            try:
                if survey is not None:
                    transcripts = read_survey(path, survey)
                else:
                    transcripts = [read_transcript(path, unlabelled_speaker=unlabelled_speaker)]
                transcripts = [_prepare(t, side, attributes or {}) for t in transcripts]
            except InputError as error:
                record(FileResult(path, "failed", message=str(error)))
                continue
            except Exception as error:  # a reader's bug must not stop the other files
                reason = f"{type(error).__name__}: {error}".splitlines()[0][:200]
                record(FileResult(path, "failed", message=f"{path}: {UNREADABLE} ({reason})"))
                continue
            yield from filter(admit, transcripts)

    def admit(transcript: Transcript) -> bool:
        """Whether a transcript read is to be written; if not, its result is recorded."""
        path = transcript.origin  # the survey sheet, for one of its documents
        digest = content_hash(transcript.text)
        name = transcript.path.name
        if name in known and known[name][1] == digest:
            if known[name][2] == transcript.attributes:
                record(FileResult(path, "skipped", name, message=_about(transcript, "unchanged")))
                return False
        elif name not in known and digest in by_hash:
            record(
                FileResult(
                    path,
                    "skipped",
                    by_hash[digest],
                    message=f"same text as {by_hash[digest]!r}, already imported",
                )
            )
            return False
        elif name in known and not replace:
            record(
                FileResult(
                    path,
                    "failed",
                    name,
                    message=f"{path}: changed since it was imported as {name!r}; "
                    "use --replace to import the new version",
                )
            )
            return False
        elif name not in known and (twin := same_words.twin(name, transcript.text, str(path))):
            message = f"same words as {twin!r} (another format of it?), not imported twice"
            message = _about(transcript, message)
            record(FileResult(path, "skipped", twin, message=message))
            return False
        this_run.add(name)
        by_hash[digest] = name
        return True

    segmented = segment_transcripts(readable(), nlp, settings["unit"], workers=workers)
    with _calm_garbage_collector():
        try:
            for transcript, spans in segmented:
                existing = known.get(transcript.path.name)
                _write_one(project, transcript, spans, existing, record, author)
        except DatabaseProblem as problem:  # busy, read-only, full: no later file would fare better
            done = report.count("imported") + report.count("replaced") + report.count("updated")
            raise DatabaseProblem(
                f"{problem}. The import stopped there: {done} file(s) were written before it"
            ) from None
    return report


def auto_workers(files: int) -> int:
    """One spaCy worker when there are enough files to repay its start-up and a spare core."""
    return 1 if files >= WORKER_THRESHOLD and (os.cpu_count() or 1) > 1 else 0


@contextmanager
def _calm_garbage_collector() -> Iterator[None]:
    """Collect less often while rows stream through: the default thresholds spend a
    tenth of a large import scanning objects that are about to be freed anyway."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _write_one(
    project: Project,
    transcript: Transcript,
    spans: list[SegmentSpan],
    existing: tuple[uuid.UUID, str, Any] | None,
    record: Callable[[FileResult], None],
    author: str | None = None,
) -> None:
    """Write one file in its own transaction; a failure of the file is recorded, one of
    the database as a whole (DatabaseProblem) raised."""
    path, name = transcript.origin, transcript.path.name
    try:
        with project.transaction() as session:
            result = _write(session, transcript, spans, existing, author)
    except DatabaseProblem:
        raise
    except QualcodeError as error:
        result = FileResult(path, "failed", name, message=str(error))
    except SQLAlchemyError as error:
        reason = str(error.orig if hasattr(error, "orig") else error).splitlines()[0]
        result = FileResult(
            path,
            "failed",
            name,
            message=f"{path}: the database refused it ({reason}); nothing was written",
        )
    record(result)


def _write(
    session: Session,
    transcript: Transcript,
    spans: list[SegmentSpan],
    existing: tuple[uuid.UUID, str, Any] | None,
    author: str | None,
) -> FileResult:
    path = transcript.origin
    digest = content_hash(transcript.text)
    if existing is None:
        document = Document(
            name=transcript.path.name,
            source_path=str(path),
            format=path.suffix.lower().lstrip("."),
            content_hash=digest,
            text=transcript.text,
            word_count=word_count(transcript.text),
            attributes=transcript.attributes,
        )
        session.add(document)
        session.flush()
        session.add(
            DocumentRevision(
                document_id=document.id, number=1, text=document.text, content_hash=digest,
                author=author, reason="imported",
            )
        )  # fmt: skip
        count = write_segments(session, document, transcript, spans)
        return FileResult(path, "imported", document.name, count, _notes(transcript))
    document = session.get_one(Document, existing[0])
    if existing[1] == digest:
        document.attributes = transcript.attributes
        _write_speakers(session, document, transcript.speakers)
        message = _about(transcript, "attributes updated")
        return FileResult(path, "updated", document.name, message=message)
    document.source_path = str(path)
    document.attributes = transcript.attributes
    count, revised = revise_document(
        session, document, transcript, spans, author=author,
        reason=f"import --replace {path.name}",
    )  # fmt: skip
    message = _about(transcript, f"replaced; {revised.describe()}") + (
        f"; {_notes(transcript)}" if transcript.notes else ""
    )
    return FileResult(path, "replaced", document.name, count, message)


def revise_document(
    session: Session,
    document: Document,
    transcript: Transcript,
    spans: list[SegmentSpan],
    *,
    author: str | None,
    reason: str,
    restore: dict[str, Any] | None = None,
) -> tuple[int, RevisionResult]:
    """Make ``transcript`` the document's new revision: codings carried over (or sent to
    review), segments rebuilt from ``spans``, what hung on the old segments moved over.
    Returns the number of segments and what became of the codings."""
    from .revisions.segments import detach, reattach
    from .revisions.store import new_revision

    old_segments = detach(session, document)
    revised = new_revision(
        session, document, transcript.text, author=author, reason=reason, restore=restore
    )
    count = write_segments(session, document, transcript, spans)
    realign_codings(session, document)
    if revised.mapping is not None:
        reattach(session, document, old_segments, revised.mapping)
    return count, revised


def _notes(transcript: Transcript) -> str:
    return "; ".join(transcript.notes)


def _about(transcript: Transcript, message: str) -> str:
    """``message`` naming the document when its file holds several (a survey sheet)."""
    return f"{transcript.path.name}: {message}" if transcript.source else message


def _write_speakers(
    session: Session, document: Document, speakers: dict[str, dict[str, Any]]
) -> dict[str, int]:
    """Insert or update the document's speakers; return label -> speaker id."""
    rows = _put_speakers(document, speakers)
    session.flush()
    return {label: row.id for label, row in rows.items()}


def _put_speakers(document: Document, speakers: dict[str, dict[str, Any]]) -> dict[str, Speaker]:
    """The document's speakers by label, those of ``speakers`` added or updated (unflushed)."""
    rows = {s.label: s for s in document.speakers}
    for label, attributes in speakers.items():
        if label in rows:
            rows[label].attributes = attributes
        else:
            rows[label] = Speaker(label=label, attributes=attributes)
            document.speakers.append(rows[label])
    return rows


def write_segments(
    session: Session, document: Document, transcript: Transcript, spans: list[SegmentSpan]
) -> int:
    """Write the speakers of ``transcript`` and the segments ``spans`` of ``document``
    (which has none yet); return how many segments."""
    return write_all_segments(session, [(document, transcript, spans)])


def write_all_segments(
    session: Session, items: list[tuple[Document, Transcript, list[SegmentSpan]]]
) -> int:
    """:func:`write_segments` for many documents at once (a project of hundreds): one
    flush for all their speakers, one insert of all their segments."""
    speakers = [_put_speakers(document, transcript.speakers) for document, transcript, _ in items]
    session.flush()
    speaker_ids = [{label: row.id for label, row in found.items()} for found in speakers]
    rows = [
        {
            "document_id": document.id,
            "ordinal": ordinal,
            "speaker_id": labels.get(span.speaker) if span.speaker else None,
            "start": span.start,
            "end": span.end,
            "time_start": span.time_start,
            "time_end": span.time_end,
        }
        for (document, _transcript, spans), labels in zip(items, speaker_ids, strict=True)
        for ordinal, span in enumerate(spans, start=1)
    ]
    if rows:
        # A Core insert: no ORM bookkeeping for what may be thousands of rows per file.
        session.connection().execute(Segment.__table__.insert(), rows)
    return len(rows)


def realign_codings(session: Session, document: Document) -> None:
    """Point each coding at the segment that holds it, where one does."""
    segments = session.execute(
        select(Segment.id, Segment.start, Segment.end)
        .where(Segment.document_id == document.id)
        .order_by(Segment.start)
    ).all()
    starts = [start for _id, start, _end in segments]
    codings = session.execute(
        select(Coding.id, Coding.start, Coding.end).where(Coding.document_id == document.id)
    ).all()
    changes = []
    for coding_id, start, end in codings:
        i = bisect.bisect_right(starts, start) - 1  # segments do not overlap
        holder = segments[i].id if i >= 0 and end <= segments[i].end else None
        changes.append({"coding": coding_id, "holder": holder})
    if changes:  # a Core executemany: no ORM bookkeeping for thousands of rows
        table = Coding.__table__
        session.connection().execute(
            table.update()
            .where(table.c.id == bindparam("coding"))
            .values(segment_id=bindparam("holder")),
            changes,
        )


__all__ = ["FileResult", "ImportReport", "SUFFIXES", "collect_files", "import_files"]
