"""Codebooks in and out: REFI-QDA ``.qdc``, spreadsheets, and a printable codebook.

In (``qualcode codebook import FILE``): a ``.qdc`` from any REFI-QDA tool, or a CSV/XLSX
sheet with a row per code: ``name`` (or ``code``, ``tag``: Taguette's codebook CSV is one
such sheet), ``parent`` or ``path`` (``Theme/Code``, ``Theme::Code`` or ``Theme > Code``),
``definition`` (or ``description``), ``when to use``, ``when not to use``, ``example``,
``colour``. What comes in is made a valid ``codebook.yaml``: a name given twice is told
apart, a code without a definition says so, and each change is reported.

Out (``qualcode codebook export``): ``qdc`` (valid against ``Codebook.xsd``), ``csv`` and
``xlsx`` (the columns above, read back by ``codebook import``), ``md`` and ``docx`` (a
printable codebook for the methods appendix of a paper).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..codebook import Codebook, CodeSpec, slugify
from ..errors import InputError, QualcodeError
from ..files import read_bytes
from .codebook_yaml import Entry, yaml_text
from .refi import (
    CODEBOOK_NS,
    CODEBOOK_PREFIX,
    EXCLUSIVE_MARK,
    code_description,
    colour,
    derived,
    guid,
    read_guid,
    schema_errors,
    unpack_description,
    xml_text,
)

FORMATS = ("qdc", "csv", "xlsx", "md", "docx")
COLUMNS = ["name", "parent", "definition", "when to use", "when not to use", "example", "colour"]
ALIASES = {
    "name": ("name", "code", "tag", "code name", "label"),
    "parent": ("parent", "theme", "category", "parent code"),
    "path": ("path", "code path", "hierarchy"),
    "definition": ("definition", "description", "meaning", "memo"),
    "use_when": (
        "when to use",
        "use when",
        "use_when",
        "inclusion",
        "include",
        "inclusion criteria",
    ),
    "not_when": (
        "when not to use",
        "not when",
        "not_when",
        "exclusion",
        "exclude",
        "exclusion criteria",
    ),
    "example": ("example", "examples", "typical exemplar"),
    "colour": ("colour", "color"),
}
_PATH = re.compile(r"\s*(?:::|/|>)\s*")
_NAMESPACE = uuid.UUID("6f1c3b52-5a0e-4a55-9e0c-2b3f8e0d9a10")  # GUIDs of codes with no id


@dataclass
class ReadCodebook:
    """A codebook read from another format, made fit for ``codebook.yaml``."""

    title: str
    entries: list[Entry]
    changes: list[str] = field(default_factory=list)


def read_codebook(path: str | Path) -> ReadCodebook:
    """A ``.qdc``, ``.csv`` or ``.xlsx`` codebook; InputError (one line) if unreadable."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".qdc":
        found = _read_qdc(path)
    elif suffix in (".csv", ".tsv", ".xlsx", ".xlsm"):
        found = _read_sheet(path)
    else:
        raise InputError(
            path,
            "qualcode reads codebooks from .qdc, .csv and .xlsx files",
            hint="Export the codebook from your tool in one of these",
        )
    if not found.entries:
        raise InputError(path, "the file holds no codes")
    _fit(found, path.name)
    return found


def _read_qdc(path: Path) -> ReadCodebook:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(read_bytes(path), parser)
    except etree.XMLSyntaxError as error:
        raise InputError(path, f"not a REFI-QDA codebook: not well-formed XML ({error})") from None
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if not namespace.startswith(CODEBOOK_PREFIX) or not root.tag.endswith("}CodeBook"):
        raise InputError(path, f"not a REFI-QDA codebook: its root is {root.tag!r}")
    found = ReadCodebook(title=path.stem, entries=[])
    if namespace == CODEBOOK_NS:
        errors = schema_errors(root, "Codebook.xsd")
        if errors:
            found.changes.append(f"{len(errors)} schema error(s), read anyway: {errors[0]}")
    ns = f"{{{namespace}}}"
    exclusive: set[str] = set()
    for element in root.iterfind(f"{ns}Sets/{ns}Set"):
        description = element.findtext(f"{ns}Description") or ""
        if description.strip() == EXCLUSIVE_MARK:
            exclusive |= {
                read_guid(m.get("guid")) or "" for m in element.iterfind(f"{ns}MemberCode")
            }

    def walk(holder: object, parent: str | None) -> None:
        for element in holder.iterfind(f"{ns}Code"):  # type: ignore[attr-defined]
            key = read_guid(element.get("guid")) or f"code {len(found.entries) + 1}"
            text = unpack_description(element.findtext(f"{ns}Description") or "")
            entry = Entry(
                key=key,
                name=" ".join((element.get("name") or "").split()),
                parent=parent,
                line=0,
                id=uuid.UUID(key) if _is_uuid(key) else None,
                definition=text.main,
                description=text.description,
                use_when=text.use_when,
                not_when=text.not_when,
                examples=text.examples,
                colour=colour(element.get("color")),
            )
            found.entries.append(entry)
            walk(element, key)

    codes = root.find(f"{ns}Codes")
    if codes is not None:
        walk(codes, None)
    for entry in found.entries:
        if any(read_guid(e.key) in exclusive for e in found.entries if e.parent == entry.key):
            entry.exclusive = True
    return found


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _read_sheet(path: Path) -> ReadCodebook:
    from ..sheets import sheet_rows

    rows = list(sheet_rows(path))
    if not rows:
        raise InputError(path, "the file is empty")
    header = [cell.strip().casefold() for cell in rows[0]]
    columns = {}
    for key, names in ALIASES.items():
        for name in names:
            if name in header:
                columns[key] = header.index(name)
                break
    if "name" not in columns and "path" not in columns:
        raise InputError(
            path,
            "the header has no name (or code, tag, path) column",
            line=1,
            hint="Columns: " + ", ".join(COLUMNS),
        )
    found = ReadCodebook(title=path.stem, entries=[])
    by_name: dict[str, Entry] = {}  # names are unique in a codebook: a parent is named
    parents: dict[str, str] = {}  # entry key -> its parent's name, resolved at the end

    def entry_for(name: str) -> Entry:
        if name.casefold() not in by_name:
            by_name[name.casefold()] = Entry(key=name.casefold(), name=name, line=0)
            found.entries.append(by_name[name.casefold()])
        return by_name[name.casefold()]

    for line, cells in enumerate(rows[1:], start=2):
        value = {k: cells[i].strip() if i < len(cells) else "" for k, i in columns.items()}
        if not any(value.values()):
            continue
        names = [n for n in _PATH.split(value.get("path", "")) if n]
        if value.get("name") and (not names or names[-1] != value["name"]):
            names.append(value["name"])
        if not names:
            found.changes.append(f"line {line}: no name, left out")
            continue
        for parent, child in zip(names, names[1:], strict=False):
            parents[entry_for(child).key] = parent
        entry = entry_for(names[-1])
        if value.get("parent"):
            parents[entry.key] = _PATH.split(value["parent"])[-1]
        entry.definition = value.get("definition", "") or entry.definition
        entry.use_when = value.get("use_when", "") or entry.use_when
        entry.not_when = value.get("not_when", "") or entry.not_when
        if value.get("example"):
            entry.examples.append(value["example"])
        if value.get("colour"):
            entry.colour = colour(value["colour"])
            if entry.colour is None:
                found.changes.append(f"line {line}: colour {value['colour']!r} left out")
    for key, parent in parents.items():
        by_name[key].parent = entry_for(parent).key
    return found


def _fit(found: ReadCodebook, label: str) -> None:
    """Make the entries a valid codebook.yaml: unique names, definitions, ids."""
    keys = {e.key for e in found.entries}
    names: set[str] = set()
    missing = f"(no definition in {label})"
    for entry in found.entries:
        if entry.parent not in keys:
            entry.parent = None
        name = entry.name or "unnamed code"
        while name.casefold() in names or slugify(name) in names or not slugify(name):
            name = f"{name} ({len(names) + 1})"
        if name != entry.name:
            found.changes.append(f"code {entry.name!r} named {name!r}: names are unique")
            entry.name = name
        names |= {name.casefold(), slugify(name)}
        if entry.parent is None:  # a theme: a description
            if not entry.description:
                entry.description, entry.definition = entry.definition or missing, ""
        elif not entry.definition:
            entry.definition = missing
            found.changes.append(f"code {name!r} has no definition: codebook.yaml says so")


def codebook_yaml(found: ReadCodebook, source: str) -> str:
    return yaml_text(found.title, found.entries, source=source)


# -- out ---------------------------------------------------------------------------------


def _code_guid(spec: object) -> str:
    known = getattr(spec, "id", None)
    return guid(known or derived(_NAMESPACE, getattr(spec, "name", "")))


def qdc_element(book: Codebook) -> object:
    """The ``CodeBook`` element of a checked codebook (see :func:`write_codebook`)."""
    from lxml import etree

    ns = f"{{{CODEBOOK_NS}}}"
    root = etree.Element(ns + "CodeBook", nsmap={None: CODEBOOK_NS}, origin="qualcode")
    codes = etree.SubElement(root, ns + "Codes")
    holders = {None: codes}
    for spec in book.codes:  # parents come first
        element = etree.SubElement(
            holders[spec.parent],
            ns + "Code",
            guid=_code_guid(spec),
            name=xml_text(spec.name),
            isCodable="true",
        )
        if spec.colour:
            element.set("color", colour(spec.colour) or "")
        text = code_description(spec)
        if text:
            etree.SubElement(element, ns + "Description").text = xml_text(text)
        holders[spec.name] = element
    exclusive = [
        s for s in book.codes if s.exclusive and any(c.parent == s.name for c in book.codes)
    ]
    if exclusive:
        sets = etree.SubElement(root, ns + "Sets")
        for spec in exclusive:
            found = etree.SubElement(
                sets,
                ns + "Set",
                guid=guid(derived(_NAMESPACE, "set", spec.name)),
                name=xml_text(spec.name),
            )
            etree.SubElement(found, ns + "Description").text = EXCLUSIVE_MARK
            for child in (c for c in book.codes if c.parent == spec.name):
                etree.SubElement(found, ns + "MemberCode", guid=_code_guid(child))
    return root


def _rows(book: Codebook) -> list[list[str]]:
    return [
        [
            spec.name,
            spec.parent or "",
            spec.definition or spec.description,
            spec.use_when,
            spec.not_when,
            "\n\n".join(spec.examples),
            spec.colour or "",
        ]
        for spec in book.codes
    ]


def _printed(book: Codebook) -> Iterator[tuple[CodeSpec, int, list[tuple[str, str]]]]:
    """Each code of a printable codebook: its level (a theme is 1) and its labelled texts."""
    depth: dict[str, int] = {}
    for spec in book.codes:
        depth[spec.name] = depth[spec.parent] + 1 if spec.parent else 1
        parts = [
            ("", spec.description),
            ("Definition", spec.definition),
            ("When to use", spec.use_when),
            ("When not to use", spec.not_when),
        ]
        kept = [(label, text) for label, text in parts if text]
        kept = [p for p in kept if not (p[0] == "Definition" and p[1] == spec.description)]
        yield spec, depth[spec.name], kept


def _markdown(book: Codebook) -> str:
    from ..export import md_escape

    lines = [f"# {md_escape(book.title)}", ""]
    if book.version:
        lines += [f"Version {md_escape(book.version)}", ""]
    if book.description:
        lines += [md_escape(book.description), ""]
    for spec, level, parts in _printed(book):
        flags = " (exclusive: one of its codes per segment)" if spec.exclusive else ""
        lines += [f"{'#' * min(level + 1, 6)} {md_escape(spec.name)}{flags}", ""]
        for label, text in parts:
            lines += [f"**{label}:** {md_escape(text)}" if label else md_escape(text), ""]
        for example in spec.examples:
            lines += [f"> {md_escape(example)}", ""]
    return "\n".join(lines)


def _docx(book: Codebook, out: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading(book.title, level=0)
    if book.version:
        document.add_paragraph(f"Version {book.version}")
    if book.description:
        document.add_paragraph(book.description)
    for spec, level, parts in _printed(book):
        heading = spec.name + (" (exclusive)" if spec.exclusive else "")
        document.add_heading(heading, level=min(level, 9))
        for label, text in parts:
            paragraph = document.add_paragraph()
            if label:
                paragraph.add_run(f"{label}: ").bold = True
            paragraph.add_run(text)
        for example in spec.examples:
            document.add_paragraph(example, style="Quote")
    document.save(str(out))


def write_codebook(book: Codebook, out: str | Path, fmt: str) -> Path:
    """Write a checked codebook (from ``load_codebook``) as ``fmt`` (one of FORMATS)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "qdc":
        from lxml import etree

        root = qdc_element(book)
        errors = schema_errors(root, "Codebook.xsd")
        if errors:
            raise QualcodeError(
                f"the .qdc would not be valid REFI-QDA ({errors[0]}); please report this"
            )
        out.write_bytes(
            etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
        )
    elif fmt in ("csv", "xlsx"):
        import pandas as pd

        frame = pd.DataFrame(_rows(book), columns=COLUMNS)
        if fmt == "xlsx":
            from ..workbook import write_sheet

            write_sheet(
                frame,
                out,
                title="codebook",
                wrap=("definition", "when to use", "when not to use", "example"),
            )
        else:
            from ..formulas import csv_frame

            csv_frame(frame).to_csv(out, index=False)
    elif fmt == "md":
        out.write_text(_markdown(book), encoding="utf-8")
    elif fmt == "docx":
        _docx(book, out)
    else:
        raise QualcodeError(f"unknown codebook format {fmt!r}: one of {', '.join(FORMATS)}")
    return out
