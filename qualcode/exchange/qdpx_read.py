"""What is read from a REFI-QDA project (``.qdpx`` or ``.qde``), and where its selections fall.

Tolerant where the guide (§5, §6) says vendors differ: any single ``*.qde`` at the zip's
root, ``sources/`` or ``Sources/``, braced or lower-case GUIDs, the namespace matched by
prefix, schema errors kept as warnings. Offsets are verified, not trusted: each text is
read without newline translation, one BOM dropped, and the selections are tried under
each reading vendors use (code points; CRLF counted as one; UTF-16 units; UTF-8 bytes).
The reading under which the recorded quotes (ATLAS.ti's ``name``) match the text wins;
without quotes, the one that keeps every span inside the text, code points first
(CRLF as one for ATLAS.ti). A quoted selection that matches under no reading is looked
for by its quote; what still cannot be placed is reported with its source and position.
Stored text has LF line ends, and spans are moved onto it.
"""

from __future__ import annotations

import bisect
import codecs
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from .refi import schema_errors

NOT_REFI = "it is not a REFI-QDA project (.qdpx: a zip holding a .qde file)"
# Whatever qualcode cannot keep, by the element that holds it.
DROPPED_KINDS = {
    "PictureSource": "pictures",
    "PDFSelection": "PDF regions",
    "AudioSource": "audio files",
    "VideoSource": "video files",
    "PictureSelection": "picture regions",
    "AudioSelection": "audio selections",
    "VideoSelection": "video selections",
    "Link": "links",
    "Graph": "graphs",
}


@dataclass(slots=True)
class RCoding:
    guid: str
    code: str | None
    user: str | None
    created: str | None
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RSelection:
    guid: str
    start: int  # as recorded; placed by ``RSource.place``
    end: int
    quote: str | None
    user: str | None
    created: str | None
    description: str = ""
    codings: list[RCoding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    span: tuple[int, int] | None = None  # in the stored (LF) text, once placed


@dataclass
class RSource:
    guid: str
    name: str
    text: str | None  # the stored text (LF line ends), None when the file is missing
    selections: list[RSelection] = field(default_factory=list)
    codings: list[RCoding] = field(default_factory=list)  # on the whole document
    notes: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # variable guid -> value
    original: tuple[str, bytes] | None = None  # (file name, bytes) of a .docx/.pdf
    reading: str = "code points"
    problem: str = ""  # why the text is missing


@dataclass(slots=True)
class RCode:
    guid: str
    name: str
    description: str
    colour: str | None
    codable: bool
    parent: str | None
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RCase:
    guid: str
    name: str | None
    values: dict[str, Any]
    sources: list[str]
    selections: list[str]


@dataclass(slots=True)
class RSet:
    guid: str
    name: str
    description: str
    codes: list[str]
    sources: list[str]
    notes: list[str]


@dataclass
class RProject:
    """Everything read from the file, GUIDs normalised (upper case, no braces)."""

    path: Path
    name: str
    origin: str
    creator: str | None
    users: dict[str, str] = field(default_factory=dict)  # guid -> name
    codes: list[RCode] = field(default_factory=list)  # parents before children
    variables: dict[str, tuple[str, str]] = field(default_factory=dict)  # guid -> (name, type)
    cases: list[RCase] = field(default_factory=list)
    sources: list[RSource] = field(default_factory=list)
    notes: dict[str, tuple[str, str | None, str | None]] = field(default_factory=dict)
    sets: list[RSet] = field(default_factory=list)
    project_notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)
    unplaced: list[str] = field(default_factory=list)


class Archive:
    """The files of a .qdpx by name, with ``sources/`` in any case."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        self.entries: dict[str, str] = {}

    def open(self) -> bytes:
        """The bytes of the project XML."""
        if self.path.suffix.lower() == ".qde":
            return self.path.read_bytes()
        try:
            self.zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as error:
            reason = "not a zip file" if isinstance(error, zipfile.BadZipFile) else error
            raise InputError(self.path, f"{NOT_REFI}; {reason}") from None
        names = [n for n in self.zip.namelist() if not n.endswith("/")]
        qde = [n for n in names if "/" not in n and n.lower().endswith(".qde")]
        if not qde:
            raise InputError(self.path, f"{NOT_REFI}; the zip holds no .qde file")
        for name in names:
            folder, _, rest = name.partition("/")
            if folder.lower() == "sources" and rest:
                self.entries[rest.lower()] = name
        chosen = next((n for n in qde if n.lower() == "project.qde"), sorted(qde)[0])
        return self.zip.read(chosen)

    def read(self, reference: str | None) -> bytes | None:
        """The bytes an ``internal://`` path names, or None."""
        if not reference or self.zip is None:
            return None
        name = reference.split("://", 1)[-1].lstrip("/").lower()
        entry = self.entries.get(name) or self.entries.get(name.rsplit("/", 1)[-1])
        return self.zip.read(entry) if entry else None


def decode_text(data: bytes) -> str:
    """A text file's characters as written: one BOM dropped, no newline translation."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # one code point, two UTF-16 units


class _Readings:
    """Maps positions under each vendor's reading of a raw text to code points in it."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.crlf = "\r\n" in raw
        self.wide = _ASTRAL.search(raw) is not None
        self.ascii = raw.isascii()
        self._tables: dict[str, list[int]] = {}

    def names(self, origin: str) -> list[str]:
        """Readings worth trying, most likely first."""
        found = ["code points"]
        if self.crlf:
            found.insert(0 if "atlas" in origin.lower() else 1, "CRLF as one")
        if self.wide:
            found += ["UTF-16 units"] + (["UTF-16 units, CRLF as one"] if self.crlf else [])
        if not self.ascii:
            found.append("UTF-8 bytes")
        return found

    def _table(self, reading: str) -> list[int]:
        """For each unit position under ``reading``, the code point index it falls on."""
        if reading not in self._tables:
            table: list[int] = []
            raw = self.raw
            for index, char in enumerate(raw):
                if "CRLF" in reading and char == "\r" and raw[index + 1 : index + 2] == "\n":
                    continue  # the CR takes no position of its own
                if "UTF-16" in reading:
                    width = 2 if ord(char) > 0xFFFF else 1
                elif "UTF-8" in reading:
                    width = len(char.encode("utf-8", "surrogatepass"))
                else:
                    width = 1
                table.extend([index] * width)
            table.append(len(raw))
            self._tables[reading] = table
        return self._tables[reading]

    def span(self, reading: str, start: int, end: int) -> tuple[int, int] | None:
        """``[start, end)`` under ``reading`` as code points of the raw text, if it fits."""
        if reading == "code points":
            return (start, end) if 0 <= start <= end <= len(self.raw) else None
        table = self._table(reading)
        if not 0 <= start <= end < len(table):
            return None
        begin = table[start]
        return begin, (table[end - 1] + 1 if end > start else begin)


def _same(quote: str, text: str) -> bool:
    """Do a recorded quote and the text at its span agree (line ends and spaces aside)?"""
    return quote == text or " ".join(quote.split()) == " ".join(text.split())


def place_selections(raw: str, selections: list[RSelection], origin: str) -> tuple[str, str]:
    """Choose the reading of ``raw`` that fits ``selections``, set each one's ``span`` in
    the stored text (LF line ends), and return (stored text, reading)."""
    readings = _Readings(raw)
    names = readings.names(origin)

    def score(reading: str) -> tuple[int, int]:
        spans = [readings.span(reading, s.start, s.end) for s in selections]
        agree = sum(
            1
            for s, span in zip(selections, spans, strict=True)
            if span and s.quote and _same(s.quote, raw[span[0] : span[1]])
        )
        return agree, sum(1 for span in spans if span)

    quoted = sum(1 for s in selections if s.quote)
    if not selections or score(names[0]) == (quoted, len(selections)):
        best = names[0]  # the likeliest reading fits every span and quote: no need to look on
    else:
        best = max(names, key=lambda r: (*score(r), -names.index(r)))
    stored, shift = _to_lf(raw)
    for selection in selections:
        found = readings.span(best, selection.start, selection.end)
        if (
            selection.quote
            and selection.quote.strip()
            and not (found and _same(selection.quote, raw[found[0] : found[1]]))
        ):
            found = _by_quote(readings, names, selection)
        if found is not None:
            selection.span = (shift(found[0]), shift(found[1]))
    return stored, best


def _by_quote(
    readings: _Readings, names: list[str], selection: RSelection
) -> tuple[int, int] | None:
    """A quoted selection placed under another reading, or by finding its quote near
    where it was said to be; None when that is not certain."""
    raw = readings.raw
    assert selection.quote is not None
    for reading in names:
        found = readings.span(reading, selection.start, selection.end)
        if found and _same(selection.quote, raw[found[0] : found[1]]):
            return found
    from ..sheets import find_quote

    places = find_quote(raw, selection.quote)
    if not places:
        return None
    nearest = min(places, key=lambda p: abs(p[0] - selection.start))
    ties = [p for p in places if abs(p[0] - selection.start) == abs(nearest[0] - selection.start)]
    return nearest if len(ties) == 1 else None


def _to_lf(raw: str) -> tuple[str, Any]:
    """The text with CRLF and lone CR made LF, and a map of raw positions onto it."""
    removed = [m.start() for m in re.finditer("\r\n", raw)] if "\r" in raw else []
    stored = raw.replace("\r\n", "\n").replace("\r", "\n")
    return stored, lambda position: position - bisect.bisect_left(removed, position)


def load_text(archive: Archive, reference: str | None, inline: str | None) -> str | None:
    """A source's raw text from its ``PlainTextContent`` or its ``plainTextPath`` file."""
    if inline is not None:
        return inline
    data = archive.read(reference)
    return None if data is None else decode_text(data)


def check_schema(root: Any, project: RProject) -> None:
    """Schema errors become warnings (vendors ship files that fail their own schema)."""
    if root.tag != "{urn:QDA-XML:project:1.0}Project":
        project.warnings.append(f"namespace {root.tag.split('}')[0][1:]!r}: not checked")
        return
    errors = schema_errors(root, "Project.xsd")
    if errors:
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        project.warnings.append(
            f"{len(errors)} schema error(s), imported anyway: " + "; ".join(errors[:3]) + more
        )
