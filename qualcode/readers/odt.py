"""OpenDocument transcripts (.odt, as LibreOffice writes them), read with the standard library.

An .odt file is a zip holding XML; ``content.xml`` has the paragraphs (``text:p``) and
headings (``text:h``), ``styles.xml`` and the automatic styles say which spans are bold or
italic (``fo:font-weight``, ``fo:font-style``, following ``style:parent-style-name``), and
``meta.xml`` describes the document. No dependency is needed for that much.

The package is opened through :class:`~qualcode.readers.package.Package` (sizes checked
before anything is decompressed), and ``content.xml`` is parsed as it is decompressed, each
top-level block dropped once read.

**Stored text and turns**: as for .docx (see :mod:`qualcode.readers.paragraphs`): paragraphs
joined by ``\\n\\n``, labels kept in the text and left out of the spans. Whitespace follows
the OpenDocument rule: runs of spaces in the XML count as one space, ``text:s`` adds spaces,
``text:tab`` a tab, ``text:line-break`` a newline. Tables, footnotes, comments and tracked
deletions are not part of the transcript.

**Headings** are ``text:h`` elements, paragraphs whose style (or a parent of it) is named
Heading, Title or Subtitle or has an outline level, and the items of numbered lists (a
numbered task prompt) unless they start with a speaker's label. Bulleted items are text.

**Attributes** from ``meta.xml`` where not empty: title, subject, author (the initial
creator, else the creator), keywords, comments (the description), and created (ISO date).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import InputError
from qualcode.readers.base import Transcript
from qualcode.readers.package import Package
from qualcode.readers.paragraphs import Para, transcript_from_paragraphs

if TYPE_CHECKING:
    from lxml.etree import _Element as Element

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
_LIST, _LIST_HEADER, _TABLE = map(_q, ("text:list", "text:list-header", "table:table"))
_TEXT, _AUTOMATIC_STYLES = _q("office:text"), _q("office:automatic-styles")
_WATCHED = (_P, _H, _TABLE, _AUTOMATIC_STYLES)
_MAX_SPACES = 1_000  # a text:s claiming more is broken or hostile
_TEXT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_STYLE_NAME = _q("text:style-name")
_KIND = "an OpenDocument text (.odt)"
_HINT = "Open it in LibreOffice or Word and save it again as .odt"
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
    heading: bool | None
    list_style: str | None  # the numbering a paragraph style brings with it


class _Styles:
    """Named styles of the document, with bold / italic / heading resolved through parents,
    and which list styles number their items (rather than bullet them), level by level."""

    def __init__(self) -> None:
        self._styles: dict[str, _Style] = {}
        self._numbered: dict[str, set[int]] = {}

    def add(self, root: Element) -> None:
        """Take the styles defined under ``root`` (styles.xml, or content.xml's own)."""
        for element in root.iter(_q("style:style")):
            self._styles[element.get(_q("style:name"), "")] = _style(element)
        for element in root.iter(_q("text:list-style")):
            self._numbered[element.get(_q("style:name"), "")] = {
                int(level.get(_q("text:level"), "1"))
                for level in element.iter(_q("text:list-level-style-number"))
                if level.get(_q("style:num-format"))
            }

    def flag(self, name: str | None, what: str) -> Any:
        """Bold, italic, heading or list style of a named style, from its parents when unset."""
        seen = set()
        while name and name in self._styles and name not in seen:
            seen.add(name)
            value = getattr(self._styles[name], what)
            if value is not None:
                return value
            name = self._styles[name].parent
        return None

    def numbered(self, list_style: str | None, level: int) -> bool:
        return level in self._numbered.get(list_style or "", ())


def _style(element: Element) -> _Style:
    props = element.find(_q("style:text-properties"))
    weight = props.get(_q("fo:font-weight")) if props is not None else None
    slant = props.get(_q("fo:font-style")) if props is not None else None
    names = (element.get(_q("style:name"), ""), element.get(_q("style:display-name"), ""))
    outline = element.get(_q("style:default-outline-level"))
    return _Style(
        parent=element.get(_q("style:parent-style-name")),
        bold=None
        if weight is None
        else (weight == "bold" or (weight.isdigit() and int(weight) >= 600)),
        italic=None if slant is None else slant in ("italic", "oblique"),
        heading=any(n.startswith(("Heading", "Title", "Subtitle")) for n in names)
        or bool(outline)
        or None,
        list_style=element.get(_q("style:list-style-name")),
    )


class OdtReader:
    """Reads OpenDocument .odt transcripts."""

    suffixes: tuple[str, ...] = (".odt",)

    def read(self, path: Path, *, unlabelled_speaker: str | None = None) -> Transcript:
        """Read paragraphs with their bold and italic spans, and the document's metadata."""
        with Package(path, _KIND, _HINT) as package:
            package.require("content.xml")
            kind = package.read("mimetype").strip() if package.has("mimetype") else _TEXT_MIMETYPE
            if not kind.startswith(_TEXT_MIMETYPE):
                raise InputError(
                    path,
                    f"is an OpenDocument file of another kind ({kind.decode(errors='replace')}),"
                    " not a text document",
                    hint="Save the transcript from a word processor as .odt",
                )
            styles = _Styles()
            if (named := package.xml("styles.xml")) is not None:
                styles.add(named)
            tables = [0]
            paragraphs = list(_content(package, styles, tables))
            attributes = _meta_attributes(package.xml("meta.xml"))
        notes = [f"{tables[0]} table(s) skipped: only paragraphs are read"] if tables[0] else []
        return transcript_from_paragraphs(
            path, paragraphs, attributes, notes, unlabelled_speaker=unlabelled_speaker
        )


def _content(package: Package, styles: _Styles, tables: list[int]) -> Iterator[Para]:
    """Paragraphs of content.xml as the XML arrives. Its own (automatic) styles come before
    the body; each paragraph is dropped from the tree once read."""
    for element in package.elements("content.xml", _WATCHED):
        if element.tag == _AUTOMATIC_STYLES:
            styles.add(element)
            continue
        place = _place(element)
        if place is None:  # in a table, a footnote, a frame... or not in the text body
            continue
        parent = element.getparent()
        if element.tag == _TABLE:
            tables[0] += 1
        else:
            yield _para(element, styles, *place)
        parent.remove(element)


def _place(element: Element) -> tuple[str | None, int] | None:
    """The list style and list level (0 outside lists) of a paragraph of the text body, or
    None for one that is not part of the transcript. Tables count only at the top."""
    list_style, level = None, 0
    ancestor = element.getparent()
    while ancestor is not None and ancestor.tag != _TEXT:
        if ancestor.tag in _SKIPPED:
            return None
        if ancestor.tag == _LIST:
            level += 1
            list_style = list_style or ancestor.get(_STYLE_NAME)
        elif ancestor.tag == _LIST_HEADER:  # an unnumbered item
            level = -1_000
        ancestor = ancestor.getparent()
    if ancestor is None:
        return None
    return list_style, max(level, 0)


def _para(element: Element, styles: _Styles, list_style: str | None, level: int) -> Para:
    style = element.get(_STYLE_NAME)
    heading = element.tag == _H or bool(styles.flag(style, "heading"))
    numbered = level > 0 and styles.numbered(list_style or styles.flag(style, "list_style"), level)
    runs: list[tuple[str, bool, bool, bool]] = []  # text, bold, italic, literal whitespace
    _collect(
        element, bool(styles.flag(style, "bold")), bool(styles.flag(style, "italic")), styles, runs
    )
    text, bold, italic = _join(runs)
    return Para(text, heading=heading, bold=bold, italic=italic, numbered=numbered and not heading)


def _collect(
    element: Element,
    bold: bool,
    italic: bool,
    styles: _Styles,
    runs: list[tuple[str, bool, bool, bool]],
) -> None:
    if element.text:
        runs.append((element.text, bold, italic, False))
    for child in element:
        if not isinstance(child.tag, str):  # a comment or processing instruction
            pass
        elif child.tag == _S:
            count = child.get(_q("text:c"), "1")
            spaces = min(int(count), _MAX_SPACES) if count.isdigit() else 1
            runs.append((" " * spaces, bold, italic, True))
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


def _meta_attributes(meta: Element | None) -> dict[str, Any]:
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
