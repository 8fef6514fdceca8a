"""Memos in exports: each quote export carries the memos on its quotes' sentences, its
codings and its codes (a blind coder's export only their own), and `qualcode memos
--export` writes every memo one may see as CSV or Markdown."""

from __future__ import annotations

import io
import zipfile

import pytest

from qualcode import queries
from qualcode.cli import cli
from qualcode.export import render_export
from qualcode.memos import write_memo


def readable(path) -> str:
    """A file's text, also from inside .docx and .xlsx (zip archives of XML)."""
    data = path.read_bytes()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(
                archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml")
            )
    return data.decode("utf-8")


@pytest.fixture
def noted(coded_project):
    """ana and ben each note a sentence and a code they coded, and one coding."""
    codings = queries.codings(coded_project)
    with coded_project.transaction() as session:
        for who in ("ana", "ben"):
            mine = codings[(codings["coder"] == who) & codings["segment"].notna()].iloc[0]
            write_memo(session, "segment", mine["document"], f"{who} on the sentence",
                       who, segment=int(mine["segment"]))  # fmt: skip
            write_memo(session, "code", mine["code"], f"{who} on the code", who)
            write_memo(session, "coding", mine["id"], f"{who} on the coding", who)
    return coded_project


def test_every_quote_export_carries_the_memos_one_may_see(noted, tmp_path):
    paths = render_export(noted, ["html", "md", "docx", "csv", "xlsx"], out=tmp_path,
                          viewer="ana")  # fmt: skip
    for path in paths:
        text = readable(path)
        for memo in ("ana on the sentence", "ana on the code", "ana on the coding"):
            assert memo in text, (path.name, memo)
        assert "ben on" not in text, path.name  # the round is closed


def test_a_memo_on_a_sentence_goes_with_each_quote_of_it_only(noted, tmp_path):
    html = readable(render_export(noted, "html", out=tmp_path)[0])
    ana = queries.codings(noted, coder="ana").dropna(subset=["segment"]).iloc[0]
    on_sentence = queries.codings(noted)
    on_sentence = on_sentence[(on_sentence["document"] == ana["document"])
                              & (on_sentence["segment"] == ana["segment"])]  # fmt: skip
    quotes = html.split('<figure class="q"')[1:]
    with_note = [q for q in quotes if "ana on the sentence" in q]
    assert 0 < len(with_note) <= len(on_sentence)
    assert all(q.count("ben on the sentence") <= 1 for q in quotes)


@pytest.mark.parametrize("suffix", ["csv", "md"])
def test_memos_export_as_csv_or_markdown(noted, runner, suffix, tmp_path):
    out = tmp_path / f"memos.{suffix}"
    done = runner.invoke(cli, ["--project", str(noted.root), "--as", "ana", "memos",
                               "--export", str(out)])  # fmt: skip
    assert done.exit_code == 0, done.output
    coded = queries.codings(noted, coder="ana")["memo"].fillna("").ne("").sum()
    assert f"wrote {out} ({2 + coded} memos)" in " ".join(done.output.split())
    text = out.read_text(encoding="utf-8")
    for memo in ("ana on the sentence", "ana on the code", "ana on the coding"):
        assert memo in text
    assert "ben on" not in text
    if suffix == "md":
        assert "## On segments (1)" in text and f"## On codings ({coded})" in text


def test_memos_export_refuses_another_file_kind_in_one_line(noted, runner, tmp_path):
    done = runner.invoke(cli, ["--project", str(noted.root), "memos", "--export",
                               str(tmp_path / "memos.txt")])  # fmt: skip
    assert done.exit_code != 0 and "Error:" in done.output and "memos.txt" in done.output
    assert "Traceback" not in done.output
