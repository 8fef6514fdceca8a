"""Workbooks read part by part with every size bounded: hostile .xlsx files (bombs, a huge
dimension, a flood of empty rows, deep or entity-declaring XML) get one line and leave the
database as it was; what Excel writes (shared strings, dates, booleans, saved formula
values) comes out as text."""

from __future__ import annotations

import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qualcode import import_files
from qualcode.errors import InputError
from qualcode.models import Document
from qualcode.readers.survey import SurveyOptions, read_survey
from qualcode.readers.xlsx import MAX_ROWS, read_sheet

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET = "xl/worksheets/sheet1.xml"
HEADER_ROW = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    '<c r="C1" t="s"><v>2</v></c></row>'
)
STRINGS = ["Respondent ID", "What worked well?", "Joined"]
ANSWER = "The council kept us informed and the chair listened to every one of us"


def answer_rows(count: int, first: int = 2) -> str:
    """Rows of an id, an inline open answer and a date (serial 44391: 2021-07-14)."""
    return "".join(
        f'<row r="{n}"><c r="A{n}"><v>{n - 1}</v></c>'
        f'<c r="B{n}" t="inlineStr"><is><t>{ANSWER} ({n})</t></is></c>'
        f'<c r="C{n}" s="1"><v>44391</v></c></row>'
        for n in range(first, first + count)
    )


def sheet_xml(rows: str, before: str = "", after: str = "", prolog: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}">{before}'
        f"<sheetData>{rows}</sheetData>{after}</worksheet>"
    )


def write_book(path: Path, sheet: str, *, stored: bool = False, strings=STRINGS) -> Path:
    """A workbook as Excel lays it out: workbook, relationships, shared strings, styles
    (style 1 a date format) and one sheet, "Responses". ``stored``: the sheet uncompressed."""
    shared = "".join(f"<si><t>{s}</t></si>" for s in strings)
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.'
        'openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
        '<sheet name="Responses" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org'
        f'/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/worksheet" '
        f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{REL}/sharedStrings" '
        f'Target="sharedStrings.xml"/><Relationship Id="rId3" Type="{REL}/styles" '
        'Target="styles.xml"/></Relationships>',
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">{shared}</sst>',
        "xl/styles.xml": f'<styleSheet xmlns="{MAIN}"><cellXfs><xf numFmtId="0"/>'
        '<xf numFmtId="14"/></cellXfs></styleSheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text)
        book.writestr(SHEET, sheet, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    return path


def refusal(path: Path) -> str:
    """The one line a bad workbook gets, read with memory and time watched."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(InputError) as caught:
            read_survey(path, SurveyOptions())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, f"{peak / 2**20:.0f} MiB taken to refuse it"
    assert time.perf_counter() - started < 30
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}:")
    return message.removeprefix(f"{path}:").removeprefix(" ")


def test_excel_cells_come_out_as_text(tmp_path):
    rows = answer_rows(3) + (
        '<row r="5"><c r="A5"><v>4</v></c><c r="B5" t="s"><v>1</v></c>'
        '<c r="C5" t="b"><v>1</v></c><c r="D5"><f>1+1</f><v>2</v></c>'
        '<c r="E5" t="e"><v>#N/A</v></c><c r="F5"><v>2.5</v></c></row>'
    )
    path = write_book(tmp_path / "book.xlsx", sheet_xml(HEADER_ROW + rows))

    sheet = read_sheet(path)

    assert sheet.title == "Responses" and sheet.merged == []
    assert sheet.rows[0] == (1, STRINGS)
    assert sheet.rows[1] == (2, ["1", f"{ANSWER} (2)", "2021-07-14"])
    assert sheet.rows[-1] == (5, ["4", "What worked well?", "yes", "2", "#N/A", "2.5"])


def test_a_huge_dimension_is_not_followed(tmp_path):
    """openpyxl pads every row to the dimension a sheet claims: 16,384 columns here."""
    dimension = '<dimension ref="A1:XFD1048576"/>'
    path = write_book(tmp_path / "wide.xlsx", sheet_xml(HEADER_ROW + answer_rows(50), dimension))

    tracemalloc.start()
    try:
        documents = read_survey(path, SurveyOptions())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert len(documents) == 50 and peak < 32 * 2**20
    assert documents[0].attributes["Joined"] == "2021-07-14"


def test_a_sheet_that_expands_a_thousandfold_is_refused_before_it_is_read(tmp_path):
    padding = " " * (40 * 2**20)  # 40 MiB of XML whitespace: deflates to about 40 KB
    path = write_book(tmp_path / "bomb.xlsx", sheet_xml(HEADER_ROW + answer_rows(3) + padding))

    message = refusal(path)

    assert message.startswith(f"refused, as it may be a zip bomb: its {SHEET} part would expand")
    assert message.endswith(
        "If you trust the file, open it in Excel or LibreOffice and save it again"
    )


def test_a_sheet_declared_bigger_than_the_limit_is_refused_from_the_zip_directory(tmp_path):
    path = write_book(tmp_path / "big.xlsx", sheet_xml(HEADER_ROW + answer_rows(3)))
    data = bytearray(path.read_bytes())
    entry = _central_entry(data, SHEET)
    data[entry + 24 : entry + 28] = (3 * 2**30).to_bytes(4, "little")  # claims 3 GiB
    path.write_bytes(bytes(data))

    message = refusal(path)

    assert message.startswith(
        f"refused, as it may be a zip bomb: its {SHEET} part would expand to 3,072 MiB"
    )


def _central_entry(data: bytearray, name: str) -> int:
    """Offset of ``name``'s header in the zip's central directory."""
    at = data.index(b"PK\x01\x02")
    while (
        data[at + 46 : at + 46 + int.from_bytes(data[at + 28 : at + 30], "little")] != name.encode()
    ):
        at = data.index(b"PK\x01\x02", at + 1)
    return at


def test_a_flood_of_empty_rows_is_cut_short(tmp_path):
    empty = "".join(f'<row r="{n}"/>' for n in range(5, 5 + MAX_ROWS))
    path = write_book(
        tmp_path / "flood.xlsx", sheet_xml(HEADER_ROW + answer_rows(3) + empty), stored=True
    )

    assert refusal(path) == (
        f'sheet "Responses": has more than {MAX_ROWS:,} rows. Delete the empty rows below the '
        "answers, or split the sheet"
    )


def test_empty_rows_below_the_answers_cost_nothing(tmp_path):
    empty = "".join(f'<row r="{n}"><c r="A{n}" s="1"/></row>' for n in range(53, 20_000))
    path = write_book(tmp_path / "tail.xlsx", sheet_xml(HEADER_ROW + answer_rows(50) + empty))

    assert len(read_survey(path, SurveyOptions())) == 50


def test_deeply_nested_xml_is_refused(tmp_path):
    deep = '<row r="2"><c r="A2"><v>1</v></c>' + "<x>" * 5000 + "</x>" * 5000 + "</row>"
    path = write_book(tmp_path / "deep.xlsx", sheet_xml(HEADER_ROW + deep))

    assert refusal(path).startswith(
        f"cannot be read as an Excel workbook (.xlsx): its {SHEET} part is not valid XML"
    )


@pytest.mark.parametrize(
    "entities",
    [
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">',  # a billion laughs, shortened
        '<!ENTITY c SYSTEM "file:///etc/passwd">',  # an external entity
    ],
)
def test_xml_declaring_entities_is_refused(tmp_path, entities):
    row = '<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>&c;</t></is></c></row>'
    prolog = f"<!DOCTYPE worksheet [{entities}]>"
    path = write_book(tmp_path / "entities.xlsx", sheet_xml(HEADER_ROW + row, prolog=prolog))

    assert refusal(path) == (
        f"refused: its {SHEET} part declares a DOCTYPE (entities), which a spreadsheet never "
        "does. Open it in Excel or LibreOffice and save it again as .xlsx"
    )


def test_a_cell_beyond_the_last_column_is_refused(tmp_path):
    far = f'<c r="ZZZ2" t="inlineStr"><is><t>{ANSWER}</t></is></c>'
    row = f'<row r="2"><c r="A2"><v>1</v></c>{far}</row>'
    path = write_book(tmp_path / "far.xlsx", sheet_xml(HEADER_ROW + row))

    assert refusal(path).startswith('2: sheet "Responses": cell ZZZ2 lies beyond Excel')


def test_hostile_workbooks_leave_the_database_as_it_was(project, tmp_path):
    good = write_book(tmp_path / "good.xlsx", sheet_xml(HEADER_ROW + answer_rows(5)))
    import_files(project, [good], survey=SurveyOptions())
    with project.sessionmaker() as session:
        before = session.scalar(select(func.count()).select_from(Document))
    padding = " " * (8 * 2**20)
    bomb = write_book(tmp_path / "bomb.xlsx", sheet_xml(HEADER_ROW + answer_rows(3) + padding))
    empty = "".join(f'<row r="{n}"/>' for n in range(5, 5 + MAX_ROWS))
    flood = write_book(tmp_path / "flood.xlsx", sheet_xml(HEADER_ROW + empty), stored=True)

    report = import_files(project, [bomb, flood], survey=SurveyOptions())

    assert [r.status for r in report.results] == ["failed", "failed"]
    with project.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == before == 5


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("B1:C1", 'sheet "Responses": header cells B1:C1 are merged. Unmerge them so that each '
         "column has its own question in row 1"),
        ("B:B", 'sheet "Responses": header cells B:B are merged. Unmerge them so that each '
         "column has its own question in row 1"),
        ("nonsense", "sheet \"Responses\": has a damaged merged range 'nonsense'. Open it in "
         "Excel or LibreOffice and save it again as .xlsx"),
    ],
)  # fmt: skip
def test_merged_header_cells_and_damaged_ranges_get_one_line(tmp_path, ref, message):
    after = f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'
    path = write_book(tmp_path / "merged.xlsx", sheet_xml(HEADER_ROW + answer_rows(5), after=after))

    assert refusal(path) == message


def test_a_huge_csv_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("Respondent ID,What worked well?\n1,Everything\n")
    with path.open("r+b") as file:
        file.truncate(3 * 2**30)  # 3 GiB, sparse: nothing written to the disk

    assert refusal(path) == (
        "is 3,072 MiB; qualcode reads survey sheets of at most 128 MiB. Split it into several "
        "files, or keep only the columns to analyse"
    )
