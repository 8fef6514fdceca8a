"""Survey answers (.csv, .xlsx): one document per respondent, or one per question.

A survey sheet has a header row of questions and a row per respondent. Each column is one of:

- the **respondent id**: ``--id-column``, else the first column headed id, respondent,
  response id, participant (any case, spaces or underscores), else the row number (R001...);
- an **open question**: the columns named with ``--open``, else those whose answers read as
  free text (most answers differ and hold three words or more on average, or eight or more);
- a **closed question**: every other column. Its answer is an attribute of the respondent,
  so quotes, matrices, agreement scopes and exports can use it. A **multiple-choice**
  column, whose cells list several options (separated by ``;``, or by ``,`` when every
  option recurs), is split: the attribute ``Question: option`` is ``yes`` or ``no`` for
  each option, and the question's own attribute lists the chosen options joined by ``"; "``.

By respondent the closed answers are the document's attributes; by question they are the
attributes of each respondent as a speaker (the document's are the question and the file).

**By respondent** (the default) a document is named ``<file stem>-<id><suffix>``; its text
is a heading ``Respondent <id>``, then for each open question answered, the question as a
heading and the answer as the respondent's speech. Respondents who answered no open
question have no document (a note says how many). **By question** a document is named
``<file stem>-Q<column number><suffix>``; its text is the question as a heading, then each
answer as a paragraph ``<id>: answer``, the respondent its speaker.

Bad sheets get one line naming the file, the sheet and the cell: an empty sheet, a merged
header, a column without a header or with a repeated one, a formula with no saved value,
a repeated respondent id, an encrypted or damaged workbook.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.errors import InputError
from qualcode.readers.base import Transcript, Turn
from qualcode.readers.encoding import decode

SURVEY_SUFFIXES = (".csv", ".xlsx", ".xlsm")
_ID_HEADERS = re.compile(
    r"(?:respondent|response|participant|record)?[ _]*(?:id|no|number|#)?", re.IGNORECASE
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office's encrypted files, and .xls


@dataclass(frozen=True)
class SurveyOptions:
    """How ``qualcode import --survey`` reads a sheet (see the module docstring)."""

    by: str = "respondent"  # "respondent" | "question"
    sheet: str | None = None  # the first sheet by default
    id_column: str | None = None
    open_columns: tuple[str, ...] = ()  # judged from the answers when empty


@dataclass
class _Table:
    path: Path
    sheet: str  # the sheet's name in a workbook, "" for a CSV
    header: list[str]
    rows: list[tuple[int, list[str]]]  # row number in the file, cells as text

    @property
    def where(self) -> str:
        """Where in the file, for messages: 'sheet "Responses": ' in a workbook."""
        return _where(self.sheet)


@dataclass
class _Column:
    index: int
    question: str
    kind: str  # "open" | "closed" | "multiple"
    options: list[str] = field(default_factory=list)


def read_survey(path: Path, options: SurveyOptions) -> list[Transcript]:
    """The documents of one survey file, as ``options`` asks."""
    if path.suffix.lower() not in SURVEY_SUFFIXES:
        raise InputError(
            path,
            "is not a survey sheet",
            hint="Give --survey a .csv or .xlsx file with a header row of questions",
        )
    table = _xlsx_table(path, options.sheet) if path.suffix.lower() != ".csv" else _csv_table(path)
    key, columns = _columns(table, options)
    ids = _ids(table, key)
    if not any(c.kind == "open" for c in columns):
        raise InputError(
            path,
            f"{table.where}no column holds open answers",
            hint="Name the open questions with --open COLUMN (repeatable)",
        )
    answers = [_attributes(cells, columns) for _n, cells in table.rows]
    respondents = list(zip(ids, answers, strict=True))
    if options.by == "question":
        return [_question_document(table, column, respondents) for column in columns
                if column.kind == "open"]  # fmt: skip
    documents = [
        document
        for (row, cells), (rid, attributes) in zip(table.rows, respondents, strict=True)
        if (document := _respondent_document(table, columns, row, cells, rid, attributes))
    ]
    silent = len(table.rows) - len(documents)
    if silent and documents:
        documents[0].notes.append(f"{silent} respondent(s) answered no open question: no document")
    return documents


def _csv_table(path: Path) -> _Table:
    from qualcode.readers.package import MAX_PART_BYTES

    size = path.stat().st_size
    if size > MAX_PART_BYTES:  # read whole below, so bounded first
        raise InputError(
            path,
            f"is {size / 2**20:,.0f} MiB; qualcode reads survey sheets of at most "
            f"{MAX_PART_BYTES // 2**20} MiB",
            hint="Split it into several files, or keep only the columns to analyse",
        )
    text, _ = decode(path, path.read_bytes(), table=True)
    first_line = text.split("\n", 1)[0]
    separator = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    rows = [(reader.line_num, cells) for cells in reader]
    return _checked(path, "", rows)


def _xlsx_table(path: Path, sheet: str | None) -> _Table:
    """The sheet's cells as text (formulas through their saved values), every size bounded
    (:mod:`qualcode.readers.xlsx`)."""
    from qualcode.readers.xlsx import read_sheet

    with path.open("rb") as file:
        if file.read(8) == _OLE_MAGIC:
            raise InputError(
                path,
                "is password-protected (encrypted), or an old Excel .xls file",
                hint="Open it in Excel or LibreOffice and save it as .xlsx without a password",
            )
    found = read_sheet(path, sheet)
    header_row = next((number for number, cells in found.rows if any(map(str.strip, cells))), 0)
    for merged, top, bottom in found.merged:
        if top <= header_row <= bottom:
            raise InputError(
                path,
                f"{_where(found.title)}header cells {merged} are merged",
                hint="Unmerge them so that each column has its own question in row "
                f"{header_row}",
            )
    return _checked(path, found.title, found.rows)


def _where(sheet: str) -> str:
    return f'sheet "{sheet}": ' if sheet else ""


def _checked(path: Path, sheet: str, rows: list[tuple[int, list[str]]]) -> _Table:
    """The header and the non-empty rows, after the checks every sheet must pass."""
    where = _where(sheet)
    rows = [(n, [c.replace("\r\n", "\n").strip() for c in cells]) for n, cells in rows]
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if not rows:
        raise InputError(path, f"{where}is empty", hint="Put the survey's answers in it")
    (header_row, header), data = rows[0], rows[1:]
    while header and not header[-1]:  # cells formatted but empty at the right
        header = header[:-1]
    for number, name in enumerate(header, start=1):
        if not name:
            raise InputError(
                path, f"{where}column {number} has no question in its header", line=header_row,
                hint="Give every column a header",
            )  # fmt: skip
    for name, count in Counter(header).items():
        if count > 1:
            raise InputError(
                path, f'{where}column "{name}" appears {count} times', line=header_row,
                hint="Give each column its own header",
            )  # fmt: skip
    for number, cells in data:
        if any(cells[len(header) :]):
            raise InputError(
                path, f"{where}row has answers in a column with no header", line=number,
                hint="Give the column a header, or remove what is in it",
            )  # fmt: skip
    if not data:
        raise InputError(path, f"{where}has a header but no answers", hint="Add the answers")
    padded = [(n, (cells + [""] * len(header))[: len(header)]) for n, cells in data]
    return _Table(path, sheet, header, padded)


def _columns(table: _Table, options: SurveyOptions) -> tuple[int | None, list[_Column]]:
    """The id column's index (None: row numbers) and the other columns, classified."""
    header = table.header
    for name in (options.id_column, *options.open_columns):
        if name is not None and name not in header:
            raise InputError(
                table.path,
                f'{table.where}no column "{name}"',
                hint=f"The columns are: {', '.join(header)}",
            )
    if options.id_column is not None:
        key: int | None = header.index(options.id_column)
    else:
        key = next((i for i, h in enumerate(header) if _is_id_header(h)), None)
    columns = []
    for index, question in enumerate(header):
        if index == key:
            continue
        values = [cells[index] for _n, cells in table.rows if cells[index]]
        if not values:
            continue
        if options.open_columns:
            is_open = question in options.open_columns
        else:
            is_open = _reads_as_text(values)
        if is_open:
            columns.append(_Column(index, question, "open"))
        elif options_found := _choices(values):
            columns.append(_Column(index, question, "multiple", options_found))
        else:
            columns.append(_Column(index, question, "closed"))
    return key, columns


def _is_id_header(name: str) -> bool:
    name = name.strip()
    return bool(name) and bool(_ID_HEADERS.fullmatch(name)) and name.casefold() not in ("no", "#")


def _reads_as_text(values: list[str]) -> bool:
    words = sum(len(v.split()) for v in values) / len(values)
    distinct = len(set(values)) / len(values)
    return words >= 8 or (words >= 3 and distinct > 0.5)


def _choices(values: list[str]) -> list[str]:
    """The options of a multiple-choice column, in order of first use; [] if it is not one."""
    for separator in (";", ","):
        if not any(separator in v for v in values):
            continue
        parts = [[p.strip() for p in v.split(separator) if p.strip()] for v in values]
        counts = Counter(p for cell in parts for p in cell)
        if separator == ";" or all(counts[p] >= 2 for cell in parts for p in cell):
            return list(counts)
    return []


def _ids(table: _Table, key: int | None) -> list[str]:
    if key is None:
        return [f"R{n:03d}" for n in range(1, len(table.rows) + 1)]
    seen: dict[str, int] = {}
    ids = []
    for number, cells in table.rows:
        rid = " ".join(cells[key].split())
        if not rid:
            raise InputError(
                table.path, f'{table.where}no respondent id in column "{table.header[key]}"',
                line=number, hint="Fill it in, or choose another column with --id-column",
            )  # fmt: skip
        if rid in seen:
            raise InputError(
                table.path, f'{table.where}respondent "{rid}" appears twice (first in row '
                f"{seen[rid]})", line=number, hint="Give each respondent their own id",
            )  # fmt: skip
        seen[rid] = number
        ids.append(rid)
    return ids


def _attributes(cells: list[str], columns: list[_Column]) -> dict[str, str]:
    """The closed answers of one respondent, multiple choices split."""
    found: dict[str, str] = {}
    for column in columns:
        value = cells[column.index]
        if column.kind == "closed" and value:
            found[column.question] = value
        elif column.kind == "multiple":
            chosen = _chosen(value, column.options)
            if chosen:
                found[column.question] = "; ".join(chosen)
            for option in column.options:
                found[f"{column.question}: {option}"] = "yes" if option in chosen else "no"
    return found


def _chosen(value: str, options: list[str]) -> list[str]:
    """The options chosen in a cell, in the order the cell lists them."""
    separator = ";" if ";" in value else ","
    parts = [p.strip() for p in value.split(separator)]
    return [p for p in dict.fromkeys(parts) if p in options]


class _Writer:
    """Stored text and turns, built piece by piece so every offset is exact."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.turns: list[Turn] = []

    def add(self, text: str, speaker: str | None, kind: str, label: str = "") -> None:
        if self.parts:
            self.parts.append("\n\n")
            self.length += 2
        if label:
            self.parts.append(f"{label}: ")
            self.length += len(label) + 2
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        span = [(start, self.length)]
        self.turns.append(Turn(speaker, start, self.length, kind, paragraphs=span))

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _answer(text: str) -> str:
    """An answer as stored: its lines trimmed, blank lines dropped."""
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def _respondent_document(
    table: _Table,
    columns: list[_Column],
    row: int,
    cells: list[str],
    rid: str,
    attributes: dict[str, str],
) -> Transcript | None:
    answers = [(c.question, _answer(cells[c.index])) for c in columns if c.kind == "open"]
    answers = [(q, a) for q, a in answers if a]
    if not answers:
        return None
    writer = _Writer()
    writer.add(f"Respondent {rid}", None, "heading")
    for question, answer in answers:
        writer.add(" ".join(question.split()), None, "heading")
        writer.add(answer, rid, "speech")
    path = table.path
    name = path.with_name(f"{path.stem}-{_safe(rid)}{path.suffix}")
    document = {**attributes, "respondent": rid, **_place(table), "row": row}
    return Transcript(name, writer.text, writer.turns, document, {rid: {}}, source=path)


def _question_document(
    table: _Table, column: _Column, respondents: list[tuple[str, dict[str, str]]]
) -> Transcript:
    writer = _Writer()
    writer.add(" ".join(column.question.split()), None, "heading")
    speakers: dict[str, dict[str, Any]] = {}
    for (_row, cells), (rid, attributes) in zip(table.rows, respondents, strict=True):
        answer = _answer(cells[column.index])
        if answer:
            writer.add(answer, rid, "speech", label=rid)
            speakers[rid] = dict(attributes)
    path = table.path
    name = path.with_name(f"{path.stem}-Q{column.index + 1}{path.suffix}")
    document = {"question": column.question, **_place(table)}
    return Transcript(name, writer.text, writer.turns, document, speakers, source=path)


def _place(table: _Table) -> dict[str, str]:
    """Where in which file the answers are: the file's name, and the sheet of a workbook."""
    place = {"survey": table.path.name}
    if table.sheet:
        place["sheet"] = table.sheet
    return place


def _safe(text: str) -> str:
    """An id as part of a file name: no path separators or control characters."""
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", text).strip("_") or "respondent"
