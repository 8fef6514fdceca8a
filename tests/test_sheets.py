"""Codings through spreadsheets: round trip, row-numbered errors, quotes from Taguette."""

from __future__ import annotations

import csv
import os

import pytest
from helpers import write
from hostile import dump, one_error, run, run_limited
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from qualcode import InputError, queries
from qualcode.cli import cli
from qualcode.coding import apply_coding, code_segment
from qualcode.models import Coding
from qualcode.sheets import SHEET_HINT, export_codings, find_quote, import_codings

DOC = "area-1-mapping-workshop.md"


def coded(project):
    with project.transaction() as session:
        code_segment(session, DOC, 3, "Trust", "ana", memo="first")
        code_segment(session, DOC, 4, "Speaking the language", "ben")
        code_segment(session, "area-2-interview-council-officer.txt", 2, "Respect", "ana")
    return queries.codings(project)


def comparable(frame):
    return frame[["document", "start", "end", "code", "coder", "memo", "text"]].values.tolist()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_into_a_fresh_project_round_trips(example_project, tmp_path, suffix):
    before = coded(example_project)
    sheet = tmp_path / f"codings{suffix}"
    assert export_codings(example_project, sheet) == 3
    with example_project.transaction() as session:
        for coding in session.scalars(select(Coding)):
            session.delete(coding)
    report = import_codings(example_project, sheet)
    assert (report.added, report.unchanged, report.unplaced) == (3, 0, [])
    assert comparable(queries.codings(example_project)) == comparable(before)
    again = import_codings(example_project, sheet)
    assert (again.added, again.unchanged) == (0, 3)


def test_bad_rows_are_all_listed_and_nothing_is_written(example_project, tmp_path):
    sheet = write(
        tmp_path / "bad.csv",
        "document,start,end,code,coder\n"
        f"{DOC},0,20,Trust,ana\n"
        "nowhere.md,0,5,Trust,ana\n"
        f"{DOC},0,20,No such code,ana\n"
        f"{DOC},10,999999,Trust,ana\n"
        f"{DOC},0,20,Trust,\n",
    )
    with pytest.raises(InputError) as caught:
        import_codings(example_project, sheet)
    message = str(caught.value)
    assert message.startswith(f"{sheet}: 4 bad row(s), nothing imported:\n  line 3: no document")
    assert "\n  line 4: no code 'No such code'" in message
    assert "\n  line 5: offsets 10-999999 are outside" in message
    assert "\n  line 6: no coder: fill the coder column or pass --coder" in message
    assert queries.codings(example_project).empty


def test_a_missing_placement_column_is_refused_with_the_header_line(example_project, tmp_path):
    sheet = write(tmp_path / "bad.csv", "document,code\nx,y\n")
    with pytest.raises(InputError, match=r"bad.csv:1: the header has no start and end, or segment"):
        import_codings(example_project, sheet)


def test_taguette_highlights_are_found_by_their_text(example_project, tmp_path):
    text = queries.segments(example_project, DOC).text
    quote = text.iloc[5]
    messy = "  " + quote.replace(" ", "\n   ", 2) + " "
    sheet = tmp_path / "taguette.csv"
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "document", "tag", "content"])
        out.writerow([1, DOC, "trust", messy])
        out.writerow([2, DOC, "respect", "Words nobody ever said in this workshop."])
    report = import_codings(example_project, sheet, coder="ben")
    assert report.added == 1
    assert report.unplaced == [
        f"line 3: quote not found in '{DOC}': 'Words nobody ever said in this workshop.'"
    ]
    frame = queries.codings(example_project)
    assert frame.text.tolist() == [quote] and frame.coder.tolist() == ["ben"]


def test_a_quote_found_twice_is_not_guessed():
    assert find_quote("we met. We met again. we met.", "we  met.") == [(0, 7), (22, 29)]
    assert find_quote("one\n\ntwo three", "one two") == [(0, 8)]


def test_xlsx_with_segment_numbers_imports(example_project, tmp_path):
    book = Workbook()
    book.active.append(["Document", "Segment", "Code", "Coder", "Memo"])
    book.active.append([DOC, 6, "Seeing results", "ana", "clear case"])
    book.save(tmp_path / "sheet.xlsx")
    import_codings(example_project, tmp_path / "sheet.xlsx")
    frame = queries.codings(example_project)
    assert frame[["segment", "code", "memo"]].values.tolist() == [
        [6, "Seeing results", "clear case"]
    ]


def test_cli_import_lists_unplaced_quotes_and_exits_1(runner, example_project, tmp_path):
    sheet = write(tmp_path / "q.csv", f"document,code,quote\n{DOC},Trust,Not in the text at all.\n")
    result = runner.invoke(
        cli,
        ["--project", str(example_project.root), "codings", "import", str(sheet), "--coder", "ana"],
    )
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"not placed: line 2: quote not found in '{DOC}': 'Not in the text at all.'",
        "0 added, 0 already there, 1 quote(s) not placed",
    ]


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_quotes_with_quotation_marks_survive_csv_quoting(example_project, tmp_path, delimiter):
    segments = queries.segments(example_project, "area-6-interview-headteacher.txt")
    quote = next(t for t in segments.text if '"' in t)
    sheet = tmp_path / "quoted.csv"
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, delimiter=delimiter)
        out.writerow(["document", "code", "coder", "quote"])
        out.writerow(["area-6-interview-headteacher.txt", "Common language", "ana", quote])
    assert import_codings(example_project, sheet).added == 1
    assert queries.codings(example_project).text.tolist() == [quote]


def import_cli(project, sheet, *args):
    """``qualcode --as ana codings import SHEET``: ana imports her own codings."""
    return run(project.root, "--as", "ana", "codings", "import", sheet, *args)


def test_cli_imports_a_field_longer_than_the_csv_module_allows(example_project, tmp_path):
    memo = "A long memo. " * 11_000  # 143,000 characters: past csv's 131,072 by default
    with (tmp_path / "long.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(
            [
                ["document", "start", "end", "code", "coder", "memo"],
                [DOC, 0, 20, "Trust", "ana", memo],
            ]
        )
    result = import_cli(example_project, tmp_path / "long.csv")
    assert result.exit_code == 0, result.output
    assert queries.codings(example_project).memo.tolist() == [memo.strip()]


@pytest.mark.parametrize("offset", ["1.5", "20.000001", "inf", "1e400", "nan", "twenty"])
def test_cli_refuses_offsets_that_are_not_whole_numbers(example_project, tmp_path, offset):
    sheet = write(
        tmp_path / "offsets.csv",
        f"document,start,end,code,coder\n{DOC},0,20,Trust,ana\n{DOC},0,{offset},Respect,ana\n",
    )
    before = dump(example_project.root / "qualcode.db")
    line = one_error(import_cli(example_project, sheet).output)
    assert line == (
        f"Error: {sheet}: 1 bad row(s), nothing imported: "
        f"line 3: end '{offset}' is not a whole number"
    )
    assert dump(example_project.root / "qualcode.db") == before


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "file is empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "file looks binary (a PNG image), not text"),
        (b"document,start\x00,end\n" * 10, "file looks binary (it contains NUL bytes), not text"),
    ],
    ids=["empty", "png", "nul"],
)
def test_cli_says_a_bad_codings_file_is_a_codings_file(example_project, tmp_path, content, problem):
    sheet = tmp_path / "codings.csv"
    sheet.write_bytes(content)
    line = one_error(import_cli(example_project, sheet).output)
    assert line == f"Error: {sheet}: {problem}. {SHEET_HINT}"
    assert "transcript" not in line


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_cli_refuses_a_named_pipe_instead_of_waiting_on_it(example_project, tmp_path):
    os.mkfifo(tmp_path / "codings.csv")
    result = run_limited(
        example_project.root, "codings", "import", tmp_path / "codings.csv", timeout=120
    )
    assert result.returncode == 1, result.stderr
    assert one_error(result.stderr) == (
        f"Error: {tmp_path / 'codings.csv'}: is a named pipe (FIFO), not a file. "
        "qualcode reads ordinary files only: save it as one"
    )


def test_codings_xlsx_reads_at_once(example_project, tmp_path):
    """Frozen bold header, filters, widths that fit, quotes and memos wrapped."""
    coded(example_project)
    segments = queries.segments(example_project, DOC)
    with example_project.transaction() as session:  # across two segments: no segment number
        start, end = int(segments.start.iloc[1]), int(segments.end.iloc[2])
        apply_coding(session, DOC, start, end, "Trust", "ben")
    frame = queries.codings(example_project)
    assert frame.segment.isna().any()
    sheet = tmp_path / "codings.xlsx"
    export_codings(example_project, sheet)
    codings_sheet = load_workbook(sheet)["codings"]
    assert codings_sheet.freeze_panes == "A2"
    header = [cell.value for cell in codings_sheet[1]]
    assert codings_sheet.auto_filter.ref == f"A1:{get_column_letter(len(header))}{len(frame) + 1}"
    assert all(cell.font.b for cell in codings_sheet[1])
    widths = {name: codings_sheet.column_dimensions[get_column_letter(i)].width
              for i, name in enumerate(header, 1)}  # fmt: skip
    assert widths["document"] >= len(DOC) and widths["start"] < widths["document"]
    quote = header.index("quote") + 1
    assert widths["quote"] > widths["document"]
    assert all(row[quote - 1].alignment.wrap_text for row in codings_sheet.iter_rows(min_row=2))
