"""Survey sheets: a document per respondent or per question, closed answers as attributes,
multiple choices split, bad sheets refused in one line with the database left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from readers_helpers import check_turns
from sqlalchemy import func, select
from survey_sheets import HEADER, SUPPORT, survey_rows, write_csv, write_xlsx

from qualcode import import_files, queries
from qualcode.cli import cli
from qualcode.errors import InputError
from qualcode.models import Document, Segment, Speaker
from qualcode.readers.survey import SurveyOptions, read_survey

OPEN = ["What worked well in the partnership?", "What would you change?"]


def answered(row: list[object]) -> list[tuple[str, str]]:
    return [(q, str(row[HEADER.index(q)])) for q in OPEN if row[HEADER.index(q)]]


@pytest.mark.parametrize("writer", [write_xlsx, write_csv])
def test_survey_by_respondent_open_answers_are_turns_under_their_question(tmp_path, writer):
    rows = survey_rows(300)
    path = writer(tmp_path / f"reps{'.xlsx' if writer is write_xlsx else '.csv'}", rows)

    documents = read_survey(path, SurveyOptions())

    with_answers = [row for row in rows if answered(row)]
    assert len(documents) == len(with_answers) < len(rows)
    assert documents[0].notes == [f"{len(rows) - len(with_answers)} respondent(s) answered no "
                                  "open question: no document"]  # fmt: skip
    for document, row in zip(documents, with_answers, strict=True):
        check_turns(document)
        rid = str(row[0])
        assert document.path.name == f"{path.stem}-{rid}{path.suffix}"
        said = [(t.kind, t.speaker, document.text[t.start : t.end]) for t in document.turns]
        expected = [("heading", None, f"Respondent {rid}")]
        for question, answer in answered(row):
            expected += [("heading", None, question), ("speech", rid, answer)]
        assert said == expected
        chosen = str(row[3]).split(", ")
        assert document.origin == path
        place = (document.attributes["survey"], document.attributes["row"])
        assert place == (path.name, rows.index(row) + 2)
        assert document.attributes.get("sheet") == ("Responses" if writer is write_xlsx else None)
        assert document.attributes["Region"] == row[1]
        assert document.attributes["Satisfaction (1-5)"] == str(row[6])
        assert document.attributes["Which support did you use?"] == "; ".join(chosen)
        for option in SUPPORT:
            value = "yes" if option in chosen else "no"
            assert document.attributes[f"Which support did you use?: {option}"] == value


def test_survey_by_question_gives_each_respondent_a_labelled_turn(tmp_path):
    rows = survey_rows(120)
    path = write_xlsx(tmp_path / "reps.xlsx", rows)

    documents = read_survey(path, SurveyOptions(by="question"))

    assert [d.path.name for d in documents] == ["reps-Q5.xlsx", "reps-Q6.xlsx"]
    for document, question in zip(documents, OPEN, strict=True):
        check_turns(document)
        assert document.attributes == {
            "question": question, "survey": "reps.xlsx", "sheet": "Responses"
        }
        assert document.origin == path
        column = HEADER.index(question)
        expected = [("heading", None, question)] + [
            ("speech", row[0], row[column]) for row in rows if row[column]
        ]
        got = [(t.kind, t.speaker, document.text[t.start : t.end]) for t in document.turns]
        assert got == expected
        first = next(row for row in rows if row[column])
        assert document.text.count(f"{first[0]}: ") == 1
        assert document.speakers[first[0]]["Role"] == first[2]


def test_survey_import_attributes_work_in_queries_and_cli(project, tmp_path, runner):
    rows = survey_rows(40)
    path = write_xlsx(tmp_path / "reps.xlsx", rows)

    result = runner.invoke(cli, ["--project", str(project.root), "import", str(path), "--survey"])

    assert result.exit_code == 0, result.output
    with project.sessionmaker() as session:
        documents = session.scalars(select(Document)).all()
        assert len(documents) == sum(1 for row in rows if answered(row))
        assert all(d.format == "xlsx" for d in documents)
        for start, end, text in session.execute(
            select(Segment.start, Segment.end, Document.text).join(Document)
        ):
            assert text[start:end].strip() == text[start:end] != ""
        assert session.scalar(select(func.count()).select_from(Speaker)) == len(documents)
    frame = queries.documents(project)
    assert set(frame["Region"].dropna()) <= {"North", "South", "Wales", "Northern Ireland"}

    again = runner.invoke(cli, ["--project", str(project.root), "import", str(path), "--survey"])
    assert again.exit_code == 0 and f"{len(documents)} skipped" in again.output


def test_survey_without_the_flag_says_to_use_it(project, tmp_path):
    path = write_xlsx(tmp_path / "reps.xlsx", survey_rows(5))

    report = import_files(project, [path])

    assert report.failed[0].message == (
        f'{path}: qualcode cannot read file type ".xlsx". '
        "If it holds survey answers, import it with --survey; else convert it"
    )


def _error(path, options: SurveyOptions | None = None) -> str:
    with pytest.raises(InputError) as caught:
        read_survey(path, options or SurveyOptions())
    message = str(caught.value)
    assert "\n" not in message
    return message.removeprefix(str(path))


def test_survey_bad_sheets_get_one_line(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Responses"
    book.save(tmp_path / "empty.xlsx")
    assert _error(tmp_path / "empty.xlsx") == (
        ': sheet "Responses": is empty. Put the survey\'s answers in it'
    )

    merged = write_xlsx(tmp_path / "merged.xlsx", survey_rows(5))
    book = openpyxl.load_workbook(merged)
    book.active.merge_cells("E1:F1")
    book.save(merged)
    assert _error(merged) == (
        ': sheet "Responses": header cells E1:F1 are merged. Unmerge them so that each column '
        "has its own question in row 1"
    )

    formula = write_xlsx(tmp_path / "formula.xlsx", survey_rows(5))
    book = openpyxl.load_workbook(formula)
    book.active["G3"] = "=G2+1"
    book.save(formula)
    assert _error(formula).startswith(': sheet "Responses": cell G3 holds a formula with no saved')

    assert _error(formula, SurveyOptions(sheet="Answers")) == (
        ': has no sheet "Answers". Its sheets: Responses'
    )

    twice = write_csv(tmp_path / "twice.csv", survey_rows(5) + survey_rows(1))
    assert _error(twice) == (
        ':7: respondent "R0001" appears twice (first in row 2). Give each respondent their own id'
    )

    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not really a workbook")
    assert _error(damaged).startswith(": cannot be read as an Excel workbook (.xlsx)")

    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert _error(locked) == (
        ": is password-protected (encrypted), or an old Excel .xls file. Open it in Excel or "
        "LibreOffice and save it as .xlsx without a password"
    )


def test_survey_bad_sheet_leaves_the_database_as_it_was(project, tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", survey_rows(10))
    import_files(project, [good], survey=SurveyOptions())
    with project.sessionmaker() as session:
        before = session.scalar(select(func.count()).select_from(Segment))
    bad = write_csv(tmp_path / "bad.csv", survey_rows(5) + survey_rows(1))

    report = import_files(project, [bad], survey=SurveyOptions())

    assert [r.status for r in report.results] == ["failed"]
    with project.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Segment)) == before


def test_survey_closed_answers_filter_quotes_both_ways(project, tmp_path):
    from qualcode import coded_quotes, load_codebook, sync_codebook
    from qualcode.coding import code_segment

    rows = survey_rows(30)
    path = write_xlsx(tmp_path / "reps.xlsx", rows)
    import_files(project, [path], survey=SurveyOptions())
    import_files(project, [path], survey=SurveyOptions(by="question"))
    with project.transaction() as session:
        sync_codebook(session, load_codebook(Path(__file__).parents[1] / "codebook.yaml"))
        for document in session.scalars(select(Document)):
            code_segment(session, document, 1, "Independent funding", "ana")

    wales = coded_quotes(project, where={"Region": "Wales"})
    per_question = wales["document"].str.contains("-Q")
    assert per_question.any() and (~per_question).any()  # document and speaker attributes
    assert set(wales["Region"]) == {"Wales"}
    expected = {r[0] for r in rows if r[1] == "Wales" and answered(r)}
    assert set(wales[~per_question]["speaker"]) == expected


def test_survey_documents_keep_their_sheet_through_replace_and_another_format(
    project, tmp_path, runner
):
    rows = survey_rows(20)
    for number, row in enumerate(rows, start=1):
        row[0] = number  # ids as many survey tools give them: bare numbers
    rows[1][4:6] = rows[0][4:6] = ["Nothing to add.", "Nothing to add."]  # the same answers
    path = write_xlsx(tmp_path / "reps.xlsx", rows)

    def run(*args: str):
        return runner.invoke(cli, ["--project", str(project.root), "import", *args, "--survey"])

    first = run(str(path))

    assert first.exit_code == 0, first.output
    with project.sessionmaker() as session:
        documents = {d.name: d for d in session.scalars(select(Document))}
    assert len(documents) == sum(1 for row in rows if answered(row))  # both "Nothing to add."
    for number, row in enumerate(rows, start=2):
        if answered(row):
            document = documents[f"reps-{row[0]}.xlsx"]
            assert document.source_path == str(path)
            assert document.attributes["row"] == number
            assert document.attributes["sheet"] == "Responses"

    rows[4][5] = "We would meet the council every month instead."
    write_xlsx(path, rows)
    refused = run(str(path))
    assert refused.exit_code == 1
    assert f"{path}: changed since it was imported as 'reps-5.xlsx'; use --replace" in (
        refused.output
    )
    replaced = run(str(path), "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert f"replaced: {path} (reps-5.xlsx: replaced;" in replaced.output
    with project.sessionmaker() as session:
        document = session.scalars(select(Document).where(Document.name == "reps-5.xlsx")).one()
        assert document.source_path == str(path)
        assert "every month instead" in document.text
        assert session.scalar(select(func.count()).select_from(Document)) == len(documents)

    copy = write_csv(tmp_path / "reps.csv", rows)
    again = run(str(copy))
    assert again.exit_code == 0, again.output
    assert f"{len(documents)} skipped" in again.output
    with project.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == len(documents)
