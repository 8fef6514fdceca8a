"""The XLSX export: excerpts, a matrix per attribute and co-occurrence, one sheet each.

Written directly as SpreadsheetML. openpyxl's write-only mode costs about 6 µs a cell
here, 15-20 s for 100,000 excerpts; this writer does the same in a few seconds. Tests
read every file back with openpyxl.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import pandas as pd

from ..formulas import TRIGGERS
from ..quotes import cooccurrence
from .tabular import flat

_QUOTE = {'"': "&quot;"}
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STYLES = (
    f'<styleSheet xmlns="{_NS}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/>'
    '</font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2">'
    '<fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" '
    'quotePrefix="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


# Styles by index in _STYLES: plain, bold (headers), and each with the quote prefix that
# keeps text a spreadsheet would take for a formula as text (see qualcode.formulas).
_PREFIXED = {"": ' s="2"', ' s="1"': ' s="3"'}
_WIDE = {"text": 60, "context_before": 40, "context_after": 40, "reference": 40, "code": 28,
         "theme": 28, "code_path": 28}  # fmt: skip


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xml_text(value: str) -> str:
    if _XML_BAD.search(value):
        value = _XML_BAD.sub("", value)
    if len(value) > 32767:  # Excel's limit for a cell
        value = value[:32766] + "…"
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cells(values: list[Any], letter: str, first: int, style: str = "") -> list[str]:
    """One column's cells as SpreadsheetML, from row ``first`` down (nothing where missing).

    Every cell names its place (``r="B7"``): the format allows leaving it out, but not
    every reader copes.
    """
    made, texts = [], {}
    for number, value in enumerate(values, first):
        kind = type(value)
        if kind is str:
            text = texts.get(value)
            if text is None:
                text = _xml_text(value)
                if len(value) < 80:
                    texts[value] = text
            look = _PREFIXED[style] if value.startswith(TRIGGERS) else style
            made.append(f'<c r="{letter}{number}" t="inlineStr"{look}><is>'
                        f'<t xml:space="preserve">{text}</t></is></c>')  # fmt: skip
        elif kind is int or (kind is float and value == value and abs(value) != float("inf")):
            made.append(f'<c r="{letter}{number}"><v>{value!r}</v></c>')
        elif value is None or kind is float or value is pd.NA or value is pd.NaT:
            made.append("")
        elif kind is bool:
            made.append(f'<c r="{letter}{number}" t="b"><v>{int(value)}</v></c>')
        elif hasattr(value, "item"):  # numpy scalars
            made.extend(_cells([value.item()], letter, number, style))
        elif kind in (list, tuple):
            made.extend(_cells(["; ".join(map(str, value))], letter, number, style))
        else:
            made.extend(_cells([str(value)], letter, number, style))
    return made


class _Sheet:
    """One worksheet of a frame: bold header, frozen first row, filters, optional heat map."""

    def __init__(self, name: str, frame: pd.DataFrame, heat: str = "") -> None:
        self.name = re.sub(r"[\[\]:*?/\\]", "_", name)[:31]
        self.frame, self.heat = frame, heat

    def write(self, out: Any, chunk: int = 5000) -> None:
        columns = [str(c) for c in self.frame.columns]
        letters = [_column_letter(i) for i in range(len(columns))]
        widths = "".join(
            f'<col min="{i}" max="{i}" width="{_WIDE.get(c, 16)}" customWidth="1"/>'
            for i, c in enumerate(columns, 1)
        )
        out.write(
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_NS}">'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            f"{f'<cols>{widths}</cols>' if columns else ''}<sheetData>".encode()
        )
        header = [
            _cells([c], letter, 1, ' s="1"')[0] for c, letter in zip(columns, letters, strict=True)
        ]
        out.write(f'<row r="1">{"".join(header)}</row>'.encode())
        for top in range(0, len(self.frame), chunk):
            part = self.frame.iloc[top : top + chunk]
            cells = [
                _cells(part.iloc[:, i].tolist(), letters[i], top + 2) for i in range(len(columns))
            ]
            rows = zip(*cells, strict=True)
            out.write(
                "".join(
                    f'<row r="{n}">{"".join(row)}</row>' for n, row in enumerate(rows, top + 2)
                ).encode()
            )
        last = f"{letters[-1]}{len(self.frame) + 1}" if columns else "A1"
        tail = "</sheetData>"
        if columns:
            tail += f'<autoFilter ref="A1:{last}"/>'
        if self.heat and len(self.frame):
            tail += (
                f'<conditionalFormatting sqref="{self.heat}:{last}"><cfRule type="colorScale" '
                'priority="1"><colorScale><cfvo type="min"/><cfvo type="max"/>'
                '<color rgb="FFFFFFFF"/><color rgb="FF4E79A7"/></colorScale></cfRule>'
                "</conditionalFormatting>"
            )
        out.write((tail + "</worksheet>").encode())


def write_xlsx(sheets: list[_Sheet], path: Path) -> None:
    names = [sheet.name for sheet in sheets]
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxml'
            'formats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
            '"/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            f'spreadsheetml.styles+xml"/>{overrides}</Types>'
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
            + "".join(
                f'<sheet name="{xml_escape(n, _QUOTE)}" sheetId="{i}" r:id="rId{i}"/>'
                for i, n in enumerate(names, 1)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(sheets) + 1)
            )
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="{_REL}/styles" '
            'Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": _STYLES,
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, xml in parts.items():
            zf.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml)
        for i, sheet in enumerate(sheets, 1):
            with zf.open(f"xl/worksheets/sheet{i}.xml", "w") as out:
                sheet.write(out)


def xlsx_sheets(
    frame: pd.DataFrame, attributes: list[str], tables: Mapping[str, pd.DataFrame]
) -> list[_Sheet]:
    """``excerpts``, a ``code_by_<attribute>`` sheet per attribute counted (the counts
    every format shows: ``tables``), ``cooccurrence``."""
    sheets = [_Sheet("excerpts", flat(frame))]
    for attribute in attributes:
        table = tables[attribute].reset_index() if attribute in tables else None
        empty = pd.DataFrame(columns=["theme", "code"])
        sheets.append(_Sheet(f"code_by_{attribute}", empty if table is None else table, "C2"))
    matrix = cooccurrence(frame).reset_index() if len(frame) else pd.DataFrame(columns=["code"])
    sheets.append(_Sheet("cooccurrence", matrix, heat="B2"))
    return sheets
