"""Import a REFI-QDA project into a qualcode project, empty or not (``qualcode import X.qdpx``).

Documents are matched by name and text (the same text under another name is the same
document; another text under a known name comes in renamed), codes by their path of
names, coders by name. Everything is written in one transaction: a failure leaves the
database as it was. After it, ``codebook.yaml`` is written from the project's code tree
(the old file kept beside it as ``codebook.before-import.yaml``), so the YAML stays
the codebook's source of truth; codes the file gave no description say so in it.

Where things go: users become coders; each selection's codings become codings of
their coder (``Coding/@creatingUser``, else the selection's, else the project's);
notes become memos on the code, document or coding they were attached to (a note on
a selection without codings goes on the segment there, and so does a selection's
``Description``); variables on a source and on cases without a name (MAXQDA's file
variables) become document attributes; a named case whose name is a speaker of its
document gives that speaker its attributes, and any other named case gives its documents
``case`` and its variables; notes of the project as a whole become project memos
(``target_type`` "project"); ``Set``s are kept (:mod:`.sets`), and a set's sources also
get it in their ``sets`` attribute.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..bulk import Holders, bulk_insert, roomy_cache
from ..changes import PLACE
from ..codebook import slugify
from ..coding import get_coder
from ..importing import write_all_segments
from ..models import (
    Code,
    Coder,
    Coding,
    CodingLog,
    Document,
    Memo,
    content_hash,
    word_count,
)
from ..nlp import load_pipeline
from ..project import Project
from ..readers.base import Transcript
from ..readers.frontmatter import SpeakerBook, label_key
from ..readers.text import read_turns
from ..segment import segment_transcripts
from ..visibility import Who, require_everyone
from .codebook_yaml import write_project_codebook
from .qdpx_parse import read_project
from .qdpx_read import RProject, RSelection, RSource
from .refi import EXCLUSIVE_MARK, PROJECT, as_uuid, unpack_description
from .sets import keep_sets

_STAMP = r"(?:[ \t]*[\[(][\d:.,]+[\])][ \t]*)?"  # a time stamp around a speaker's label


@dataclass
class QdpxReport:
    """What an import did, and what it could not keep."""

    documents_added: list[str] = field(default_factory=list)
    documents_matched: list[str] = field(default_factory=list)
    codes_added: int = 0
    codes_matched: int = 0
    coders: list[str] = field(default_factory=list)
    codings_added: int = 0
    codings_unchanged: int = 0
    memos: int = 0
    sets: int = 0
    warnings: list[str] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)
    unplaced: list[str] = field(default_factory=list)
    readings: dict[str, str] = field(default_factory=dict)  # document -> reading, if unusual
    codebook: Path | None = None


@cache
def _moment(value: str | None) -> datetime:
    """A REFI time as UTC (now when the file gives none or an unreadable one)."""
    if value:
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


class _Ids:
    """Keep a file's GUID as a row's id when it is a UUID no row of that kind uses yet."""

    def __init__(self, session: Session, model: Any) -> None:
        # As integers: a UUID hashes in Python, an int in C, and imports take 100,000 ids.
        self.used = {found.int for found in session.scalars(select(model.id))}

    def take(self, key: str | None) -> uuid.UUID:
        found = as_uuid(key)
        if found is None or found.int in self.used:
            found = uuid.uuid4()
        self.used.add(found.int)
        return found


class _Importer:
    def __init__(self, project: Project, read: RProject, report: QdpxReport) -> None:
        self.project = project
        self.read = read
        self.report = report
        self.label = read.path.name
        self.memo_rows: list[dict[str, Any]] = []
        self.used_notes: set[str] = set()
        self.coder_ids: dict[str | None, uuid.UUID] = {}
        self.memo_ids: dict[str, uuid.UUID] = {}  # note GUID -> memo id
        self.exclusive_sets: set[str] = set()  # set GUIDs that made a theme exclusive

    # -- codes ----------------------------------------------------------------------------
    def codes(self, session: Session) -> dict[str, uuid.UUID]:
        rows = list(session.scalars(select(Code)))
        by_id = {row.id: row for row in rows}

        def path_of(row: Code) -> tuple[str, ...]:
            names: list[str] = []
            while row is not None:
                names.insert(0, row.name.casefold())
                row = by_id.get(row.parent_id) if row.parent_id else None
            return tuple(names)

        by_path = {path_of(row): row for row in rows if not row.archived}
        by_path |= {path_of(r): r for r in rows if r.archived and path_of(r) not in by_path}
        names = {row.name.casefold() for row in rows} | {row.slug for row in rows}
        ids = _Ids(session, Code)
        mapped: dict[str, uuid.UUID] = {}
        paths: dict[str, tuple[str, ...]] = {}
        position = (session.scalar(select(func.max(Code.position))) or 0) + 1
        for code in self.read.codes:
            parent_path = paths.get(code.parent, ()) if code.parent else ()
            path = (*parent_path, code.name.casefold())
            paths[code.guid] = path
            row = by_path.get(path)
            if row is not None:
                mapped[code.guid] = row.id
                row.archived = False
                self.report.codes_matched += 1
                continue
            name = code.name
            if name.casefold() in names or slugify(name) in names or not slugify(name):
                parent = self.read_name(code.parent)
                name = f"{name} ({parent})" if parent else f"{name} ({self.label})"
                while name.casefold() in names or slugify(name) in names:
                    name += "'"
                self.report.warnings.append(
                    f"code {code.name!r} renamed {name!r}: names are unique"
                )
            names |= {name.casefold(), slugify(name)}
            parsed = unpack_description(code.description)
            is_root = code.parent is None or code.parent not in mapped
            missing = f"(no definition in {self.label})"
            if is_root:
                description = parsed.description or parsed.main or missing
                definition = parsed.main if parsed.description else ""
            else:
                description, definition = parsed.description, parsed.main or missing
            row = Code(
                id=ids.take(code.guid),
                name=name,
                slug=slugify(name),
                parent_id=mapped.get(code.parent) if code.parent else None,
                position=position,
                description=description,
                definition=definition,
                use_when=parsed.use_when,
                not_when=parsed.not_when,
                examples=parsed.examples,
                patterns=[],
                colour=code.colour,
                exclusive=False,
            )
            position += 1
            session.add(row)
            by_path[path] = row
            mapped[code.guid] = row.id
            self.report.codes_added += 1
        session.flush()
        for found in self.read.sets:
            if found.description.strip() == EXCLUSIVE_MARK and found.codes:
                members = [mapped[m] for m in found.codes if m in mapped]
                parents = {session.get_one(Code, m).parent_id for m in members}
                if len(parents) == 1 and None not in parents:
                    session.get_one(Code, parents.pop()).exclusive = True
                    self.exclusive_sets.add(found.guid)
        return mapped

    def read_name(self, key: str | None) -> str:
        return next((c.name for c in self.read.codes if c.guid == key), "")

    # -- coders ---------------------------------------------------------------------------
    def coders(self, session: Session) -> dict[str | None, uuid.UUID]:
        ids = _Ids(session, Coder)
        existing = {c.name: c for c in session.scalars(select(Coder))}
        mapped: dict[str | None, uuid.UUID] = {}
        wanted = dict(self.read.users)
        for key in self._user_keys():
            wanted.setdefault(key, "")
        for key, name in wanted.items():
            name = name or f"user {key[:8]}"
            row = existing.get(name)
            if row is None:
                row = Coder(id=ids.take(key), name=name, role="coder")
                session.add(row)
                existing[name] = row
            mapped[key] = row.id
            if name not in self.report.coders:
                self.report.coders.append(name)
        session.flush()
        return mapped

    def _user_keys(self) -> set[str]:
        keys = set()
        for source in self.read.sources:
            for selection in source.selections:
                keys |= {selection.user} | {c.user for c in selection.codings}
            keys |= {c.user for c in source.codings}
        keys |= {user for _text, user, _when in self.read.notes.values()}
        return {k for k in keys if k}

    def fallback(self, session: Session) -> uuid.UUID:
        """The coder of codings nobody is named for: the project's creator, else the tool."""
        if self.read.creator and self.read.creator in self.coder_ids:
            return self.coder_ids[self.read.creator]
        name = f"{(self.read.origin or 'REFI-QDA').split(',')[0].strip()[:60]} user"
        coder = get_coder(session, name)
        self.coder_ids[None] = coder.id
        return coder.id

    # -- documents ------------------------------------------------------------------------
    def plan_documents(self, session: Session) -> list[tuple[RSource, Transcript | None, Any]]:
        """(source, transcript to segment when new, existing document id or None)."""
        known = {
            name: (doc_id, digest)
            for doc_id, name, digest in session.execute(
                select(Document.id, Document.name, Document.content_hash)
            )
        }
        by_hash = {digest: doc_id for doc_id, digest in known.values()}
        plans = []
        taken = set(known)
        for source in self.read.sources:
            if source.text is None:
                self.report.unplaced.append(
                    f"{source.name}: {source.problem}; its {len(source.selections)} "
                    "selection(s) were not imported"
                )
                continue
            digest = content_hash(source.text)
            if digest in by_hash:
                plans.append((source, None, by_hash[digest]))
                continue
            name = source.name[:200]
            stem, suffix = Path(name).stem, Path(name).suffix
            count = 1
            while name in taken:
                count += 1
                name = f"{stem} ({count}){suffix}"
            if name != source.name and count > 1:
                self.report.warnings.append(f"source {source.name!r} imported as {name!r}")
            taken.add(name)
            by_hash[digest] = source.guid  # a later source with the same text is this one
            book = SpeakerBook(self._speakers_of(source))
            turns, _notes = read_turns(source.text, book)
            transcript = Transcript(
                path=Path(name), text=source.text, turns=turns, speakers=book.speakers
            )
            plans.append((source, transcript, None))
        return plans

    def _speakers_of(self, source: RSource) -> dict[str, dict[str, Any]]:
        """The named cases of ``source`` that label turns in its text: its speakers."""
        assert source.text is not None
        selections = {s.guid for s in source.selections}
        found: dict[str, dict[str, Any]] = {}
        for case in self.read.cases:
            mine = source.guid in case.sources or selections.intersection(case.selections)
            name = re.escape(case.name or "")
            label = re.compile(rf"(?m)^[ \t]*{_STAMP}{name}{_STAMP}:(?:[ \t]|$)")
            if case.name and mine and label.search(source.text):
                names = self.read.variables
                found[case.name] = {names.get(k, (k, ""))[0]: v for k, v in case.values.items()}
        return found

    def write_documents(self, session: Session, plans: list, spans: dict) -> dict[str, Document]:
        ids = _Ids(session, Document)
        documents: dict[str, Document] = {}
        segmented = []  # new documents with their transcript and segments: written at once
        for source, transcript, existing in plans:
            if transcript is None and isinstance(existing, str):  # the same text twice in the file
                documents[source.guid] = documents[existing]
                continue
            if transcript is None:
                document = session.get_one(Document, existing)
                self.report.documents_matched.append(document.name)
            else:
                document = Document(
                    id=ids.take(source.guid),
                    name=transcript.path.name,
                    source_path=f"{self.read.path}#{source.name}",
                    format=transcript.path.suffix.lstrip(".").lower() or "txt",
                    content_hash=content_hash(transcript.text),
                    text=transcript.text,
                    word_count=word_count(transcript.text),
                    attributes={},
                )
                session.add(document)
                segmented.append((document, transcript, spans[transcript.path.name]))
                self.report.documents_added.append(document.name)
            if source.reading != "code points":
                self.report.readings[document.name] = source.reading
            documents[source.guid] = document
        write_all_segments(session, segmented)
        return documents

    # -- attributes -------------------------------------------------------------------------
    def attributes(self, documents: dict[str, Document]) -> None:
        variables = self.read.variables
        per_doc: dict[str, dict[str, Any]] = defaultdict(dict)
        per_speaker: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)

        def named(values: dict[str, Any]) -> dict[str, Any]:
            return {variables.get(k, (k, ""))[0]: v for k, v in values.items()}

        for source in self.read.sources:
            per_doc[source.guid] |= named(source.values)
        selection_docs = {s.guid: src.guid for src in self.read.sources for s in src.selections}
        for case in self.read.cases:
            targets = list(
                dict.fromkeys(
                    case.sources
                    + [selection_docs[s] for s in case.selections if s in selection_docs]
                )
            )
            for target in targets:
                doc = documents.get(target)
                if doc is None:
                    continue
                labels = {label_key(s.label): s.label for s in doc.speakers}
                if case.name and label_key(case.name) in labels:
                    per_speaker[(target, labels[label_key(case.name)])] |= named(case.values)
                    continue
                per_doc[target] |= named(case.values)
                if case.name:
                    before = per_doc[target].get("case")
                    per_doc[target]["case"] = f"{before}; {case.name}" if before else case.name
        for found in self.read.sets:
            for member in found.sources:
                before = per_doc[member].get("sets")
                names = before.split("; ") if isinstance(before, str) and before else []
                if found.name not in names:  # an export carries it as a variable too
                    per_doc[member]["sets"] = "; ".join([*names, found.name])
        for key, values in per_doc.items():
            if key in documents and values:
                doc = documents[key]
                doc.attributes = {**values, **(doc.attributes or {})}
        for (key, label), values in per_speaker.items():
            speaker = next(s for s in documents[key].speakers if s.label == label)
            speaker.attributes = {**values, **(speaker.attributes or {})}

    # -- codings and memos -----------------------------------------------------------------
    def codings(
        self, session: Session, documents: dict[str, Document], codes: dict[str, uuid.UUID]
    ) -> None:
        """Write every coding the file has and the project has not, and the import's
        entries in the coding log (:meth:`_log`). The hot path of a large import: each
        coding costs a few dict look-ups and a tuple, no objects and no queries."""
        ids = _Ids(session, Coding)
        doc_ids = [d.id for d in documents.values()]
        identity = select(
            Coding.document_id, Coding.start, Coding.end, Coding.code_id, Coding.coder_id
        )
        seen = {
            (doc.int, start, end, code.int, coder.int)
            for doc, start, end, code, coder in session.execute(
                identity.where(Coding.document_id.in_(doc_ids))
            )
        }
        segments = Holders(session, doc_ids)
        code_keys = {key: (value, value.int) for key, value in codes.items()}
        coder_keys = {key: (value, value.int) for key, value in self.coder_ids.items()}
        rows: list[tuple[Any, ...]] = []
        dropped = 0
        for source in self.read.sources:
            doc = documents.get(source.guid)
            if doc is None:
                continue
            doc_id, doc_int = doc.id, doc.id.int
            holders = segments.spans[doc_id]
            whole = RSelection("", 0, len(doc.text), None, None, None, codings=source.codings)
            whole.span = (0, len(doc.text))
            for selection in [*source.selections, whole] if source.codings else source.selections:
                span = self._span(doc, source, selection)
                if span is None:
                    continue
                start, end = span
                texts = [selection.description] + [self._note(n) for n in selection.notes]
                shared = "\n\n".join(t for t in texts if t)
                if not selection.codings:
                    if shared:
                        self._segment_memo(doc, holders, span, selection, shared)
                    continue
                segment_id = segments.of(doc_id, *span)
                for coding in selection.codings:
                    code = code_keys.get(coding.code or "")
                    if code is None:
                        dropped += 1
                        continue
                    coder = coder_keys.get(coding.user or selection.user)
                    if coder is None:
                        coder = coder_keys[None] = (found := self.fallback(session), found.int)
                    key = (doc_int, start, end, code[1], coder[1])
                    if key in seen:
                        self.report.codings_unchanged += 1
                        continue
                    seen.add(key)
                    memo = shared or None
                    if coding.notes:  # most codings have no note of their own
                        own = "\n\n".join(t for t in [self._note(n) for n in coding.notes] if t)
                        memo = "\n\n".join(t for t in (shared, own) if t) or None
                    created = _moment(coding.created or selection.created)
                    rows.append(
                        (ids.take(coding.guid), doc_id, start, end, segment_id, code[0],
                         coder[0], "import", memo, created)
                    )  # fmt: skip
        if dropped:
            self.report.dropped["codings of codes not in the codebook"] += dropped
        columns = ["id", "document_id", "start", "end", "segment_id", "code_id", "coder_id",
                   "origin", "memo", "created_at"]  # fmt: skip
        bulk_insert(session, Coding.__table__, columns, rows)
        self.report.codings_added = len(rows)
        self._log(session, rows)

    def _log(self, session: Session, rows: list[tuple[Any, ...]]) -> None:
        """One "import" entry in the coding log per coder whose codings came in, with
        their ids (not an "add" per coding: an import may bring 100,000). The entries
        share one change, so one undo takes the whole import back."""
        ids: dict[uuid.UUID, list[str]] = defaultdict(list)
        for row in rows:
            ids[row[6]].append(row[0].hex)
        change, now = uuid.uuid4(), datetime.now(UTC)
        entries = [
            (now, coder, "import", None, change, {
                **dict.fromkeys(PLACE), "coder_id": str(coder), "file": self.label,
                "text": f"{len(mine):,} coding{'s' * (len(mine) != 1)} from {self.label}",
                "coding_ids": mine,
            })
            for coder, mine in ids.items()
        ]  # fmt: skip
        log = ["at", "coder_id", "action", "coding_id", "change_id", "data"]
        bulk_insert(session, CodingLog.__table__, log, entries)

    def _span(
        self, doc: Document, source: RSource, selection: RSelection
    ) -> tuple[int, int] | None:
        where = f"{source.name} [{selection.start}:{selection.end}]"
        if selection.span is None:
            quote = f" {selection.quote[:60]!r}" if selection.quote else ""
            self.report.unplaced.append(f"{where}{quote}: not in the text under any reading")
            return None
        start, end = selection.span
        text = doc.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            if selection.codings:
                self.report.unplaced.append(f"{where}: an empty selection")
            return None
        return start, end

    def _note(self, key: str) -> str:
        found = self.read.notes.get(key)
        self.used_notes.add(key)
        return found[0] if found else ""

    def _segment_memo(
        self, doc: Document, segments: list, span: tuple[int, int], selection: RSelection, text: str
    ) -> None:
        segment = next((i for s, e, i in segments if s <= span[0] < e), None)
        if segment is None:
            self.report.dropped["memos outside any segment"] += 1
            return
        exact = any(s == span[0] and e == span[1] and i == segment for s, e, i in segments)
        if not exact:
            text = f"On \u201c{doc.text[span[0] : span[1]]}\u201d: {text}"
        author = self.coder_ids.get(selection.user) if selection.user else None
        self.memo_rows.append(
            {
                "target_type": "segment",
                "target_id": str(segment),
                "coder_id": author,
                "text": text,
                "created_at": _moment(selection.created),
            }
        )

    def memos(
        self, session: Session, documents: dict[str, Document], codes: dict[str, uuid.UUID]
    ) -> None:
        ids = _Ids(session, Memo)
        # A memo already there (the same place and words) is not written twice.
        there = {
            (kind, target, text): memo_id
            for memo_id, kind, target, text in session.execute(
                select(Memo.id, Memo.target_type, Memo.target_id, Memo.text)
            )
        }
        targets = [
            ("document", documents[s.guid].id, s.notes)
            for s in self.read.sources
            if s.guid in documents
        ]
        targets += [("code", codes[c.guid], c.notes) for c in self.read.codes if c.guid in codes]
        targets.append((PROJECT, PROJECT, self.read.project_notes))
        for kind, target, notes in targets:
            for key in notes:
                if key in self.read.notes and key not in self.memo_ids:
                    text, user, when = self.read.notes[key]
                    self.used_notes.add(key)
                    self.memo_ids[key] = there.get((kind, str(target), text)) or ids.take(key)
                    self.memo_rows.append(
                        {
                            "id": self.memo_ids[key],
                            "target_type": kind,
                            "target_id": str(target),
                            "coder_id": self.coder_ids.get(user) if user else None,
                            "text": text,
                            "created_at": _moment(when),
                        }
                    )
        new = []
        for row in self.memo_rows:
            place = (row["target_type"], row["target_id"], row["text"])
            if place not in there:
                there[place] = row.setdefault("id", ids.take(None))
                row["updated_at"] = row["created_at"]
                new.append(row)
        columns = ["id", "target_type", "target_id", "coder_id", "text", "created_at", "updated_at"]
        bulk_insert(session, Memo.__table__, columns, [[row[c] for c in columns] for row in new])
        self.report.memos = len(new)
        in_sets = {key for found in self.read.sets for key in found.notes}
        loose = set(self.read.notes) - self.used_notes - in_sets
        if loose:
            self.report.dropped["notes attached to nothing qualcode keeps"] += len(loose)

    def sets(self, documents: dict[str, Document], codes: dict[str, uuid.UUID]) -> list[dict]:
        """The file's sets (but those that made a theme exclusive) as :mod:`.sets` keeps
        them: members by qualcode id, those qualcode did not import left out."""
        kept = []
        for found in self.read.sets:
            if found.guid in self.exclusive_sets:
                continue
            members = {
                "codes": [str(codes[k]) for k in found.codes if k in codes],
                "documents": list(
                    dict.fromkeys(str(documents[k].id) for k in found.sources if k in documents)
                ),
                "memos": [str(self.memo_ids[k]) for k in found.notes if k in self.memo_ids],
            }
            if not any(members.values()):
                self.report.dropped["empty sets"] += 1
                continue
            key = as_uuid(found.guid) or uuid.uuid5(
                uuid.NAMESPACE_URL, f"{self.label}#{found.name}"
            )
            kept.append(
                {"id": str(key), "name": found.name, "description": found.description, **members}
            )
        self.report.sets = len(kept)
        return kept


def import_qdpx(
    project: Project, path: str | Path, *, by: Who = None, codebook: bool = True
) -> QdpxReport:
    """Import a ``.qdpx`` (or ``.qde``) into ``project`` in one transaction; write the
    project's ``codebook.yaml`` from its code tree after (unless ``codebook`` is False).

    ``by`` is who imports: into a project that has codings already, only someone who
    sees every coder's work (a lead, or anyone in an open round) may bring in more;
    None is a script holding the project file, as elsewhere.
    """
    read = read_project(path)
    report = QdpxReport(warnings=list(read.warnings), dropped=Counter(read.dropped))
    report.unplaced.extend(read.unplaced)
    importer = _Importer(project, read, report)
    settings = project.settings()
    with project.sessionmaker() as session:
        plans = importer.plan_documents(session)
        if by is not None and session.scalar(select(func.count()).select_from(Coding)):
            require_everyone(session, by, "importing a .qdpx")
    new = [transcript for _s, transcript, _e in plans if transcript is not None]
    spans = {}
    if new:
        nlp = load_pipeline(settings["pipeline"])
        # In this process: nothing here would run beside a worker, which costs more CPU
        # time to start (spaCy loaded again, texts pickled) than segmenting takes.
        found = segment_transcripts(new, nlp, settings["unit"])
        spans = {transcript.path.name: made for transcript, made in found}
    with project.transaction() as session, roomy_cache(session):
        codes = importer.codes(session)
        importer.coder_ids = importer.coders(session)
        documents = importer.write_documents(session, plans, spans)
        importer.attributes(documents)
        session.flush()
        importer.codings(session, documents, codes)
        importer.memos(session, documents, codes)
        keep_sets(session, importer.sets(documents, codes))
        written = write_project_codebook(session, project, read.name) if codebook else None
    if written is not None:
        report.codebook = written()
    _keep_originals(project, read, report)
    return report


def _keep_originals(project: Project, read: RProject, report: QdpxReport) -> None:
    """Save the .docx/.pdf files the project carried beside its text, under imported/."""
    originals = [s.original for s in read.sources if s.original]
    if not originals:
        return
    folder = project.root / "imported" / read.path.stem
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in originals:
        (folder / Path(name).name).write_bytes(data)
    report.warnings.append(f"{len(originals)} original file(s) kept in {folder}")
