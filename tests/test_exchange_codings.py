"""Codings from JSON: offsets, or a quote with text around it; code labels matched by name,
slug, or with `_`/`-`/case differences; every problem of a file reported at once."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from qualcode import queries
from qualcode.cli import cli
from qualcode.errors import InputError
from qualcode.models import Code, Coding, Document
from qualcode.sheets import import_codings

DOC = "area-1-mapping-workshop.md"


def write_json(tmp_path, records) -> str:
    path = tmp_path / "codings.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def text_of(project) -> str:
    with project.sessionmaker() as session:
        return session.scalars(select(Document.text).where(Document.name == DOC)).one()


def repeated_phrase(text: str) -> tuple[str, int, int]:
    """A phrase of two words that stands at least twice, and its first two places."""
    for match in re.finditer(r"\b[a-z]{4,} [a-z]{4,}\b", text):
        places = [m.start() for m in re.finditer(re.escape(match[0]), text)]
        if len(places) >= 2:
            return match[0], places[0], places[1]
    raise AssertionError("no repeated phrase")


def test_json_codings_by_offsets_and_by_quote_with_context(example_project, tmp_path):
    text = text_of(example_project)
    phrase, first, second = repeated_phrase(text)
    before = text[second - 30 : second]
    path = write_json(
        tmp_path,
        {
            "codings": [
                {
                    "document": DOC,
                    "code": "speaking_the_language",
                    "coder": "ana",
                    "start": 0,
                    "end": 40,
                },
                {"document": DOC, "tag": "TRUST", "user": "ana", "text": phrase, "before": before},
                {
                    "Document": DOC,
                    "Code": "Understanding-the-system",
                    "Coder": "ben",
                    "quote": phrase,
                    "context": text[first - 20 : first + len(phrase) + 20],
                    "memo": "from a script",
                },
            ]
        },
    )
    report = import_codings(example_project, path)
    assert (report.added, report.unplaced) == (3, [])
    with example_project.sessionmaker() as session:
        rows = session.execute(
            select(Code.name, Coding.start, Coding.end, Coding.memo).join(Code)
        ).all()
    placed = {name: (start, end, memo) for name, start, end, memo in rows}
    assert placed["Trust"][:2] == (second, second + len(phrase))
    assert placed["Understanding the system"] == (first, first + len(phrase), "from a script")
    assert "Speaking the language" in placed


def test_a_quote_found_twice_without_context_is_listed_not_guessed(example_project, tmp_path):
    phrase, _first, _second = repeated_phrase(text_of(example_project))
    path = write_json(
        tmp_path, [{"document": DOC, "code": "Trust", "coder": "ana", "quote": phrase}]
    )
    report = import_codings(example_project, path)
    assert report.added == 0 and report.unplaced and "record 1" in report.unplaced[0]


def test_every_problem_of_a_json_file_is_reported_at_once(example_project, tmp_path):
    path = write_json(
        tmp_path,
        [
            {"document": DOC, "code": "Trust", "coder": "ana", "start": 0, "end": 10},
            "not an object",
            {"document": DOC, "coder": "ana", "start": 0, "end": 10},
            {"document": DOC, "code": "No such code", "coder": "ana", "start": 0, "end": 10},
            {"document": DOC, "code": "Trust", "coder": "ana", "start": 5, "end": 10**7},
            {"document": "nowhere.md", "code": "Trust", "coder": "ana", "start": 0, "end": 5},
        ],
    )
    with pytest.raises(InputError) as raised:
        import_codings(example_project, path)
    message = str(raised.value)
    assert "5 bad row(s), nothing imported" in message
    for number in (2, 3, 4, 5, 6):
        assert f"record {number}:" in message
    assert "record 1:" not in message
    with example_project.sessionmaker() as session:
        assert session.scalars(select(Coding)).all() == []


@pytest.mark.parametrize(
    ("content", "says"), [("{not json", "not valid JSON"), ('{"rows": 1}', "expected a list")]
)
def test_a_json_file_that_is_no_codings_list_gets_one_line(
    example_project, runner, tmp_path, content, says
):
    path = tmp_path / "codings.json"
    path.write_text(content)
    result = runner.invoke(
        cli, ["--project", str(example_project.root), "codings", "import", str(path)]
    )
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and says in result.output


def test_every_bad_row_of_a_long_file_is_shown_grouped_and_written_with_problems(
    example_project, runner, tmp_path
):
    rows = ["document,start,end,code,coder"]
    rows += [f"{DOC},{i},{i + 5},Trust,ana" for i in range(0, 100, 10)]
    rows += [f"{DOC},{i},{i + 5},Nothing like it,ana" for i in range(30)]  # lines 12-41
    rows += [f"{DOC},{i},{i + 5},Trust," for i in range(5)]  # lines 42-46
    path = tmp_path / "long.csv"
    path.write_text("\n".join(rows) + "\n")
    out = tmp_path / "problems.csv"
    result = runner.invoke(
        cli,
        ["--project", str(example_project.root), "codings", "import", str(path),
         "--problems", str(out)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "35 bad row(s), nothing imported" in result.output
    lines = ", ".join(str(n) for n in range(12, 42))
    assert f"lines {lines} (30): no code 'Nothing like it'" in result.output
    assert "lines 42, 43, 44, 45, 46 (5): no coder" in result.output
    assert "35 problem(s) written to" in result.output
    written = out.read_text().splitlines()
    assert written[0] == "where,problem" and len(written) == 36
    assert written[1].startswith("line 12,") and written[-1].startswith("line 46,no coder")
    with example_project.sessionmaker() as session:
        assert session.scalars(select(Coding)).all() == []


def test_a_file_is_checked_as_single_codings_are_and_undone_as_one_change(
    example_project, runner, tmp_path
):
    text = text_of(example_project)
    segment = queries.segments(example_project, DOC).iloc[5]
    start, end = int(segment.start), int(segment.end)
    assert text[start - 1].isspace()
    path = tmp_path / "clash.csv"  # an exclusive theme: one of its codes per segment and coder
    path.write_text(
        "document,start,end,code,coder\n"
        f"{DOC},{start},{end},Powerful allies,ana\n"
        f"{DOC},{start},{end},Friends and acquaintances,ana\n"
        f"{DOC},{start - 1},{end},Trust,ana\n"  # a blank at an edge is trimmed off
    )
    with pytest.raises(InputError) as raised:
        import_codings(example_project, path)
    assert (
        "line 3: 'Friends and acquaintances' and 'Powerful allies' belong to an exclusive"
        in str(raised.value)
    )
    path.write_text(
        "\n".join(path.read_text().splitlines()[:2] + [path.read_text().splitlines()[3]])
    )
    report = import_codings(example_project, path)
    assert (report.added, report.unchanged) == (2, 0)
    with example_project.sessionmaker() as session:
        spans = {(c.start, c.end, c.quote) for c in session.scalars(select(Coding))}
    assert spans == {(start, end, text[start:end])}  # trimmed, with its anchor
    again = import_codings(example_project, path)
    assert (again.added, again.unchanged) == (0, 2)
    undo = runner.invoke(cli, ["--project", str(example_project.root), "undo", "--coder", "ana"])
    assert undo.exit_code == 0, undo.output
    with example_project.sessionmaker() as session:
        assert session.scalars(select(Coding)).all() == []
