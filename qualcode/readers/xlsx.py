"""One sheet of an Excel workbook (.xlsx) as rows of text, read with every size bounded.

A workbook is a zip of XML parts, and a hostile one can make a spreadsheet library read
gigabytes: a sheet part that expands a thousandfold, a ``dimension`` that claims a million
rows by sixteen thousand columns (a library pads every row to it), a million empty rows,
XML nested thousands deep or declaring entities. So the sheet is read here directly from
its XML, streamed through :class:`~qualcode.readers.package.Package`, which checks each
part's declared sizes in the zip directory before a byte of it is decompressed, never
resolves entities and keeps libxml2's limit on depth. On top of that:

- every part read is checked (sizes, compression) before the first one is parsed;
- a part that declares a DOCTYPE is refused (spreadsheets never have one);
- at most :data:`MAX_ROWS` rows and :data:`MAX_CELLS` cells (each row counted as wide as
  its last cell) are read; the ``dimension`` is ignored and empty rows cost nothing;
- a formula's saved value is read, and one with no saved value is refused, cell named.

Cells come as text as a survey wants them: shared and inline strings, numbers (``3``,
``2.5``), booleans as ``yes``/``no``, dates and times in ISO form through the cell's
number format, error values as Excel shows them (``#N/A``).
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import InputError
from qualcode.readers.package import Package

if TYPE_CHECKING:
    from lxml.etree import _Element as Element

MAX_ROWS = 100_000  # row elements of the sheet, empty or not
MAX_CELLS = 2_000_000  # sum over rows of the last cell's column
_MAX_COLUMN = 16_384  # XFD, Excel's last column
XLSX_HINT = "Open it in Excel or LibreOffice and save it again as .xlsx"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_WORKBOOK = "xl/workbook.xml"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"


@dataclass
class Sheet:
    """What :func:`read_sheet` found: the sheet's name, its rows with content (row number,
    cells as text by column, ``""`` where empty) and its merged ranges ("E1:F1", with the
    first and last row they span)."""

    title: str
    rows: list[tuple[int, list[str]]]
    merged: list[tuple[str, int, int]]


def read_sheet(path: Path, name: str | None = None) -> Sheet:
    """The sheet called ``name`` (the first one by default), within the bounds above."""
    kind = "an Excel workbook (.xlsx)"
    with Package(path, kind, XLSX_HINT, program="Excel or LibreOffice") as package:
        package.require(_WORKBOOK)
        targets = _relationships(package)
        for part in (_WORKBOOK, _WORKBOOK_RELS, *targets.values()):
            if package.has(part):
                package.check(part)  # every size, before anything is parsed
        workbook = package.xml(_WORKBOOK)
        _no_doctype(package, workbook, _WORKBOOK)
        title, part = _choose(package, workbook, targets, name)
        where = f'sheet "{title}": '
        if not package.has(part):
            raise InputError(path, f"{where}its part {part} is missing", hint=XLSX_HINT)
        cells = _Cells(package, workbook, targets, where)
        rows, merged = _rows(package, part, cells, where)
    return Sheet(title, rows, merged)


def _relationships(package: Package) -> dict[str, str]:
    """The workbook's related parts by kind ("styles", "sharedStrings") and by id (rId1)."""
    root = package.xml(_WORKBOOK_RELS)
    found: dict[str, str] = {}
    for rel in [] if root is None else root.iter(f"{_PACKAGE_REL}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External" or not target:
            continue
        target = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        target = posixpath.normpath(target)
        found[rel.get("Id", "")] = target
        found.setdefault(rel.get("Type", "").rsplit("/", 1)[-1], target)
    return found


def _choose(
    package: Package, workbook: Element, targets: dict[str, str], name: str | None
) -> tuple[str, str]:
    """(title, part) of the sheet asked for."""
    sheets = [
        (sheet.get("name", ""), targets.get(sheet.get(f"{_REL}id", ""), ""))
        for sheet in workbook.iter(f"{_MAIN}sheet")
    ]
    if not sheets:
        raise InputError(package.path, "has no sheets", hint=XLSX_HINT)
    if name is None:
        return sheets[0]
    for title, part in sheets:
        if title == name:
            return title, part
    names = ", ".join(title for title, _part in sheets)
    raise InputError(package.path, f'has no sheet "{name}"', hint=f"Its sheets: {names}")


def _no_doctype(package: Package, element: Element | None, part: str) -> None:
    if element is not None and element.getroottree().docinfo.doctype:
        raise InputError(
            package.path,
            f"refused: its {part} part declares a DOCTYPE (entities), which a spreadsheet "
            "never does",
            hint=XLSX_HINT,
        )


class _Cells:
    """Turns a ``<c>`` element into text: shared strings, number formats, the date epoch."""

    def __init__(
        self, package: Package, workbook: Element, targets: dict[str, str], where: str
    ) -> None:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

        self.path, self.where = package.path, where
        self.strings = list(self._shared_strings(package, targets.get("sharedStrings")))
        formats = dict(BUILTIN_FORMATS)
        self.dates: list[bool] = []  # per cell style: does its number format show a date?
        styles = package.xml(targets["styles"]) if "styles" in targets else None
        _no_doctype(package, styles, "styles")
        if styles is not None:
            for number_format in styles.iter(f"{_MAIN}numFmt"):
                formats[int(number_format.get("numFmtId", "-1"))] = number_format.get(
                    "formatCode", ""
                )
            cell_formats = styles.find(f"{_MAIN}cellXfs")
            for xf in [] if cell_formats is None else cell_formats.iter(f"{_MAIN}xf"):
                code = formats.get(int(xf.get("numFmtId", "0")), "General")
                self.dates.append(is_date_format(code))
        properties = workbook.find(f"{_MAIN}workbookPr")
        in_1904 = properties is not None and properties.get("date1904") in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if in_1904 else CALENDAR_WINDOWS_1900

    def _shared_strings(self, package: Package, part: str | None) -> Iterator[str]:
        if part is None or not package.has(part):
            return
        first = True
        for item in package.elements(part, (f"{_MAIN}si",)):
            if first:
                _no_doctype(package, item, part)
                first = False
            yield _text(item)
            item.getparent().remove(item)

    def text(self, cell: Element, reference: str) -> str:
        kind = cell.get("t", "n")
        value = cell.find(f"{_MAIN}v")
        saved = None if value is None else value.text
        if cell.find(f"{_MAIN}f") is not None and not saved and kind != "str":
            raise InputError(
                self.path,
                f"{self.where}cell {reference} holds a formula with no saved value",
                hint="Open the workbook in Excel or LibreOffice and save it, or paste the "
                "values over the formulas",
            )
        if kind == "inlineStr":
            inline = cell.find(f"{_MAIN}is")
            return "" if inline is None else _text(inline)
        if saved is None:
            return ""
        try:
            if kind == "s":
                return self.strings[int(saved)]
            if kind == "b":
                return "yes" if saved.strip() in ("1", "true") else "no"
            if kind == "n":
                return self._number(saved, int(cell.get("s", "0")))
        except (ValueError, IndexError):
            raise InputError(
                self.path, f"{self.where}cell {reference} is damaged ({kind} {saved[:20]!r})",
                hint=XLSX_HINT,
            ) from None  # fmt: skip
        return _unescape(saved)  # "str", "e" (#N/A), "d" (an ISO date)

    def _number(self, saved: str, style: int) -> str:
        number = float(saved) if any(c in saved for c in ".eE") else int(saved)
        if style < len(self.dates) and self.dates[style]:
            from openpyxl.utils.datetime import from_excel

            moment = from_excel(number, self.epoch)
            if isinstance(moment, dt.datetime):
                return moment.isoformat(sep=" ", timespec="minutes").removesuffix(" 00:00")
            return moment.isoformat(timespec="minutes")
        if isinstance(number, float) and number.is_integer():
            return str(int(number))
        return str(number)


def _text(element: Element) -> str:
    """The text of a string item (``<si>``, ``<is>``): its runs, phonetic guides left out."""
    parts = [t.text or "" for t in element.iter(f"{_MAIN}t") if t.getparent().tag != f"{_MAIN}rPh"]
    return _unescape("".join(parts))


def _unescape(text: str) -> str:
    if "_x" not in text:
        return text
    from openpyxl.utils.escape import unescape

    return unescape(text)


def _rows(
    package: Package, part: str, cells: _Cells, where: str
) -> tuple[list[tuple[int, list[str]]], list[tuple[str, int, int]]]:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    path = package.path
    rows: list[tuple[int, list[str]]] = []
    merged: list[tuple[str, int, int]] = []
    seen = slots = number = 0
    tags = (f"{_MAIN}row", f"{_MAIN}mergeCell")
    for element in package.elements(part, tags):
        if seen == 0:
            _no_doctype(package, element, part)
        if element.tag == f"{_MAIN}mergeCell":
            merged.append(_span(path, where, element.get("ref", "")))
            continue
        seen += 1
        if seen > MAX_ROWS:
            raise InputError(
                path, f"{where}has more than {MAX_ROWS:,} rows",
                hint="Delete the empty rows below the answers, or split the sheet",
            )  # fmt: skip
        number = _whole(element.get("r"), number + 1)
        found: dict[int, str] = {}
        column = 0
        for cell in element.iterchildren(f"{_MAIN}c"):
            reference = cell.get("r")
            if reference:
                try:
                    column = column_index_from_string(coordinate_from_string(reference)[0])
                except ValueError:
                    column = _MAX_COLUMN + 1
            else:
                column += 1
                reference = f"row {number}, column {column}"
            if column > _MAX_COLUMN:
                raise InputError(
                    path, f"{where}cell {reference} lies beyond Excel's last column",
                    line=number, hint=XLSX_HINT,
                )  # fmt: skip
            text = cells.text(cell, reference)
            if text:
                found[column] = text
        element.getparent().remove(element)
        if not found:
            continue
        width = max(found)
        slots += width
        if slots > MAX_CELLS:
            raise InputError(
                path, f"{where}holds more than {MAX_CELLS:,} cells (rows by columns)",
                line=number, hint="Delete what lies outside the answers, or split the sheet",
            )  # fmt: skip
        rows.append((number, [found.get(c, "") for c in range(1, width + 1)]))
    return rows, merged


def _span(path: Path, where: str, ref: str) -> tuple[str, int, int]:
    """A merged range with the rows it spans."""
    from openpyxl.utils.cell import range_boundaries

    try:
        _left, top, _right, bottom = range_boundaries(ref)
    except (ValueError, TypeError):
        raise InputError(
            path, f"{where}has a damaged merged range {ref[:20]!r}", hint=XLSX_HINT
        ) from None
    return ref, top or 1, bottom or 1_048_576  # "A:B", whole columns, spans every row


def _whole(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() else default
