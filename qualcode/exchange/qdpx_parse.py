"""Read a REFI-QDA project (``.qdpx``, or a bare ``.qde``) as vendors write it: walk the
XML into the records of :mod:`.qdpx_read`, tolerating what the guide (§6) lists.

Elements are found by local name under whatever ``urn:QDA-XML:project:`` namespace the
file uses. Hierarchy comes from nesting, or from ATLAS.ti's ``Parent::child`` names.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from .qdpx_read import (
    DROPPED_KINDS,
    NOT_REFI,
    Archive,
    RCase,
    RCode,
    RCoding,
    RProject,
    RSelection,
    RSet,
    RSource,
    check_schema,
    load_text,
    place_selections,
)
from .refi import PROJECT_PREFIX, colour, read_guid

_VALUE_TAGS = (
    "TextValue",
    "BooleanValue",
    "IntegerValue",
    "FloatValue",
    "DateValue",
    "DateTimeValue",
)


class _Walker:
    """Element helpers bound to the file's namespace."""

    def __init__(self, namespace: str) -> None:
        self.ns = f"{{{namespace}}}"
        self.coding, self.code_ref, self.note_ref, self.description = (
            self.ns + tag for tag in ("Coding", "CodeRef", "NoteRef", "Description")
        )
        self.known: dict[str | None, str | None] = {}  # read_guid of users' and codes' GUIDs

    def guid(self, value: str | None) -> str | None:
        """:func:`read_guid` of a GUID that recurs (a coding's user or code), read once."""
        found = self.known.get(value, self)
        if found is self:
            found = self.known[value] = read_guid(value)
        return found  # type: ignore[return-value]

    def kids(self, element: Any, tag: str) -> Iterator[Any]:
        return element.iterchildren(self.ns + tag)

    def kid(self, element: Any, tag: str) -> Any:
        return next(self.kids(element, tag), None)

    def text(self, element: Any, tag: str) -> str:
        found = self.kid(element, tag)
        return (found.text or "").strip() if found is not None else ""

    def refs(self, element: Any, tag: str, attribute: str = "targetGUID") -> list[str]:
        return [g for e in self.kids(element, tag) if (g := read_guid(e.get(attribute)))]

    def local(self, element: Any) -> str:
        return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def _parse_xml(path: Path, data: bytes) -> Any:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise InputError(path, f"{NOT_REFI}; its .qde is not well-formed XML ({error})") from None
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if not namespace.startswith(PROJECT_PREFIX) or not root.tag.endswith("}Project"):
        raise InputError(path, f"{NOT_REFI}; its XML root is {root.tag!r}, not a REFI Project")
    return root, namespace


def read_project(path: str | Path) -> RProject:
    """Read a ``.qdpx`` (or ``.qde``) into an :class:`RProject`; raise InputError (one
    line) for a file that is no REFI-QDA project."""
    path = Path(path)
    archive = Archive(path)
    root, namespace = _parse_xml(path, archive.open())
    walk = _Walker(namespace)
    project = RProject(
        path=path,
        name=root.get("name") or path.stem,
        origin=root.get("origin") or "",
        creator=read_guid(root.get("creatingUserGUID")),
    )
    check_schema(root, project)
    users = walk.kid(root, "Users")
    for user in walk.kids(users, "User") if users is not None else []:
        key = read_guid(user.get("guid"))
        if key:
            project.users[key] = (user.get("name") or user.get("id") or "").strip()
    book = walk.kid(root, "CodeBook")
    codes = walk.kid(book, "Codes") if book is not None else None
    if codes is not None:
        _codes(walk, codes, None, project)
        project.codes = _parents_first(project.codes)
    _variables(walk, root, project)
    _cases(walk, root, project)
    sources = walk.kid(root, "Sources")
    if sources is not None:
        for element in sources:
            _source(walk, element, archive, project)
    _notes(walk, root, archive, project)
    _sets(walk, root, project)
    project.project_notes = walk.refs(root, "NoteRef")
    sources_counted = ("PictureSource", "AudioSource", "VideoSource")  # by _source
    others = [f"{{*}}{kind}" for kind in DROPPED_KINDS if kind not in sources_counted]
    for element in root.iter(*others):
        project.dropped[DROPPED_KINDS[walk.local(element)]] += 1
    return project


def _codes(walk: _Walker, holder: Any, parent: str | None, project: RProject) -> None:
    by_name = {code.name.casefold(): code for code in project.codes}
    for element in walk.kids(holder, "Code"):
        key = read_guid(element.get("guid")) or f"code {len(project.codes) + 1}"
        name = " ".join((element.get("name") or "").split()) or "unnamed code"
        up = parent
        if parent is None and "::" in name:  # ATLAS.ti: Parent::child
            *path, name = [part.strip() for part in name.split("::")]
            for step in path:
                known = by_name.get(step.casefold())
                if known is None:
                    known = RCode(f"folder {step}", step, "", None, False, up)
                    project.codes.append(known)
                    by_name[step.casefold()] = known
                up = known.guid
        code = RCode(
            guid=key,
            name=name,
            description=walk.text(element, "Description"),
            colour=colour(element.get("color")),
            codable=(element.get("isCodable") or "true").strip().lower() not in ("false", "0"),
            parent=up,
            notes=walk.refs(element, "NoteRef"),
        )
        project.codes.append(code)
        by_name.setdefault(name.casefold(), code)
        _codes(walk, element, key, project)
    # ATLAS.ti may list `Coke::diet Coke` before `Coke`: the folder made for it is the code.
    for code in list(project.codes):
        folder = by_name.get(code.name.casefold())
        if folder is not code and folder is not None and folder.guid.startswith("folder "):
            for other in project.codes:
                other.parent = code.guid if other.parent == folder.guid else other.parent
            project.codes.remove(folder)
            by_name[code.name.casefold()] = code


def _parents_first(codes: list[RCode]) -> list[RCode]:
    """Codes in file order, each after its parent (``a::b`` may come before ``a``)."""
    keys = {code.guid for code in codes}
    placed: set[str | None] = {None}
    ordered: list[RCode] = []
    pending = list(codes)
    while pending:
        ready = [c for c in pending if c.parent in placed or c.parent not in keys]
        if not ready:  # a cycle of parents: break it at the first
            ready = [pending[0]]
            pending[0].parent = None
        for code in ready:
            ordered.append(code)
            placed.add(code.guid)
        pending = [c for c in pending if c.guid not in placed]
    return ordered


def _value(walk: _Walker, holder: Any) -> tuple[str | None, Any]:
    variable = read_guid(next(iter(walk.refs(holder, "VariableRef")), None))
    for tag in _VALUE_TAGS:
        found = walk.kid(holder, tag)
        if found is None:
            continue
        text = (found.text or "").strip()
        if tag == "BooleanValue":
            return variable, text.lower() in ("true", "1")
        if tag == "IntegerValue":
            try:
                return variable, int(text)
            except ValueError:
                return variable, text
        if tag == "FloatValue":
            try:
                return variable, float(text)
            except ValueError:
                return variable, text
        return variable, text
    return variable, None


def _values(walk: _Walker, element: Any) -> dict[str, Any]:
    found = {}
    for holder in walk.kids(element, "VariableValue"):
        variable, value = _value(walk, holder)
        if variable and value is not None:
            found[variable] = value
    return found


def _variables(walk: _Walker, root: Any, project: RProject) -> None:
    holder = walk.kid(root, "Variables")
    for element in walk.kids(holder, "Variable") if holder is not None else []:
        key = read_guid(element.get("guid"))
        if key:
            name = (element.get("name") or "").strip() or f"variable {len(project.variables) + 1}"
            project.variables[key] = (name, element.get("typeOfVariable") or "Text")


def _cases(walk: _Walker, root: Any, project: RProject) -> None:
    holder = walk.kid(root, "Cases")
    for element in walk.kids(holder, "Case") if holder is not None else []:
        project.cases.append(
            RCase(
                guid=read_guid(element.get("guid")) or "",
                name=(element.get("name") or "").strip() or None,
                values=_values(walk, element),
                sources=walk.refs(element, "SourceRef"),
                selections=walk.refs(element, "SelectionRef"),
            )
        )
        if walk.refs(element, "CodeRef"):
            project.dropped["codes of cases"] += len(walk.refs(element, "CodeRef"))


def _coding(walk: _Walker, element: Any) -> RCoding:
    code, notes = None, []
    for child in element:  # one pass: a project may hold 100,000 codings
        tag = child.tag
        if tag == walk.code_ref:
            code = code or walk.guid(child.get("targetGUID"))
        elif tag == walk.note_ref and child.get("targetGUID"):
            notes.append(read_guid(child.get("targetGUID")))
    get = element.get
    return RCoding(
        read_guid(get("guid")) or "", code, walk.guid(get("creatingUser")),
        get("creationDateTime"), notes,
    )  # fmt: skip


def _selection(walk: _Walker, element: Any) -> RSelection:
    try:
        start, end = int(element.get("startPosition")), int(element.get("endPosition"))
    except (TypeError, ValueError):
        start = end = -1
    get = element.get
    found = RSelection(
        read_guid(get("guid")) or "", start, end, get("name"), walk.guid(get("creatingUser")),
        get("creationDateTime"),
    )  # fmt: skip
    codings = found.codings
    for child in element:  # one pass over Description, Coding*, NoteRef*
        tag = child.tag
        if tag == walk.coding:
            codings.append(_coding(walk, child))
        elif tag == walk.note_ref and child.get("targetGUID"):
            found.notes.append(read_guid(child.get("targetGUID")) or "")
        elif tag == walk.description:
            found.description = (child.text or "").strip()
    return found


def _source(walk: _Walker, element: Any, archive: Archive, project: RProject) -> None:
    kind = walk.local(element)
    if kind == "PDFSource":
        project.dropped["PDF files (their text kept)"] += 1
        for representation in walk.kids(element, "Representation"):
            representation.set("name", element.get("name") or representation.get("name") or "")
            _source(walk, representation, archive, project)
        return
    if kind not in ("TextSource", "Representation"):
        label = DROPPED_KINDS.get(kind, kind)
        project.dropped[label] += 1
        return
    key = read_guid(element.get("guid")) or f"source {len(project.sources) + 1}"
    name = (element.get("name") or "").strip() or key
    inline = walk.kid(element, "PlainTextContent")
    reference = element.get("plainTextPath")
    raw = load_text(archive, reference, inline.text or "" if inline is not None else None)
    source = RSource(
        guid=key,
        name=name,
        text=None,
        notes=walk.refs(element, "NoteRef"),
        values=_values(walk, element),
    )
    rich = element.get("richTextPath")
    rich_bytes = archive.read(rich) if rich and rich.startswith("internal://") else None
    if rich_bytes is not None:
        source.original = (Path(name).stem + Path(rich).suffix, rich_bytes)
    source.selections = [_selection(walk, s) for s in walk.kids(element, "PlainTextSelection")]
    source.codings = [_coding(walk, c) for c in walk.kids(element, "Coding")]
    if raw is None:
        where = reference or "no plainTextPath or PlainTextContent"
        source.problem = f"its text is missing from the file ({where})"
    elif not raw.strip():
        source.problem = "its text is empty"
    else:
        source.text, source.reading = place_selections(raw, source.selections, project.origin)
    project.sources.append(source)


def _notes(walk: _Walker, root: Any, archive: Archive, project: RProject) -> None:
    holder = walk.kid(root, "Notes")
    for element in walk.kids(holder, "Note") if holder is not None else []:
        key = read_guid(element.get("guid"))
        inline = walk.kid(element, "PlainTextContent")
        text = load_text(
            archive, element.get("plainTextPath"), inline.text or "" if inline is not None else None
        )
        text = (text or "").replace("\r\n", "\n").strip() or (element.get("name") or "").strip()
        if key and text:
            project.notes[key] = (
                text,
                read_guid(element.get("creatingUser")),
                element.get("creationDateTime"),
            )


def _sets(walk: _Walker, root: Any, project: RProject) -> None:
    holder = walk.kid(root, "Sets")
    for element in walk.kids(holder, "Set") if holder is not None else []:
        project.sets.append(
            RSet(
                guid=read_guid(element.get("guid")) or "",
                name=(element.get("name") or "").strip(),
                description=walk.text(element, "Description"),
                codes=walk.refs(element, "MemberCode"),
                sources=walk.refs(element, "MemberSource"),
                notes=walk.refs(element, "MemberNote"),
            )
        )
