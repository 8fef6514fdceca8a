"""Write a project as a REFI-QDA ``.qdpx`` (``qualcode export --format qdpx``).

The writer rules of the REFI guide (§6): the XML is ``project.qde``, each document's text
is ``sources/<GUID>.txt`` in UTF-8 without BOM, LF line ends (qualcode stores text so),
and selections count code points on exactly that text. Empty containers are left out
and the XML is checked against ``Project.xsd`` before the zip is written.

GUIDs are stable: documents, codes, coders, codings and memos keep their qualcode ids;
what has no id of its own (a selection, a variable, a speaker's case, a text file) gets
a uuid5 of the project's exchange namespace and what it is. Mapping (see README):

===================  ===============================================================
qualcode             REFI-QDA
===================  ===============================================================
coder                ``User``; each coding's ``creatingUser``
code, theme          ``Code`` (nested); definition, when to use/not, examples in
                     its ``Description``; a theme without codings ``isCodable=false``
exclusive theme      a ``Set`` of its codes described "qualcode: exclusive theme"
document             ``TextSource`` + ``sources/<GUID>.txt``; attributes as typed
                     ``VariableValue``s on it
coding               ``Coding`` in a ``PlainTextSelection`` (one per span)
memo                 ``Note`` with a ``NoteRef`` on the code, source, selection or
                     coding it is about (a project memo: on the ``Project``)
set (kept from an    ``Set`` with its ``MemberCode``, ``MemberSource``, ``MemberNote``
import)
speaker              a ``Case`` per speaker: attributes as ``VariableValue``s,
                     ``SourceRef`` to each document, ``SelectionRef`` to each turn
segment              not exported (segments are made again on import)
===================  ===============================================================

Who may see what: codings and memos go through :mod:`qualcode.visibility` as every
export does; a coder in a closed round exports their own work only.
"""

from __future__ import annotations

import json
import uuid
import zipfile
from collections import defaultdict
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, NamedTuple

from lxml import etree
from sqlalchemy import String, select, type_coerce

from ..errors import QualcodeError
from ..models import Code, Coder, Coding, Document, Memo, Segment, Setting, Speaker
from ..project import Project
from ..visibility import Who, viewer_for
from .refi import (
    EXCLUSIVE_MARK,
    PROJECT,
    PROJECT_NS,
    code_description,
    derived,
    guid,
    schema_errors,
    variable_type,
    xml_text,
)
from .sets import MEMBER_KINDS, kept_sets

NAMESPACE_KEY = "exchange_namespace"
_NS = f"{{{PROJECT_NS}}}"
_CODING, _CODE_REF, _NOTE_REF = (_NS + t for t in ("Coding", "CodeRef", "NoteRef"))
QUOTE_LIMIT = 500  # a selection's name holds its text up to this length, to verify offsets


def exchange_namespace(project: Project) -> uuid.UUID:
    """The project's namespace for derived GUIDs, made once and kept in its settings."""
    stored = project.settings().get(NAMESPACE_KEY)
    if stored:
        return uuid.UUID(stored)
    made = uuid.uuid4()
    with project.transaction() as session:
        row = session.get(Setting, NAMESPACE_KEY)
        if row is not None:  # another writer made it first
            return uuid.UUID(row.value)
        session.add(Setting(key=NAMESPACE_KEY, value=str(made)))
    return made


def _version() -> str:
    try:
        return version("qualcode")
    except PackageNotFoundError:
        return "(development)"


def _el(parent: etree._Element, tag: str, **attributes: Any) -> etree._Element:
    values = {
        k: v if isinstance(v, str) else str(v) for k, v in attributes.items() if v is not None
    }
    return etree.SubElement(parent, _NS + tag, values)


def _when(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@cache
def _g(raw: Any) -> str:
    """A GUID from a column read raw: SQLite's 32 hex digits, or a UUID (PostgreSQL)."""
    if isinstance(raw, str):
        h = raw.upper() if len(raw) == 32 else raw.replace("-", "").upper()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return guid(raw)


def _stamp(raw: Any) -> str | None:
    """A time read raw: SQLite's ``YYYY-MM-DD HH:MM:SS...`` (UTC), or a datetime."""
    if isinstance(raw, str):
        return f"{raw[:10]}T{raw[11:19]}Z" if len(raw) >= 19 else None
    return _when(raw)


class _Coding(NamedTuple):
    """A coding as the export needs it: GUIDs and time as written."""

    id: str
    document_id: str
    start: int
    end: int
    code_id: str
    coder_id: str
    created_at: str | None
    memo: str | None


def _raw(column: Any) -> Any:
    """A column read without conversion to UUID or datetime: 100,000 of them add up."""
    return type_coerce(column, String)


def _text(parent: etree._Element, tag: str, text: str) -> None:
    _el(parent, tag).text = xml_text(text)


def _value(parent: etree._Element, variable: str, kind: str, value: Any) -> None:
    holder = _el(parent, "VariableValue")
    _el(holder, "VariableRef", targetGUID=variable)
    if kind == "Boolean":
        text = "true" if value else "false"
    elif kind == "Text":
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    _text(holder, f"{kind}Value", text)


class _Builder:
    """Reads the rows ``viewer`` may see and builds the ``Project`` element."""

    def __init__(self, project: Project, viewer: Who) -> None:
        self.project = project
        self.viewer = viewer
        self.ns = exchange_namespace(project)
        self.files: dict[str, str] = {}  # zip entry -> text

    def build(self) -> etree._Element:
        settings = self.project.settings()
        book = settings.get("codebook") or {}
        with self.project.sessionmaker() as session:
            seen = viewer_for(session, self.viewer)
            coders = [c for c in session.scalars(select(Coder).order_by(Coder.name))]
            self.coders = {guid(c.id): c for c in coders if seen.sees(c.id)}
            self.codes = list(session.scalars(select(Code).order_by(Code.position, Code.name)))
            self.documents = list(session.scalars(select(Document).order_by(Document.name)))
            query = (
                select(
                    _raw(Coding.id),
                    _raw(Coding.document_id),
                    Coding.start,
                    Coding.end,
                    _raw(Coding.code_id),
                    _raw(Coding.coder_id),
                    _raw(Coding.created_at),
                    Coding.memo,
                )
                .where(seen.where(Coding.coder_id))
                .order_by(Coding.document_id, Coding.start, Coding.end, Coding.created_at)
            )
            self.codings = [
                _Coding(_g(a), _g(doc), start, end, _g(code), _g(coder), _stamp(at), memo)
                for a, doc, start, end, code, coder, at, memo in session.execute(query)
            ]
            self.memos = list(
                session.scalars(
                    select(Memo).where(seen.where(Memo.coder_id)).order_by(Memo.created_at)
                )
            )
            self.speakers = list(session.scalars(select(Speaker).order_by(Speaker.id)))
            self.kept_sets = kept_sets(session)
            self.segments = [
                (seg_id, _g(doc), start, end, speaker)
                for seg_id, doc, start, end, speaker in session.execute(
                    select(
                        Segment.id,
                        _raw(Segment.document_id),
                        Segment.start,
                        Segment.end,
                        Segment.speaker_id,
                    ).order_by(Segment.document_id, Segment.ordinal)
                )
            ]
        root = etree.Element(
            _NS + "Project",
            nsmap={None: PROJECT_NS},
            name=xml_text(book.get("title") or self.project.root.resolve().name or "qualcode"),
            origin=f"qualcode {_version()}",
            creationDateTime=_when(datetime.now(UTC)),
        )
        self._selections()
        self._users(root)
        self._codebook(root)
        self._variables_and_cases(root)
        self._sources(root)
        self._notes(root)
        self._sets(root)
        self._note_refs(root, PROJECT, PROJECT)
        return root

    # -- selections: one per span, holding every coding of that span ---------------------
    def _selections(self) -> None:
        self.spans: dict[str, dict[tuple[int, int], dict[str, Any]]] = defaultdict(dict)
        for coding in self.codings:
            self._span(coding.document_id, coding.start, coding.end)["codings"].append(coding)
        segments = {seg_id: (doc, s, e) for seg_id, doc, s, e, _sp in self.segments}
        self.notes_on: dict[tuple[str, Any], list[Memo]] = defaultdict(list)
        for memo in self.memos:
            if memo.target_type == "segment":
                place = segments.get(int(memo.target_id))
                if place is not None:  # a memo of its own on the segment's span
                    span = self._span(*place, kind="memo")
                    span["memos"].append(memo)
            else:
                self.notes_on[(memo.target_type, memo.target_id)].append(memo)
        # Speakers' turns: consecutive segments of one speaker, for the cases' SelectionRefs.
        self.turns: dict[int, list[str]] = defaultdict(list)
        current: tuple[Any, Any, int, int] | None = None
        for _id, doc, start, end, speaker in [*self.segments, (None, None, 0, 0, None)]:
            if current and (current[0] != doc or current[1] != speaker):
                if current[1] is not None:
                    span = self._span(current[0], current[2], current[3])
                    self.turns[current[1]].append(span["guid"])
                current = None
            if speaker is not None:
                current = (doc, speaker, current[2] if current else start, end)

    def _span(self, doc: str, start: int, end: int, kind: str = "") -> dict[str, Any]:
        key = (start, end) if not kind else (start, end, kind)
        spans = self.spans[doc]
        if key not in spans:
            spans[key] = {
                "guid": guid(derived(self.ns, "selection", doc, start, end, kind)),
                "start": start,
                "end": end,
                "codings": [],
                "memos": [],
            }
        return spans[key]

    # -- users and codes ------------------------------------------------------------------
    def _users(self, root: etree._Element) -> None:
        if self.coders:
            users = _el(root, "Users")
            for key, coder in self.coders.items():
                _el(users, "User", guid=key, name=xml_text(coder.name))

    def _codebook(self, root: etree._Element) -> None:
        children: dict[uuid.UUID | None, list[Code]] = defaultdict(list)
        for code in self.codes:
            children[code.parent_id].append(code)
        used = {coding.code_id for coding in self.codings}
        if not children[None]:
            return
        codes = _el(_el(root, "CodeBook"), "Codes")

        def add(parent: etree._Element, code: Code) -> None:
            codable = guid(code.id) in used or not children[code.id]
            element = _el(
                parent,
                "Code",
                guid=guid(code.id),
                name=xml_text(code.name),
                isCodable="true" if codable else "false",
                color=code.colour,
            )
            text = code_description(code)
            if text:
                _text(element, "Description", text)
            self._note_refs(element, "code", code.id)
            for child in children[code.id]:
                add(element, child)

        for code in children[None]:
            add(codes, code)

    def _note_refs(self, element: etree._Element, target_type: str, target_id: Any) -> None:
        for memo in self.notes_on.get((target_type, str(target_id)), []):
            _el(element, "NoteRef", targetGUID=guid(memo.id))

    # -- variables and cases ----------------------------------------------------------------
    def _variables_and_cases(self, root: etree._Element) -> None:
        values: dict[str, list[Any]] = defaultdict(list)
        for doc in self.documents:
            for key, value in (doc.attributes or {}).items():
                values[key].append(value)
        for speaker in self.speakers:
            for key, value in (speaker.attributes or {}).items():
                values[key].append(value)
        self.variables = {
            name: (guid(derived(self.ns, "variable", name)), variable_type(found))
            for name, found in values.items()
            if any(v is not None and v != "" for v in found)
        }
        if self.variables:
            holder = _el(root, "Variables")
            for name, (key, kind) in self.variables.items():
                _el(holder, "Variable", guid=key, name=xml_text(name), typeOfVariable=kind)
        # One case per speaker label and attributes: the same person across documents.
        cases: dict[tuple[str, str], list[Speaker]] = defaultdict(list)
        for speaker in self.speakers:
            attributes = json.dumps(speaker.attributes or {}, sort_keys=True, default=str)
            cases[(speaker.label, attributes)].append(speaker)
        if not cases:
            return
        holder = _el(root, "Cases")
        for (label, attributes), speakers in cases.items():
            case = _el(
                holder,
                "Case",
                guid=guid(derived(self.ns, "case", label, attributes)),
                name=xml_text(label),
            )
            self._values(case, speakers[0].attributes or {})
            for doc_id in dict.fromkeys(s.document_id for s in speakers):
                _el(case, "SourceRef", targetGUID=guid(doc_id))
            for speaker in speakers:
                for selection in self.turns.get(speaker.id, []):
                    _el(case, "SelectionRef", targetGUID=selection)

    def _values(self, element: etree._Element, attributes: dict[str, Any]) -> None:
        for name, value in attributes.items():
            if name in self.variables and value is not None and value != "":
                key, kind = self.variables[name]
                _value(element, key, kind, value)

    # -- sources, notes, sets ---------------------------------------------------------------
    def _sources(self, root: etree._Element) -> None:
        if not self.documents:
            return
        holder = _el(root, "Sources")
        for doc in self.documents:
            file_guid = guid(derived(self.ns, "plain text", doc.id))
            self.files[f"sources/{file_guid}.txt"] = doc.text
            source = _el(
                holder,
                "TextSource",
                guid=guid(doc.id),
                name=xml_text(doc.name),
                plainTextPath=f"internal://{file_guid}.txt",
                creationDateTime=_when(doc.imported_at),
            )
            for span in sorted(
                self.spans.get(guid(doc.id), {}).values(),
                key=lambda s: (s["start"], s["end"], s["guid"]),
            ):
                self._selection(source, doc, span)
            self._note_refs(source, "document", doc.id)
            self._values(source, doc.attributes or {})

    def _selection(self, source: etree._Element, doc: Document, span: dict[str, Any]) -> None:
        codings = span["codings"]
        quote = doc.text[span["start"] : span["end"]]
        first = codings[0] if codings else (span["memos"][0] if span["memos"] else None)
        maker = first.coder_id if first is not None else None
        maker = guid(maker) if isinstance(maker, uuid.UUID) else maker
        when = first.created_at if first is not None else None
        selection = _el(
            source,
            "PlainTextSelection",
            guid=span["guid"],
            name=xml_text(quote) if len(quote) <= QUOTE_LIMIT else None,
            startPosition=span["start"],
            endPosition=span["end"],
            creatingUser=maker if maker in self.coders else None,
            creationDateTime=when if isinstance(when, str) or when is None else _when(when),
        )
        sub = etree.SubElement
        for coding in codings:  # the hot path: 100,000 of these take seconds
            attributes = {"guid": coding.id, "creatingUser": coding.coder_id}
            if coding.created_at:
                attributes["creationDateTime"] = coding.created_at
            element = sub(selection, _CODING, attributes)
            sub(element, _CODE_REF, {"targetGUID": coding.code_id})
            if coding.memo:
                sub(element, _NOTE_REF, {"targetGUID": guid(derived(self.ns, "memo", coding.id))})
        for memo in span["memos"]:
            _el(selection, "NoteRef", targetGUID=guid(memo.id))

    def _notes(self, root: etree._Element) -> None:
        notes = [
            (derived(self.ns, "memo", c.id), c.coder_id, c.created_at, c.memo)
            for c in self.codings
            if c.memo
        ]
        notes += [
            (m.id, guid(m.coder_id) if m.coder_id else None, _when(m.created_at), m.text)
            for m in self.memos
        ]
        if not notes:
            return
        holder = _el(root, "Notes")
        for key, coder_id, created, text in notes:
            title = " ".join(text.split())[:60] or "memo"
            note = _el(
                holder,
                "Note",
                guid=guid(key),
                name=xml_text(title),
                creatingUser=coder_id if coder_id in self.coders else None,
                creationDateTime=created,
            )
            _text(note, "PlainTextContent", text)

    def _sets(self, root: etree._Element) -> None:
        exclusive = [code for code in self.codes if code.exclusive]
        members = {code.id: [c for c in self.codes if c.parent_id == code.id] for code in exclusive}
        sets = [
            (guid(derived(self.ns, "exclusive", code.id)), code.name, EXCLUSIVE_MARK,
             [("MemberCode", guid(member.id)) for member in members[code.id]])
            for code in exclusive
            if members[code.id]
        ]  # fmt: skip
        sets += self._kept_sets()
        if not sets:
            return
        holder = _el(root, "Sets")
        for key, name, description, refs in sets:
            found = _el(holder, "Set", guid=key, name=xml_text(name))
            if description:
                _text(found, "Description", description)
            for tag, target in refs:  # the schema's order: codes, sources, notes
                _el(found, tag, targetGUID=target)

    def _kept_sets(self) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
        """The sets an import kept (:mod:`.sets`), with the members that still exist
        and that the asker may see."""
        present = {
            "codes": {guid(code.id) for code in self.codes},
            "documents": {guid(doc.id) for doc in self.documents},
            "memos": {guid(memo.id) for memo in self.memos},
        }
        tags = {"codes": "MemberCode", "documents": "MemberSource", "memos": "MemberNote"}
        found = []
        for kept in self.kept_sets:
            refs = [
                (tags[kind], member)
                for kind in MEMBER_KINDS
                for member in (str(m).upper() for m in kept.get(kind) or [])
                if member in present[kind]
            ]
            if refs:
                found.append((kept["id"].upper(), kept["name"] or "set", kept["description"], refs))
        return found


def project_element(project: Project, *, viewer: Who = None) -> tuple[etree._Element, dict]:
    """The ``Project`` element and the text files it names (zip entry -> text)."""
    builder = _Builder(project, viewer)
    root = builder.build()
    return root, builder.files


def write_qdpx(project: Project, out: str | Path, *, viewer: Who = None) -> dict[str, int]:
    """Write ``out`` (a ``.qdpx``) with what ``viewer`` may see; return what it holds.

    Raises :class:`QualcodeError` if the XML fails ``Project.xsd`` (a bug of ours: please
    report it), before anything is written.
    """
    out = Path(out)
    root, files = project_element(project, viewer=viewer)
    errors = schema_errors(root, "Project.xsd")
    if errors:
        raise QualcodeError(
            f"the .qdpx would not be valid REFI-QDA ({errors[0]}; {len(errors)} error(s)); "
            "nothing was written. Please report this"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".part")
    try:  # straight into the zip: the XML is never held as one string, nor the zip in memory
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            with archive.open("project.qde", "w") as handle:
                etree.ElementTree(root).write(
                    handle, xml_declaration=True, encoding="utf-8", pretty_print=True
                )
            for name, text in files.items():
                archive.writestr(name, text.encode("utf-8"))
        temporary.replace(out)
    finally:
        temporary.unlink(missing_ok=True)
    count = len(root.findall(f".//{_NS}Coding"))
    return {
        "documents": len(files),
        "codes": len(root.findall(f".//{_NS}Code")),
        "codings": count,
        "users": len(root.findall(f"{_NS}Users/{_NS}User")),
        "notes": len(root.findall(f"{_NS}Notes/{_NS}Note")),
    }
