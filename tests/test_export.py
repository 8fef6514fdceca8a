"""Exports: grouped coded excerpts as HTML, Markdown, DOCX, CSV and XLSX, from templates."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import docx
import jinja2.meta
import openpyxl
import pandas as pd
import pytest
from helpers import write
from test_quotes import PCN, code, code_examples, lead, passages

from qualcode import NotFound, QualcodeError, import_files
from qualcode.cli import cli
from qualcode.coding import apply_coding
from qualcode.export import (
    PACKAGED,
    Cell,
    Chip,
    Excerpt,
    ExportContext,
    Group,
    Matrix,
    MatrixRow,
    environment,
    render_export,
)
from qualcode.queries import find_document
from qualcode.quotes import QUOTE_COLUMNS, quotes

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def export(project, fmt, **options) -> str | Path:
    """Export one format into the project's exports/; the text for md and html."""
    (path,) = render_export(project, fmt, **options)
    return path.read_text(encoding="utf-8") if fmt in ("md", "html") else path


def headings(markdown: str) -> list[str]:
    """``## Theme (2)`` lines without their anchors."""
    return [re.sub(r"<a id=\"[^\"]*\"></a>", "", line) for line in markdown.splitlines()
            if re.match(r"#{2,6} <a id", line)]  # fmt: skip


def test_export_md_groups_by_theme_then_code_then_agency_type(example_project):
    text = export(code_examples(example_project), "md")
    assert headings(text) == [
        "## Factors that help or hinder relationships (3)",
        "### Speaking the language (1)",
        "#### Health agency (1)",
        "### Understanding the system (2)",
        "#### Community (1)",
        "#### Health agency (1)",
        "## Criteria of an effective relationship (2)",
        "### Mutual knowledge (1)",
        "#### Health agency (1)",
        "### Trust (1)",
        "#### Community (1)",
    ]
    assert '> *"The ICB is the body above us' in text
    assert 'services for the whole area."* (Health agency)\n>\n> — ' in text


def test_export_md_groups_by_two_attributes(example_project):
    text = export(code_examples(example_project), "md", by=("area", "method"))
    assert headings(text) == [
        "## Area 1 (1)", "### Workshop (1)",
        "## Area 3 (4)", "### Facilitated conversation (4)",
    ]  # fmt: skip
    assert "· Trust" in text  # without a code heading, each quote names its code


def test_export_by_attribute_then_theme(example_project):
    text = export(code_examples(example_project), "md", by=("agency_type", "theme"))
    assert headings(text)[:3] == [
        "## Community (2)",
        "### Factors that help or hinder relationships (1)",
        "#### Understanding the system (1)",
    ]


def test_export_unknown_grouping_says_what_may_stand_there(example_project):
    with pytest.raises(NotFound, match=r"cannot group by 'agency'.*choose from theme, code, "):
        export(code_examples(example_project), "md", by=("agency",))


def test_export_html_is_self_contained_with_contents_counts_and_heat_map(example_project):
    html = export(code_examples(example_project), "html")
    assert html.startswith("<!DOCTYPE html>")
    assert "<!-- Templates considered: *quotes.html (packaged)." in html
    assert (
        '<nav class="toc">' in html and 'href="#factors-that-help-or-hinder-relationships"' in html
    )
    assert "<h2>Themes by agency type</h2>" in html and "<h2>Codes by agency type</h2>" in html
    assert 'class="h hot" style="--s:100%">2</td>' in html  # the largest cell, darkest
    assert re.search(r"(src|href)=\"(https?:)?//", html) is None  # nothing from the internet
    assert "<script" not in html and "<link" not in html
    assert "<mark>The ICB is the body above us" in html
    assert "Memo:" not in html and "nan" not in re.sub(r"[A-Za-z]nan|nan[a-z]", "", html)
    assert 'Also coded: <span class="chip" style="--c:#4E79A7">Understanding the system' in html


def test_export_escapes_transcript_text(example_project, example_root):
    path = write(
        example_root / "more" / "area-9-notes.md",
        "---\nspeakers:\n  Kim: {role: chair, agency_type: community}\n---\n"
        "Kim: We said <script>alert('x')</script> & *meant* it.\n",
    )
    import_files(example_project, [path])
    code(example_project, "area-9-notes.md", "We said", "trust")
    html = export(example_project, "html")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; *meant* it." in html
    assert "<script" not in html
    markdown = export(example_project, "md")
    assert r"\<script\>alert('x')\</script\> & \*meant\* it." in markdown


def test_export_docx_has_headings_and_block_quotes(example_project):
    path = export(code_examples(example_project), "docx")
    paragraphs = [(p.style.name, p.text) for p in docx.Document(str(path)).paragraphs]
    assert paragraphs[0] == (
        "Title",
        "Coded excerpts: Big Local relationships with public agencies",
    )
    assert [text for style, text in paragraphs if style.startswith("Heading")][:3] == [
        "Factors that help or hinder relationships", "Speaking the language", "Health agency",
    ]  # fmt: skip
    styles = [style for style, _ in paragraphs]
    assert styles[styles.index("Heading 3") + 1] == "Intense Quote"
    quote = next(text for style, text in paragraphs if style == "Intense Quote")
    assert quote.startswith('"The ICB is the body above us') and quote.endswith('" (Health agency)')
    assert paragraphs[styles.index("Intense Quote") + 1][1].startswith(f"{PCN}, GP and primary")


def twips(value) -> float:
    return 0.0 if value is None else value.pt


def spacing(paragraph, side: str) -> float:
    """A paragraph's space before or after, in points: its own, else its style's, else
    the document default (python-docx's template: 10 pt after, none before)."""
    for source in (paragraph.paragraph_format, paragraph.style.paragraph_format):
        value = getattr(source, f"space_{side}")
        if value is not None:
            return value.pt
    return 10.0 if side == "after" else 0.0


def test_export_docx_keeps_each_quote_with_its_reference(coded_project):
    document = docx.Document(str(export(coded_project, "docx", code="trust")))
    paragraphs = document.paragraphs
    quotes_at = [i for i, p in enumerate(paragraphs) if p.style.name == "Intense Quote"]
    assert len(quotes_at) > 3
    for here, following in zip(quotes_at, quotes_at[1:], strict=False):
        quote, reference = paragraphs[here], paragraphs[here + 1]
        assert quote.paragraph_format.keep_with_next and quote.paragraph_format.keep_together
        assert reference.paragraph_format.keep_together
        # however a reader adds or collapses spacing, the reference sits nearer its quote
        own = spacing(quote, "after") + spacing(reference, "before")
        if following == here + 2:
            nxt = max(spacing(reference, "after"), spacing(paragraphs[following], "before"))
            assert own < nxt, (own, nxt)
        assert twips(reference.paragraph_format.left_indent) == twips(
            quote.style.paragraph_format.left_indent
        )


def test_export_docx_counts_table_breaks_no_word(coded_project):
    """The counts table printed "partners/hip": columns narrower than their words."""
    labels = {"community": "Big Local partnership"}
    document = docx.Document(str(export(coded_project, "docx", labels=labels)))
    table = document.tables[0]
    section = document.sections[0]
    room = (section.page_width - section.left_margin - section.right_margin) / 12700
    widths = [cell.width.pt for cell in table.rows[0].cells]
    assert sum(widths) <= room
    headings = [cell.text for cell in table.rows[0].cells]
    assert "Big Local partnership" in headings
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            size = cell.paragraphs[0].runs[0].font.size.pt
            longest = max((len(word) for word in cell.text.split()), default=0)
            if cell is not row.cells[0]:  # half an em a character, and Word's cell margins
                assert longest * size * 0.5 + 11.5 <= width, (cell.text, width)


def test_export_xlsx_has_excerpts_matrix_and_cooccurrence_sheets(example_project):
    path = export(code_examples(example_project), "xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["excerpts", "code_by_agency_type", "cooccurrence"]
    rows = list(book["excerpts"].values)
    assert list(rows[0][: len(QUOTE_COLUMNS)]) == QUOTE_COLUMNS and len(rows) == 6
    assert "agency_type" in rows[0] and rows[1][rows[0].index("start")] > 0
    assert list(book["code_by_agency_type"].values)[:2] == [
        ("theme", "code", "Community", "Health agency"),
        ("Factors that help or hinder relationships", "Speaking the language", 0, 1),
    ]
    cooccurrence = list(book["cooccurrence"].values)
    assert cooccurrence[0][:3] == ("code", "Speaking the language", "Understanding the system")
    assert cooccurrence[1][:3] == ("Speaking the language", 1, 1)


def markdown_table(text: str, title: str) -> dict[tuple[str, str], int]:
    """(row, column) -> count of the Markdown table under ``## title``."""
    lines = text.split(f"## {title}\n", 1)[1].strip().splitlines()
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    counts = {}
    for line in lines[2:]:
        if not line.startswith("|") or line.startswith("| **Total**"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        for column, cell in zip(header[1:-1], cells[1:-1], strict=True):
            counts[cells[0].replace("\\", ""), column] = int(cell or 0)
    return counts


def test_export_counts_are_the_same_in_every_format(coded_project):
    """HTML said "Independent funding 28" where the XLSX said 31, which also ignored --label."""
    labels = {"community": "Big Local partnership"}
    text = export(coded_project, "md", labels=labels)
    shown = markdown_table(text, "Codes by agency type")
    book = openpyxl.load_workbook(export(coded_project, "xlsx", labels=labels))
    rows = list(book["code_by_agency_type"].values)
    assert "Big Local partnership" in rows[0] and "community" not in rows[0]
    sheet = {(row[1], column): count for row in rows[1:]
             for column, count in zip(rows[0][2:], row[2:], strict=True)}  # fmt: skip
    assert sheet == shown and sum(sheet.values()) == len(list(book["excerpts"].values)) - 1
    csv_rows = pd.read_csv(export(coded_project, "csv", labels=labels))
    assert len(csv_rows) == sum(shown.values())


def test_export_tables_show_clock_times(coded_project):
    """The XLSX wrote 543.0 where the other formats said 00:09:03."""
    book = openpyxl.load_workbook(export(coded_project, "xlsx", code="trust"))
    rows = list(book["excerpts"].values)
    times = [row[rows[0].index("time")] for row in rows[1:]]
    assert any(times) and all(t is None or re.fullmatch(r"\d\d:\d\d:\d\d", t) for t in times)
    frame = pd.read_csv(export(coded_project, "csv", code="trust"), dtype=str)
    assert frame.time.dropna().str.fullmatch(r"\d\d:\d\d:\d\d").all()


def test_export_csv_is_the_quotes_frame(example_project):
    frame = pd.read_csv(export(code_examples(example_project), "csv"))
    assert list(frame.columns[: len(QUOTE_COLUMNS)]) == QUOTE_COLUMNS
    assert len(frame) == 5
    assert "Speaking the language; Understanding the system" in set(frame.codes)


def test_export_shows_a_passage_coded_alike_by_two_coders_once(example_project):
    project = code_examples(example_project)
    code(project, PCN, "do I go to Nadia", "understanding-the-system", "ben")
    text = export(project, "md", code="understanding-the-system")
    assert headings(text)[:2] == ["## Factors that help or hinder relationships (2)",
                                  "### Understanding the system (2)"]  # fmt: skip
    assert len(pd.read_csv(export(project, "csv", code="understanding-the-system"))) == 2
    apart = export(project, "csv", code="understanding-the-system", keep_coders_apart=True)
    assert len(pd.read_csv(apart)) == 3


def test_export_prints_a_passage_once_with_its_coders(example_project):
    project, text = passages(example_project)
    markdown = export(project, "md", code="understanding-the-system")
    assert headings(markdown)[1] == "### Understanding the system (3)"
    assert markdown.count("If I want to talk about loneliness") == 1
    assert "segment 19 · coded by ana, ben" in markdown
    rows = pd.read_csv(export(project, "csv", code="understanding-the-system"))
    assert rows.coder.tolist() == ["ben", "ana, ben", "ana"]
    html = export(project, "html", code="understanding-the-system")
    assert html.count("If I want to talk about loneliness") == 1


def test_cli_export_keeps_coders_apart_when_asked(example_project, runner, tmp_path):
    project, _ = passages(example_project)
    lead(project)
    result = runner.invoke(
        cli, ["--project", str(project.root), "--as", "lee", "export", "--format", "csv",
              "--code", "understanding-the-system", "--keep-coders-apart", "--out", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {tmp_path / 'quotes.csv'} (4 excerpts)\n"


def test_export_marks_accepted_suggestions_apart_from_manual_codings(example_project):
    project = code_examples(example_project)  # manual codings
    with project.transaction() as session:
        doc = find_document(session, PCN)
        start = doc.text.index("do I go to Nadia")
        apply_coding(session, PCN, start, start + 16, "trust", "ana", origin="suggestion")
    html = export(project, "html", code="trust")
    assert html.count('class="sugg"') == 1
    assert export(project, "md", code="trust").count("accepted suggestion") == 1
    assert 'class="sugg"' not in export(project, "html", code="understanding-the-system")


def test_export_writes_several_formats_and_a_named_file(example_project, tmp_path):
    project = code_examples(example_project)
    paths = render_export(project, ["md", "csv"], out=tmp_path / "out")
    assert [p.name for p in paths] == ["quotes.md", "quotes.csv"]
    (path,) = render_export(project, "html", out=tmp_path / "by-area.html", by=("area",))
    assert path.name == "by-area.html" and path.is_file()
    with pytest.raises(QualcodeError, match=r"names one \.html file but the formats asked are md"):
        render_export(project, "md", out=tmp_path / "by-area.html")


def test_export_with_nothing_coded_says_so(example_project):
    assert "No coded excerpts match." in export(example_project, "html")
    assert "No coded excerpts match." in export(example_project, "md")


def test_export_hides_names_by_default(example_project):
    project = code_examples(example_project)
    with project.transaction() as session:
        quote = quotes(project, code="trust").iloc[0]
        apply_coding(session, quote.document, int(quote.start), int(quote.end), "trust", "ben",
                     memo="Ask Osman about Sorrel Court")  # fmt: skip
    write(project.root / "redact.yaml", 'places:\n  Sorrel Court: "[street]"\n')
    text = export(project, "md")
    assert "do I go to [name]" in text  # Nadia, a speaker, mentioned by another
    assert "nobody on [street] would" in text
    assert "Memo: Ask [name] about [street]" in export(project, "html")
    assert "Big Local worker" in text and "Osman" not in text  # speakers by their role
    assert "Names hidden (1 rules from redact.yaml and " in text
    plain = export(project, "md", redact=False)
    assert "do I go to Nadia" in plain and "Osman" in plain and "Names hidden" not in plain
    real = export(project, "md", real_names=True)
    assert "Osman" in real and "[street]" in real


def test_export_bad_redact_yaml_writes_nothing(example_project, runner):
    project = code_examples(example_project)
    write(project.root / "redact.yaml", "names:\n  Jo: x\n  - Dev\n")
    result = runner.invoke(cli, ["--project", str(project.root), "export"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {project.root / 'redact.yaml'}:3: ")
    assert not (project.root / "exports" / "quotes.html").exists()


def test_template_in_project_templates_overrides_the_packaged_one(example_project):
    project = code_examples(example_project)
    write(project.root / "templates" / "quotes.md", "{{ total }} quotes: {{ templates[0] }}\n")
    assert export(project, "md") == "5 quotes: *quotes.md (templates/quotes.md)\n"


def test_template_may_extend_the_default_and_replace_a_block(example_project):
    project = code_examples(example_project)
    write(
        project.root / "templates" / "quotes.html",
        '{% extends "default:quotes.html" %}\n'
        '{% block excerpts %}{% for e in g.excerpts %}<p class="mine">{{ e.text }} '
        "({{ e.attribution }})</p>{% endfor %}{% endblock %}\n",
    )
    html = export(project, "html")
    assert '<p class="mine">Because for years nobody on Sorrel Court' in html
    assert '<nav class="toc">' in html and "<figure" not in html


def test_template_dir_comes_before_the_projects_templates(example_project, tmp_path):
    project = code_examples(example_project)
    write(project.root / "templates" / "quotes.md", "project\n")
    write(tmp_path / "mine" / "quotes.md", "mine\n")
    assert export(project, "md", template_dirs=[tmp_path / "mine"]) == "mine\n"


def test_template_for_one_theme_is_tried_first(example_project):
    project = code_examples(example_project)
    write(project.root / "templates" / "quotes-criteria-of-an-effective-relationship.md", "c\n")
    assert export(project, "md", theme="criteria-of-an-effective-relationship") == "c\n"
    assert export(project, "md").startswith("<!-- Templates considered: *quotes.md")


def test_template_error_names_the_template_and_line(example_project):
    project = code_examples(example_project)
    write(project.root / "templates" / "quotes.md", "fine\n{{ excerpt_count }}\n")
    with pytest.raises(QualcodeError, match=r"quotes\.md:2: 'excerpt_count' is undefined"):
        export(project, "md")
    assert not (project.root / "exports" / "quotes.md").exists()


def documented(name: str) -> set[str]:
    """The variables the README lists under ``#### `name` ``."""
    section = README.split(f"#### `{name}`", 1)[1].split("\n#", 1)[0]
    return set(re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE))


@pytest.mark.parametrize("kind", [ExportContext, Group, Excerpt, Chip, Matrix, MatrixRow, Cell])
def test_template_context_and_its_documentation_agree(kind):
    assert {f.name for f in fields(kind)} == documented(kind.__name__)
    assert all(f.metadata.get("help") for f in fields(kind))


@pytest.mark.parametrize("name", ["quotes.html", "quotes.md"])
def test_packaged_templates_use_only_documented_variables(name):
    env = environment()
    source = (PACKAGED / name).read_text(encoding="utf-8")
    used = jinja2.meta.find_undeclared_variables(env.parse(source))
    own = set(re.findall(r"{%-? (?:set|for) (\w+)", source))  # made by the template itself
    assert used - own <= {f.name for f in fields(ExportContext)}


def test_cli_export_writes_each_format(example_project, runner, tmp_path):
    project = lead(code_examples(example_project))
    out = tmp_path / "exports"
    result = runner.invoke(
        cli, ["--project", str(project.root), "--as", "lee", "export", "--format", "md",
              "--format", "xlsx", "--out", str(out), "--by", "theme", "--by", "area", "-v"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"wrote {out / 'quotes.md'} (5 excerpts)",
        "  templates considered: *quotes.md (packaged)",
        f"wrote {out / 'quotes.xlsx'} (5 excerpts)",
    ]
    assert openpyxl.load_workbook(out / "quotes.xlsx").sheetnames[1] == "code_by_area"


def test_cli_export_labels_values_in_the_reports_style(example_project, runner):
    project = lead(code_examples(example_project))
    result = runner.invoke(
        cli, ["--project", str(project.root), "--as", "lee", "export", "--format", "md",
              "--code", "trust", "--label", "community=Big Local partnership"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = (project.root / "exports" / "quotes.md").read_text(encoding="utf-8")
    assert 'council said."* (Big Local partnership)' in text
    assert "Filters: code: trust" in text
