"""OpenDocument transcripts (.odt, as LibreOffice writes them), read with the standard library.

An .odt file is a zip holding XML; ``content.xml`` has the paragraphs (``text:p``) and
headings (``text:h``), ``styles.xml`` and the automatic styles say which spans are bold or
italic (``fo:font-weight``, ``fo:font-style``, following ``style:parent-style-name``), and
``meta.xml`` describes the document. No dependency is needed for that much.

**Stored text and turns**: as for .docx (see :mod:`qualcode.readers.docx`): paragraphs
joined by ``\\n\\n``, labels kept in the text and left out of the spans. Whitespace follows
the OpenDocument rule: runs of spaces in the XML count as one space, ``text:s`` adds spaces,
``text:tab`` a tab, ``text:line-break`` a newline. Tables, footnotes, comments and tracked
deletions are not part of the transcript.

**Attributes** from ``meta.xml`` where not empty: title, subject, author (the initial
creator, else the creator), keywords, comments (the description), and created (ISO date).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from qualcode.errors import InputError
from qualcode.readers.base import Transcript
from qualcode.readers.docx import Para, transcript_from_paragraphs

_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
}


def _q(name: str) -> str:
    """'text:p' -> '{urn:...text:1.0}p', the form ElementTree uses for tags and attributes."""
    prefix, local = name.split(":")
    return f"{{{_NS[prefix]}}}{local}"


_P, _H, _SPAN, _S, _TAB, _BREAK = map(
    _q, ("text:p", "text:h", "text:span", "text:s", "text:tab", "text:line-break")
)
_STYLE_NAME = _q("text:style-name")
_SKIPPED = frozenset(
    map(
        _q,
        (
            "table:table",
            "text:tracked-changes",
            "text:note",
            "office:annotation",
            "text:sequence-decls",
            "office:forms",
            "draw:frame",
        ),
    )
)


@dataclass
class _Style:
    parent: str | None
    bold: bool | None
    italic: bool | None
    heading: bool


class _Styles:
    """Named styles of the document, with bold / italic / heading resolved through parents."""

    def __init__(self, roots: list[ET.Element]) -> None:
        self._styles: dict[str, _Style] = {}
        for root in roots:
            for element in root.iter(_q("style:style")):
                self._styles[element.get(_q("style:name"), "")] = _style(element)

    def flag(self, name: str | None, what: str) -> bool | None:
        """Bold, italic or heading of a named style, looking up its parents when unset."""
        seen = set()
        while name and name in self._styles and name not in seen:
            seen.add(name)
            value = getattr(self._styles[name], what)
            if value:
                return True
            if value is False:
                return False
            name = self._styles[name].parent
        return None


def _style(element: ET.Element) -> _Style:
    props = element.find(_q("style:text-properties"))
    weight = props.get(_q("fo:font-weight")) if props is not None else None
    slant = props.get(_q("fo:font-style")) if props is not None else None
    names = (element.get(_q("style:name"), ""), element.get(_q("style:display-name"), ""))
    return _Style(
        parent=element.get(_q("style:parent-style-name")),
        bold=None
        if weight is None
        else (weight == "bold" or (weight.isdigit() and int(weight) >= 600)),
        italic=None if slant is None else slant in ("italic", "oblique"),
        heading=any(n.startswith(("Heading", "Title", "Subtitle")) for n in names) or None,
    )


class OdtReader:
    """Reads OpenDocument .odt transcripts."""

    suffixes: tuple[str, ...] = (".odt",)

    def read(self, path: Path) -> Transcript:
        """Read paragraphs with their bold and italic spans, and the document's metadata."""
        content, styles, meta = _open(path)
        body = content.find(f"{_q('office:body')}/{_q('office:text')}")
        if body is None:
            raise InputError(
                path, "has no text body", hint="Is it a text document (not a spreadsheet)?"
            )
        known = _Styles([content, *([styles] if styles is not None else [])])
        tables = sum(1 for _ in body.iter(_q("table:table")))
        notes = [f"{tables} table(s) skipped: only paragraphs are read"] if tables else []
        paragraphs = (_para(element, known) for element in _blocks(body))
        return transcript_from_paragraphs(path, paragraphs, _meta_attributes(meta), notes)


def _open(path: Path) -> tuple[ET.Element, ET.Element | None, ET.Element | None]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            parts = [
                ET.fromstring(archive.read(name)) if name in names else None
                for name in ("content.xml", "styles.xml", "meta.xml")
            ]
    except (zipfile.BadZipFile, ET.ParseError, OSError):
        parts = [None]
    content, styles, meta = (parts + [None, None])[:3]
    if content is None:
        raise InputError(
            path,
            "cannot be read as an OpenDocument text (.odt)",
            hint="Open it in LibreOffice or Word and save it again as .odt",
        )
    return content, styles, meta


def _blocks(element: ET.Element) -> Iterator[ET.Element]:
    """Paragraphs and headings in document order, inside sections and lists too."""
    for child in element:
        if child.tag in (_P, _H):
            yield child
        elif child.tag not in _SKIPPED:
            yield from _blocks(child)


def _para(element: ET.Element, styles: _Styles) -> Para:
    style = element.get(_STYLE_NAME)
    heading = element.tag == _H or bool(styles.flag(style, "heading"))
    runs: list[tuple[str, bool, bool, bool]] = []  # text, bold, italic, literal whitespace
    _collect(
        element, bool(styles.flag(style, "bold")), bool(styles.flag(style, "italic")), styles, runs
    )
    text, bold, italic = _join(runs)
    return Para(text, heading=heading, bold=bold, italic=italic)


def _collect(
    element: ET.Element,
    bold: bool,
    italic: bool,
    styles: _Styles,
    runs: list[tuple[str, bool, bool, bool]],
) -> None:
    if element.text:
        runs.append((element.text, bold, italic, False))
    for child in element:
        if child.tag == _S:
            runs.append((" " * int(child.get(_q("text:c"), "1")), bold, italic, True))
        elif child.tag == _TAB:
            runs.append(("\t", bold, italic, True))
        elif child.tag == _BREAK:
            runs.append(("\n", bold, italic, True))
        elif child.tag not in _SKIPPED:
            name = child.get(_STYLE_NAME) if child.tag == _SPAN else None
            child_bold, child_italic = styles.flag(name, "bold"), styles.flag(name, "italic")
            _collect(
                child,
                bold if child_bold is None else child_bold,
                italic if child_italic is None else child_italic,
                styles,
                runs,
            )
        if child.tail:
            runs.append((child.tail, bold, italic, False))


def _join(runs: list[tuple[str, bool, bool, bool]]) -> tuple[str, int, bool]:
    """Paragraph text with XML whitespace collapsed, its leading bold length, and if all italic."""
    out: list[str] = []
    bold_length, leading, italic = 0, True, True
    for chunk, bold, is_italic, literal in runs:
        for char in chunk:
            if not literal and char in " \t\r\n":
                if not out or out[-1] in " \t\n":
                    continue
                char = " "
            out.append(char)
            if leading and (bold or (char.isspace() and bold_length)):
                bold_length = len(out)
            elif not char.isspace():
                leading = False
            if not char.isspace() and not is_italic:
                italic = False
    text = "".join(out)
    return text, bold_length, italic and bool(text.strip())


def _meta_attributes(meta: ET.Element | None) -> dict[str, Any]:
    if meta is None:
        return {}

    def first(*names: str) -> str:
        for name in names:
            found = meta.find(f".//{_q(name)}")
            if found is not None and (found.text or "").strip():
                return (found.text or "").strip()
        return ""

    keywords = [k.text.strip() for k in meta.iter(_q("meta:keyword")) if k.text and k.text.strip()]
    values = {
        "title": first("dc:title"),
        "subject": first("dc:subject"),
        "author": first("meta:initial-creator", "dc:creator"),
        "keywords": ", ".join(keywords),
        "comments": first("dc:description"),
        "created": first("meta:creation-date")[:10],
    }
    return {key: value for key, value in values.items() if value}
