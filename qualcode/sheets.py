"""Codings to and from spreadsheets (CSV, XLSX), and highlights from other tools.

Codings also come from JSON (:mod:`qualcode.exchange.codings_json`), and code labels
match by name, slug, or with ``_``/``-``/case differences (:func:`match_code`).

A row places its coding in one of three ways, tried in this order:
``start``/``end`` (character offsets), ``segment`` (an ordinal), or ``quote`` (the coded
text, found in the document ignoring differences of white space, as Taguette's
``document, tag, content`` export gives it). Every row is checked before anything is
written: an unknown document or code, offsets outside the text, or a missing coder
refuses the whole file and lists every bad row. A quote that cannot be found (or is
found more than once) is listed and left out, never guessed; the rest is imported.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .bulk import NewCoding, add_codings
from .codebook import slugify
from .coding import get_coder
from .errors import BadRows, InputError, NotAllowed, NotFound
from .exchange.codings_json import ALIASES, PROBLEM, by_context, json_records
from .files import plain_file, read_bytes
from .formulas import csv_frame, restore
from .lookup import find_code, find_document
from .models import Code, Coder, Document, Segment
from .project import Project
from .queries import CODING_COLUMNS, codings
from .readers.encoding import decode
from .visibility import may_change

# Accepted headers (any case) for each field, ours first, then other tools' names.
SHEET_HINT = "Give a codings file saved as CSV (UTF-8) or XLSX, such as `codings export` writes"
EXPORT_COLUMNS = [c for c in CODING_COLUMNS if c not in ("id", "code_id", "text")] + ["quote"]


@dataclass
class CodingRow:
    line: int
    values: dict[str, str]
    unit: str = "line"  # "record" in a JSON file

    @property
    def where(self) -> str:
        return f"{self.unit} {self.line}"


@dataclass
class SheetReport:
    """What importing a sheet did: rows added, already there, and quotes not placed."""

    added: int = 0
    unchanged: int = 0
    unplaced: list[str] = field(default_factory=list)


def _column_map(path: Path, header: list[str]) -> dict[str, int]:
    lowered = [h.strip().casefold() for h in header]
    columns = {}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            if alias in lowered:
                columns[name] = lowered.index(alias)
                break
    missing = [name for name in ("document", "code") if name not in columns]
    placed = {"start", "end"} <= set(columns) or {"segment", "quote"} & set(columns)
    if missing or not placed:
        needed = ", ".join(missing) if missing else "start and end, or segment, or quote"
        raise InputError(
            path,
            f"the header has no {needed} column",
            line=1,
            hint="Columns: document, then start and end (or segment, or quote), code, coder, memo",
        )
    return columns


def read_rows(path: str | Path) -> Iterator[CodingRow]:
    """The rows of a CSV or XLSX file as field -> text, numbered by spreadsheet line; or
    the records of a JSON file (:mod:`qualcode.exchange.codings_json`), numbered."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        for number, values in json_records(path):
            yield CodingRow(number, values, unit="record")
        return
    table = list(sheet_rows(path))
    if not table:
        raise InputError(path, "the file is empty", hint="Export the codings again")
    columns = _column_map(path, table[0])
    for line, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = {
            name: cells[index].strip() if index < len(cells) else ""
            for name, index in columns.items()
        }
        yield CodingRow(line, values)


def sheet_rows(path: Path) -> Iterator[list[str]]:
    """The cells of a CSV file (any encoding; comma, semicolon or tab) or of an XLSX
    workbook's first sheet, row by row, as text; a broken file is one InputError."""
    return _xlsx_rows(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows(path)


def _csv_rows(path: Path) -> Iterator[list[str]]:
    raw = read_bytes(path)
    try:
        text, _note = decode(path, raw)
    except InputError as error:  # its hint is about transcripts
        raise InputError(path, error.message, line=error.line, hint=SHEET_HINT) from None
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)  # Excel in some locales writes ';'
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    # A quote may be a whole document: no field is longer than the file, so allow that much.
    limit = csv.field_size_limit(max(len(text), csv.field_size_limit()))
    try:  # our exports put an apostrophe before formula-like text: take it off again
        yield from ([restore(cell) for cell in row] for row in reader)
    except csv.Error as error:
        raise InputError(
            path, f"not a readable CSV file ({error})", line=reader.line_num, hint=SHEET_HINT
        ) from None
    finally:
        csv.field_size_limit(limit)


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    plain_file(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise InputError(path, f"not a readable XLSX workbook ({error})") from None
    for row in book.worksheets[0].iter_rows(values_only=True):
        yield ["" if cell is None else str(cell) for cell in row]
    book.close()


def collapse(text: str) -> tuple[str, list[int]]:
    """Text with every run of white space made one space, and each character's origin."""
    out: list[str] = []
    origin: list[int] = []
    in_space = False
    for index, char in enumerate(text):
        if char.isspace():
            if not in_space and out:
                out.append(" ")
                origin.append(index)
            in_space = True
        else:
            out.append(char)
            origin.append(index)
            in_space = False
    return "".join(out), origin


def find_quote(
    text: str, quote: str, collapsed: tuple[str, list[int]] | None = None
) -> list[tuple[int, int]]:
    """Every place ``quote`` stands in ``text``, ignoring differences of white space."""
    needle = " ".join(quote.split())
    if not needle:
        return []
    haystack, origin = collapsed or collapse(text)
    places = []
    at = haystack.find(needle)
    while at >= 0:
        places.append((origin[at], origin[at + len(needle) - 1] + 1))
        at = haystack.find(needle, at + 1)
    return places


class _Placer:
    """Turns rows into (document, start, end) with one message per bad row."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.documents: dict[str, Document] = {}
        self.collapsed: dict[str, tuple[str, list[int]]] = {}
        self.segments: dict[Any, dict[int, tuple[int, int]]] = {}  # document id -> ordinals

    def document(self, name: str) -> Document:
        if name not in self.documents:
            self.documents[name] = find_document(self.session, name)
        return self.documents[name]

    def place(self, row: CodingRow) -> tuple[Document, int, int] | str:
        """The span of a row, or why it cannot be placed exactly (a quote problem)."""
        values = row.values
        doc = self.document(values["document"])
        if values.get("start") or values.get("end"):
            start, end = _int(values.get("start"), "start"), _int(values.get("end"), "end")
            if not 0 <= start < end <= len(doc.text):
                raise NotFound(
                    f"offsets {start}-{end} are outside {doc.name!r} (0-{len(doc.text)})"
                )
            quote = values.get("quote")
            if quote and " ".join(quote.split()) != " ".join(doc.text[start:end].split()):
                raise NotFound(
                    f"the quote differs from the text at {start}-{end} of {doc.name!r}; "
                    "was the document replaced since the export?"
                )
            return doc, start, end
        if values.get("segment"):
            if doc.id not in self.segments:  # one query per document, not per row
                self.segments[doc.id] = {
                    ordinal: (start, end)
                    for ordinal, start, end in self.session.execute(
                        select(Segment.ordinal, Segment.start, Segment.end).where(
                            Segment.document_id == doc.id
                        )
                    )
                }
            span = self.segments[doc.id].get(_int(values["segment"], "segment"))
            if span is None:
                raise NotFound(f"{doc.name!r} has no segment {values['segment']}")
            return doc, *span
        if doc.name not in self.collapsed:
            self.collapsed[doc.name] = collapse(doc.text)
        places = find_quote(doc.text, values["quote"], self.collapsed[doc.name])
        if len(places) > 1:  # text around the quote may tell which place is meant
            places = by_context(doc.text, places, values)
        if len(places) != 1:
            found = "not found" if not places else f"found {len(places)} times"
            return f"{row.where}: quote {found} in {doc.name!r}: {values['quote'][:70]!r}"
        return doc, *places[0]


def _int(value: str | None, name: str) -> int:
    """A whole number as a spreadsheet writes it (``12``, or ``12.0`` from XLSX); ``1.5``
    is refused rather than cut to 1, which would move the coding."""
    try:
        return int(value or "")
    except ValueError:
        pass
    try:
        number = float(value or "")
    except ValueError:
        number = math.nan
    if not number.is_integer():  # also false for inf and nan
        raise NotFound(f"{name} {_short(value or '')!r} is not a whole number")
    return int(number)


def _short(text: str, limit: int = 80) -> str:
    """Text for a message, cut so that a huge cell cannot flood the terminal."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def import_codings(
    project: Project,
    path: str | Path,
    *,
    coder: str | None = None,
    origin: str = "import",
    by: str | None = None,
) -> SheetReport:
    """Import every row of a CSV/XLSX file in one transaction (see the module docstring).

    ``coder`` names the coder of rows that have no coder column or cell. ``by`` is who
    imports, if they said: a coder may import only their own rows, a lead anyone's.
    """
    path = Path(path)
    report = SheetReport()
    problems: list[tuple[str, str]] = []
    with project.transaction() as session:
        importer = get_coder(session, by) if by else None
        placer = _Placer(session)
        codes: dict[str, Code] = {}  # a file names few codes and coders, row after row
        coders: dict[str, Coder | None] = {}
        planned: list[tuple[str, Document, int, int, Code, str, str | None]] = []
        for row in read_rows(path):
            try:
                if PROBLEM in row.values:  # a JSON record that cannot be a coding
                    raise NotFound(row.values[PROBLEM])
                who = row.values.get("coder") or coder
                if not who:
                    raise NotFound("no coder: fill the coder column or pass --coder")
                if who not in coders:
                    coders[who] = _coder(session, who)
                known = coders[who]
                if importer is not None and not may_change(importer, known.id if known else None):
                    raise NotAllowed(
                        f"a row of {who}'s: only a lead imports another coder's codings"
                    )
                ref = row.values["code"]
                if ref not in codes:
                    codes[ref] = match_code(session, ref)
                placed = placer.place(row)
            except (NotFound, NotAllowed) as error:
                problems.append((row.where, _short(str(error), 200)))
                continue
            if isinstance(placed, str):
                report.unplaced.append(placed)
                continue
            planned.append((row.where, *placed, codes[ref], who, row.values.get("memo") or None))
        if problems:
            raise BadRows(path, problems)
        made = {name: found or get_coder(session, name) for name, found in coders.items()}
        done = add_codings(
            session,
            [NewCoding(where, doc, start, end, code, made[who], memo)
             for where, doc, start, end, code, who, memo in planned],
            origin,
        )  # fmt: skip
        if done.problems:
            raise BadRows(path, done.problems)
        report.added, report.unchanged = done.added, done.unchanged
    return report


def match_code(session: Session, ref: str) -> Code:
    """A code by id, slug or name (any case), else by its label written with ``_`` or
    ``-`` or spaces in other places (``speaking_the_language``), if that names one code."""
    try:
        return find_code(session, ref)
    except NotFound:
        wanted = slugify(ref)
        found = [
            code
            for code in session.scalars(select(Code).where(Code.archived.is_(False)))
            if wanted and wanted in (code.slug, slugify(code.name))
        ]
        if len(found) != 1:
            raise
        return found[0]


def _coder(session: Session, name: str) -> Coder | None:
    return session.scalars(select(Coder).where(Coder.name == name)).one_or_none()


def write_problems(path: str | Path, problems: list[tuple[str, str]]) -> None:
    """Write the bad rows of an import (:class:`~qualcode.errors.BadRows`) to a CSV file:
    a row per problem, with where it is (``line 4``, ``record 2``) and what."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["where", "problem"])
        writer.writerows(problems)


def export_codings(project: Project, path: str | Path, **filters: Any) -> int:
    """Write codings to CSV or XLSX (by the file's suffix) in a form import reads back.

    Text a spreadsheet would run as a formula stays text (:mod:`qualcode.formulas`); the
    XLSX sheet has a frozen header, filters, column widths and wrapped quotes and memos.
    """
    path = Path(path)
    frame = codings(project, **filters).rename(columns={"text": "quote"})[EXPORT_COLUMNS]
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        frame = frame.assign(created_at=frame.created_at.astype(str))
        from .workbook import write_sheet  # pandas and openpyxl only when writing a sheet

        write_sheet(frame, path, title="codings", wrap=("quote", "memo"))
    else:
        csv_frame(frame).to_csv(path, index=False)
    return len(frame)
