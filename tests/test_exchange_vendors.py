"""Importing REFI-QDA files as each vendor writes them (GUIDE §5, §6): the shared samples,
and files written here in ATLAS.ti, NVivo, MAXQDA and QualCoder style."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from qualcode import init_project
from qualcode.cli import cli
from qualcode.errors import InputError
from qualcode.exchange.qdpx_import import import_qdpx
from qualcode.models import Code, Coder, Coding, Document, Memo
from qualcode.project import Project

SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "refi-qda" / "samples"
TEXT = (
    "Intro line.\r\nGreat \U0001f600 \u2014 the caf\u00e9 was packed.\r\n"
    "More breaks, fewer slides.\r\n"
)
U1, U2 = "838F34E1-DCE3-5E41-9F82-7131A9B1FBE5", "BCF95B93-85F2-5596-975E-D8E6A5920ECF"
C1, C2 = "BEC3E4D4-9BB8-5DE4-85E3-A00999600ABD", "217885D3-13F2-5222-9A6D-11D031B2C9C3"
S1, F1 = "54503065-3FFF-5C57-8F01-FD9C6D832284", "935D6CD7-C511-513B-B497-D70227BED199"


def positions(text: str, quote: str, unit: str) -> tuple[int, int]:
    """Where ``quote`` stands in ``text``, counted as a vendor counts."""
    start = text.index(quote)
    before, inside = text[:start], quote
    if "crlf1" in unit:
        before, inside = before.replace("\r\n", "\n"), inside.replace("\r\n", "\n")
    if "utf16" in unit:
        first = len(before.encode("utf-16-le")) // 2
        return first, first + len(inside.encode("utf-16-le")) // 2
    return len(before), len(before) + len(inside)


def selection(
    text: str,
    quote: str,
    unit: str,
    code: str = C1,
    user: str = U1,
    named: bool = True,
    body: str | None = None,
    guid: str = "",
) -> str:
    start, end = positions(text, quote, unit)
    name = f' name="{quote}"' if named else ""
    coding = guid or f"A0000000-0000-0000-0000-{start:012d}"
    inner = body
    if inner is None:
        inner = (
            f'<Coding guid="{coding}" creatingUser="{user}"><CodeRef targetGUID="{code}"/></Coding>'
        )

    sel_guid = f"B0000000-0000-0000-0000-{start * 1000 + end:012d}"
    return (
        f'<PlainTextSelection guid="{sel_guid}"{name} startPosition="{start}" '
        f'endPosition="{end}" creatingUser="{user}">{inner}</PlainTextSelection>'
    )


def project_xml(
    selections: str,
    *,
    origin: str = "test",
    extra: str = "",
    cases: str = "",
    source_name: str = "Interview 01.txt",
    more_sources: str = "",
    text_path: str = f"internal://{F1}.txt",
    codes: str = "",
) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Vendor study" origin="{origin}">
  <Users><User guid="{U1}" name="Coder A"/><User guid="{U2}" name="Coder B"/></Users>
  <CodeBook><Codes>
    <Code guid="{C1}" name="Positive" isCodable="true" color="#33CC33"/>
    <Code guid="{C2}" name="Venue" isCodable="true"/>{codes}
  </Codes></CodeBook>{cases}
  <Sources>
    <TextSource guid="{S1}" name="{source_name}" plainTextPath="{text_path}">
      {selections}</TextSource>
    {more_sources}
  </Sources>{extra}
</Project>"""


def qdpx(path: Path, xml: str, files: dict[str, bytes], qde_name: str = "project.qde") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(qde_name, xml.encode("utf-8"))
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def coded(project: Project) -> list[tuple[str, str, str]]:
    """(quoted text, code, coder) of every coding."""
    with project.sessionmaker() as session:
        rows = session.execute(
            select(Document.text, Coding.start, Coding.end, Code.name, Coder.name)
            .join(Document, Coding.document_id == Document.id)
            .join(Code, Coding.code_id == Code.id)
            .join(Coder, Coding.coder_id == Coder.id)
        ).all()
    return sorted((text[start:end], code, coder) for text, start, end, code, coder in rows)


@pytest.fixture
def fresh(tmp_path: Path) -> Project:
    with init_project(tmp_path / "p") as made:
        yield made


def test_the_minimal_sample_lands_on_the_right_words_with_its_coders_and_memo(fresh):
    report = import_qdpx(fresh, SAMPLES / "minimal-project.qdpx")
    assert coded(fresh) == [
        ("Great \U0001f600 \u2014 the caf\u00e9 was packed.", "Positive experience", "Coder A"),
        ("More breaks, fewer slides.", "Suggestions", "Coder A"),
        ("the caf\u00e9 was packed", "Venue", "Coder B"),
    ]
    with fresh.sessionmaker() as session:
        doc = session.scalars(select(Document)).one()
        memo = session.scalars(select(Coding.memo).where(Coding.memo.is_not(None))).one()
        folder = session.scalars(select(Code).where(Code.name == "Experience")).one()
    assert memo.startswith("Several participants mention pacing")
    assert doc.attributes == {
        "Age": 34,
        "Role": "Teacher",
        "case": "Participant 01",
        "sets": "Round 1",
    }
    assert folder.description == "Folder only: not applicable to text."
    assert not report.dropped and report.sets == 1  # its set of codes and sources is kept
    assert (fresh.root / "codebook.yaml").exists()


@pytest.mark.parametrize(
    ("style", "unit", "qde_name", "folder", "bom"),
    [
        ("ATLAS.ti 23.1", "crlf1", "Trial.qde", "Sources", b""),  # CRLF counted as one
        ("QualCoder 3.5", "cp", "project.qde", "sources", codecs.BOM_UTF8),  # CRLF as two, BOM
        ("NVivo 14", "utf16", "project.qde", "sources", b""),  # UTF-16 units
        ("MAXQDA 24", "utf16 crlf1", "project.qde", "sources", b""),
    ],
)
def test_offsets_are_read_as_the_vendor_counted_them(
    fresh, tmp_path, style, unit, qde_name, folder, bom
):
    quotes = [
        "Great \U0001f600 \u2014 the caf\u00e9 was packed.",
        "the caf\u00e9 was packed",
        "More breaks, fewer slides.",
    ]
    selections = "".join(
        selection(TEXT, q, unit, guid=f"C000000{i}-0000-0000-0000-000000000000")
        for i, q in enumerate(quotes)
    )
    path = qdpx(
        tmp_path / "v.qdpx",
        project_xml(selections, origin=style),
        {f"{folder}/{F1}.txt": bom + TEXT.encode("utf-8")},
        qde_name,
    )
    report = import_qdpx(fresh, path)
    assert [q for q, _c, _u in coded(fresh)] == sorted(quotes)
    assert report.unplaced == []
    with fresh.sessionmaker() as session:
        assert "\r" not in session.scalars(select(Document.text)).one()


def test_without_quotes_atlas_counts_crlf_as_one_and_others_as_two(fresh, tmp_path):
    quote = "More breaks, fewer slides."
    for origin, unit in (("ATLAS.ti 9", "crlf1"), ("QualCoder", "cp")):
        xml = project_xml(
            selection(TEXT, quote, unit, named=False), origin=origin, source_name=f"{origin}.txt"
        )
        path = qdpx(tmp_path / f"{unit}.qdpx", xml, {f"sources/{F1}.txt": TEXT.encode()})
        import_qdpx(fresh, path, codebook=False)
    assert [q for q, _c, _u in coded(fresh)] == [quote]  # the same text: one document


def test_nvivo_style_lowercase_guids_stray_root_and_the_docx_kept(fresh, tmp_path):
    xml = project_xml(
        selection(TEXT, "the caf\u00e9 was packed", "cp"),
        origin="NVivo 15",
        text_path=f"internal://{F1.lower()}.txt",
    ).replace(C1, C1.lower())
    xml = xml.replace(
        'name="Interview 01.txt"',
        f'name="Interview 01" richTextPath="internal://{F1.lower()}.docx"',
    )
    path = qdpx(
        tmp_path / "n.qdpx",
        xml,
        {
            f"sources/{F1.lower()}.txt": TEXT.encode(),
            f"sources/{F1.lower()}.docx": b"PK docx bytes",
            "sources/.root": b"",
        },
    )
    report = import_qdpx(fresh, path)
    assert coded(fresh) == [("the caf\u00e9 was packed", "Positive", "Coder A")]
    assert (fresh.root / "imported" / "n" / "Interview 01.docx").read_bytes() == b"PK docx bytes"
    assert not report.unplaced


def test_braced_guids_as_in_annex_a1(fresh, tmp_path):
    xml = project_xml(selection(TEXT, "the caf\u00e9 was packed", "cp"))
    for key in (C1, U1):
        xml = xml.replace(f'"{key}"', f'"{{{key.lower()}}}"')
    path = qdpx(tmp_path / "b.qdpx", xml, {f"sources/{F1}.txt": TEXT.encode()})
    import_qdpx(fresh, path)
    assert coded(fresh) == [("the caf\u00e9 was packed", "Positive", "Coder A")]


def test_maxqda_style_comments_file_variables_and_duplicate_names(fresh, tmp_path):
    comment = selection(
        TEXT, "More breaks, fewer slides.", "cp", body="<Description>Ask about pacing</Description>"
    )
    cases = f"""<Variables><Variable guid="3BE7D659-8034-5488-9BE4-0FB04770EE56" name="Age" typeOfVariable="Integer"/></Variables>
  <Cases><Case guid="3AEBB839-C4B1-5D05-8D6A-579FB4105978"><VariableValue><VariableRef targetGUID="3BE7D659-8034-5488-9BE4-0FB04770EE56"/><IntegerValue>34</IntegerValue></VariableValue><SourceRef targetGUID="{S1}"/></Case></Cases>"""  # noqa: E501
    twin = (
        '<TextSource guid="11111111-2222-3333-4444-555555555555" name="Interview 01.txt">'
        "<PlainTextContent>Another text entirely.</PlainTextContent></TextSource>"
    )
    xml = project_xml(
        comment + selection(TEXT, "the caf\u00e9 was packed", "cp"),
        origin="MAXQDA 2024",
        cases=cases,
        more_sources=twin,
    )
    report = import_qdpx(
        fresh, qdpx(tmp_path / "m.qdpx", xml, {f"sources/{F1}.txt": TEXT.encode()})
    )
    with fresh.sessionmaker() as session:
        docs = {d.name: d for d in session.scalars(select(Document))}
        memos = [(m.target_type, m.text) for m in session.scalars(select(Memo))]
    assert sorted(docs) == ["Interview 01 (2).txt", "Interview 01.txt"]
    assert docs["Interview 01.txt"].attributes == {"Age": 34}
    assert memos == [("segment", "Ask about pacing")]
    assert len(coded(fresh)) == 1
    assert "source 'Interview 01.txt' imported as 'Interview 01 (2).txt'" in report.warnings


def test_unplaceable_selections_are_reported_with_source_and_position(fresh, tmp_path):
    bad = (
        '<PlainTextSelection guid="D0000000-0000-0000-0000-000000000001" name="not in it" '
        f'startPosition="5" endPosition="14" creatingUser="{U1}"><Coding '
        f'guid="D0000000-0000-0000-0000-000000000002"><CodeRef targetGUID="{C1}"/></Coding>'
        "</PlainTextSelection>"
        '<PlainTextSelection guid="D0000000-0000-0000-0000-000000000003" startPosition="900" '
        'endPosition="990"><Coding guid="D0000000-0000-0000-0000-000000000004">'
        f'<CodeRef targetGUID="{C2}"/></Coding></PlainTextSelection>'
    )
    xml = project_xml(bad + selection(TEXT, "the caf\u00e9 was packed", "cp"))
    report = import_qdpx(
        fresh, qdpx(tmp_path / "u.qdpx", xml, {f"sources/{F1}.txt": TEXT.encode()})
    )
    assert report.unplaced == [
        "Interview 01.txt [5:14] 'not in it': not in the text under any reading",
        "Interview 01.txt [900:990]: not in the text under any reading",
    ]
    assert len(coded(fresh)) == 1


def test_schema_errors_are_warnings_and_colours_are_repaired(fresh, tmp_path):
    xml = project_xml(selection(TEXT, "the caf\u00e9 was packed", "cp")).replace(
        'color="#33CC33"', 'color="rgb(51, 204, 51)"'
    )
    report = import_qdpx(
        fresh, qdpx(tmp_path / "s.qdpx", xml, {f"sources/{F1}.txt": TEXT.encode()})
    )
    assert any("schema error" in w for w in report.warnings)
    with fresh.sessionmaker() as session:
        assert (
            session.scalars(select(Code.colour).where(Code.name == "Positive")).one() == "#33CC33"
        )


def test_the_spec_atlas_project_lists_what_it_cannot_keep(fresh):
    report = import_qdpx(fresh, SAMPLES / "spec-annex-a2-atlasti-project.qde")
    assert report.dropped["links"] >= 1 and report.dropped["graphs"] >= 1
    assert report.dropped["pictures"] >= 1 and report.dropped["audio files"] >= 1
    assert any("its text is missing" in line for line in report.unplaced)
    with fresh.sessionmaker() as session:
        coke = session.scalars(select(Code).where(Code.name == "Coke")).one()
        diet = session.scalars(select(Code).where(Code.name == "diet Coke")).one()
    assert diet.parent_id == coke.id  # "Coke::diet Coke" nests


def test_the_container_quirks_sample_imports_its_codebook(fresh):
    report = import_qdpx(fresh, SAMPLES / "spec-annex-a2-container-quirks.qdpx")
    assert report.codes_added > 10 and report.documents_added == []
    assert report.unplaced  # every source file is missing, and said so


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"just text", "not a zip file"),
        (None, "holds no .qde file"),
        (b"<html/>", "not a REFI Project"),
    ],
)
def test_a_file_that_is_no_refi_project_gets_one_line(fresh, tmp_path, runner, content, says):
    path = tmp_path / "x.qdpx"
    if content is None:
        qdpx(path, "", {}, "readme.txt")
    elif content.startswith(b"<"):
        qdpx(path, content.decode(), {})
    else:
        path.write_bytes(content)
    result = runner.invoke(cli, ["--project", str(fresh.root), "import", str(path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "not a REFI-QDA project" in lines[0]
    with pytest.raises(InputError):
        import_qdpx(fresh, path)


def test_a_failing_import_leaves_the_database_and_codebook_as_they_were(fresh, tmp_path):
    deep = (
        "".join(
            f'<Code guid="E0000000-0000-0000-0000-0000000000{i:02d}" name="level {i}" '
            'isCodable="true">'
            for i in range(12)
        )
        + "</Code>" * 12
    )
    xml = project_xml(selection(TEXT, "the caf\u00e9 was packed", "cp"), codes=deep)
    path = qdpx(tmp_path / "d.qdpx", xml, {f"sources/{F1}.txt": TEXT.encode()})
    with pytest.raises(InputError, match="levels deep"):
        import_qdpx(fresh, path)
    with fresh.sessionmaker() as session:
        assert session.scalars(select(Document)).all() == []
        assert session.scalars(select(Code)).all() == []
    assert not (fresh.root / "codebook.yaml").exists()
    assert list(fresh.root.glob("codebook*")) == []
