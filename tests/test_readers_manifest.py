"""manifest.csv and speakers.csv: attributes for transcripts that cannot carry front matter."""

from __future__ import annotations

from pathlib import Path

import pytest
from readers_helpers import write_text

from qualcode.errors import InputError
from qualcode.readers.manifest import read_manifest, read_speakers


def test_manifest_gives_attributes_by_file_and_skips_empty_cells(tmp_path: Path) -> None:
    path = write_text(
        tmp_path,
        "manifest.csv",
        "file,area,method,date\n"
        "area-1-conversation.docx,Area 1,facilitated conversation,2021-07-20\n"
        "area-7-interview.vtt,Area 7,,\n",
    )

    assert read_manifest(path) == {
        "area-1-conversation.docx": {
            "area": "Area 1",
            "method": "facilitated conversation",
            "date": "2021-07-20",
        },
        "area-7-interview.vtt": {"area": "Area 7"},
    }


def test_manifest_saved_by_excel_with_bom_semicolons_and_crlf_is_read(tmp_path: Path) -> None:
    path = tmp_path / "manifest.csv"
    path.write_bytes("\ufeffFile;area\r\n.\\sub\\a.docx;Área 2\r\n\r\n".encode("utf-8"))

    assert read_manifest(path) == {"sub/a.docx": {"area": "Área 2"}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "name,area\na.docx,Area 1\n",
            ':1: no "file" column (the columns are: name, area). '
            'Name the column that holds the file names "file"; the others are attributes',
        ),
        ("file,,area\na.docx,x,y\n", ":1: column 2 has no name. Give every column a header"),
        (
            "file,area,area\na.docx,x,y\n",
            ':1: column "area" appears more than once. Give each column its own name',
        ),
        (
            "file,area\na.docx,Area 1\nb.docx,Area 2\na.docx,Area 3\n",
            ':4: "a.docx" is listed twice (first on line 2). Merge the two rows into one',
        ),
        (
            "file,area\na.docx,Area 1,extra\n",
            ":2: row has 3 cells but the header names 2 columns. Name the extra column in the "
            "first line, or put quotes around values that contain the separator",
        ),
        ("file,area\n,Area 1\n", ":2: row has no file name. Fill in the file column"),
    ],
)
def test_manifest_problems_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = write_text(tmp_path, "manifest.csv", text)

    with pytest.raises(InputError) as caught:
        read_manifest(path)

    assert str(caught.value) == f"{path}{message}"


def test_speakers_rows_apply_everywhere_unless_scoped_to_a_document(tmp_path: Path) -> None:
    path = write_text(
        tmp_path,
        "speakers.csv",
        "speaker,document,role,agency_type\n"
        "Jo,,partnership chair,community\n"
        "Jo,area-7.vtt,council officer,\n"
        "Priya Shah,area-7.vtt,,local authority\n",
    )

    table = read_speakers(path)

    assert table.attributes("Jo", "area-1.docx") == {
        "role": "partnership chair",
        "agency_type": "community",
    }
    assert table.attributes("JO", "area-7.vtt") == {
        "role": "council officer",
        "agency_type": "community",
    }
    assert table.attributes("Priya Shah", "area-7.vtt") == {"agency_type": "local authority"}
    assert table.attributes("Priya Shah", "area-1.docx") == {}


def test_speakers_without_a_document_column_hold_for_every_file(tmp_path: Path) -> None:
    path = write_text(tmp_path, "speakers.csv", "speaker,role\nFacilitator,researcher\n")

    assert read_speakers(path).attributes("facilitator", "any.md") == {"role": "researcher"}


def test_speakers_listed_twice_for_the_same_document_is_an_error(tmp_path: Path) -> None:
    path = write_text(tmp_path, "speakers.csv", "speaker,role\nJo,chair\njo,member\n")

    with pytest.raises(InputError, match=r'speakers\.csv:3: speaker "jo" is listed twice'):
        read_speakers(path)


def test_speakers_need_a_speaker_column(tmp_path: Path) -> None:
    path = write_text(tmp_path, "speakers.csv", "label,role\nJo,chair\n")

    with pytest.raises(
        InputError, match=r':1: no "speaker" column \(the columns are: label, role\)'
    ):
        read_speakers(path)


def test_speakers_columns_may_come_in_any_order(tmp_path: Path) -> None:
    path = write_text(tmp_path, "speakers.csv", "Document,role,Speaker\ntalk.vtt,headteacher,Sam\n")

    assert read_speakers(path).attributes("Sam", "talk.vtt") == {"role": "headteacher"}


def test_manifest_separator_comes_from_the_header_line(tmp_path: Path) -> None:
    path = write_text(tmp_path, "manifest.csv", "file,notes\na.docx,one; two; three\n")

    assert read_manifest(path) == {"a.docx": {"notes": "one; two; three"}}


@pytest.mark.parametrize("reader", [read_manifest, read_speakers])
@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "file is empty. Put a header line and rows in it, or remove it"),
        (b"PK\x03\x04" + b"\x00" * 40, "Save it from your spreadsheet as CSV (UTF-8)"),
    ],
)
def test_a_side_file_that_is_no_table_is_advised_as_a_table(
    tmp_path: Path, reader, content: bytes, said: str
) -> None:
    """An empty or binary speakers.csv is a table gone wrong, not a transcript."""
    path = tmp_path / "speakers.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        reader(path)
    assert said in str(caught.value)
    assert "transcript" not in str(caught.value)
