"""Exports of a project of plain transcripts: no front matter, no manifest, no attributes.

The transcript is a real one nobody here wrote (UK Covid-19 Inquiry, Open Government
Licence v3.0; see ../shared/sample-transcripts/PROVENANCE.md).
"""

from __future__ import annotations

import csv
import shutil
import warnings
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlalchemy import select

from qualcode import (
    NotFound,
    import_files,
    init_project,
    load_codebook,
    open_project,
    queries,
    sync_codebook,
)
from qualcode.cli import cli
from qualcode.coding import code_segment
from qualcode.export import FORMATS, render_export
from qualcode.models import Document, Speaker
from qualcode.web import WebSettings, create_app

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO.parent / "shared" / "sample-transcripts" / "ukci-2025-01-16-traveller-movement.txt"
DOC = SAMPLE.name
PHRASES = {  # a phrase of a segment -> the code given to it
    "advocates on behalf of Gypsy, Roma and Traveller people": "mutual-knowledge",
    "voices of Gypsy, Roma and Traveller people often go unheard": "speaking-the-language",
}
NOTE = "not grouped by agency_type: no document or speaker of these excerpts has it"


@pytest.fixture(scope="module")
def plain_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plain")
    shutil.copy(SAMPLE, root / DOC)
    with init_project(root) as project:
        with project.transaction() as session:
            sync_codebook(session, load_codebook(REPO / "codebook.yaml"))
        report = import_files(project, [root / DOC])
        assert not report.failed, [r.message for r in report.failed]
        segments = queries.segments(project, DOC)
        with project.transaction() as session:
            for phrase, code in PHRASES.items():
                ordinal = segments[segments.text.str.contains(phrase, regex=False)].ordinal
                code_segment(session, DOC, int(ordinal.iloc[0]), code, "ana")
    return root


@pytest.fixture
def plain(plain_database: Path, tmp_path: Path):
    root = tmp_path / "plain"
    shutil.copytree(plain_database, root)
    with open_project(root) as project:
        yield project


def test_plain_project_has_no_attributes(plain):
    with plain.sessionmaker() as session:
        assert [d.attributes for d in session.scalars(select(Document))] == [{}]
        assert {str(s.attributes) for s in session.scalars(select(Speaker))} == {"{}"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_plain_project_by_default_in_every_format(plain, fmt):
    said: list[str] = []
    (path,) = render_export(plain, fmt, report=said.append)
    assert said[:2] == [NOTE, f"wrote {path} (2 excerpts)"]
    if fmt in ("html", "md"):
        text = path.read_text(encoding="utf-8")
        assert "advocates on behalf of Gypsy, Roma and Traveller people" in text
        assert (NOTE if fmt == "html" else NOTE.replace("_", "\\_")) in text
    elif fmt == "docx":
        paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
        assert any("often go unheard" in p for p in paragraphs)
        assert any("not grouped by agency_type" in p for p in paragraphs)
    elif fmt == "csv":
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert [r["code"] for r in rows] == ["Speaking the language", "Mutual knowledge"]
    else:
        book = openpyxl.load_workbook(path)
        assert book.sheetnames == ["excerpts", "cooccurrence"]
        assert len(list(book["excerpts"].values)) == 3


def test_export_plain_project_asked_by_a_missing_attribute_says_so(plain):
    with pytest.raises(NotFound, match=r"cannot group by 'agency_type'"):
        render_export(plain, "md", by=("theme", "agency_type"))


def test_cli_export_plain_project_in_every_format(plain, runner, tmp_path):
    out = tmp_path / "out"
    formats = [arg for fmt in FORMATS for arg in ("--format", fmt)]
    result = runner.invoke(cli, ["--project", str(plain.root), "export", *formats,
                                 "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        NOTE,
        *(f"wrote {out / f'quotes.{fmt}'} (2 excerpts)" for fmt in FORMATS),
    ]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"quotes.{f}" for f in FORMATS)


@pytest.mark.parametrize("fmt", ["html", "md", "docx"])
def test_export_plain_project_by_theme_alone(plain, fmt):
    """Excerpts without a single attribute column used to stop HTML and DOCX at zip()."""
    (path,) = render_export(plain, fmt, by=("theme",))
    assert path.stat().st_size > 0


def test_web_export_plain_project_by_default(plain):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's note about httpx versions
        from fastapi.testclient import TestClient
    app = create_app(plain, WebSettings(token="t", coder="ana"))
    client = TestClient(app, headers={"Authorization": "Bearer t"})
    for fmt in FORMATS:
        response = client.get("/api/export", params={"format": fmt})
        assert response.status_code == 200, (fmt, response.text)
    assert "often go unheard" in client.get("/api/export", params={"format": "csv"}).text
