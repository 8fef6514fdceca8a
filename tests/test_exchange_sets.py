"""REFI-QDA sets and project memos: kept on import, written back on export, and the same
after a second round trip."""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree
from sqlalchemy import select
from test_exchange_vendors import C1, C2, F1, S1, TEXT, U1, project_xml, qdpx, selection

from qualcode import init_project
from qualcode.exchange import write_qdpx
from qualcode.exchange.qdpx_import import import_qdpx
from qualcode.exchange.sets import kept_sets
from qualcode.memos import memos
from qualcode.models import Code, Document, Memo

NS = {"q": "urn:QDA-XML:project:1.0"}
REFI = Path(__file__).resolve().parent.parent.parent / "shared" / "refi-qda"
N1, N2 = "C1000000-0000-4000-8000-000000000001", "C1000000-0000-4000-8000-000000000002"
N3 = "C1000000-0000-4000-8000-000000000003"
T1, T2 = "D1000000-0000-4000-8000-000000000001", "D1000000-0000-4000-8000-000000000002"
S2 = "E1000000-0000-4000-8000-000000000002"

TEXT_OF = "<PlainTextContent>{}</PlainTextContent>"
AIMS = "What the study is for."
EXTRA = f"""
  <Notes>
    <Note guid="{N1}" name="Aims" creatingUser="{U1}">{TEXT_OF.format(AIMS)}</Note>
    <Note guid="{N2}" name="Method">{TEXT_OF.format("How we coded: in pairs.")}</Note>
    <Note guid="{N3}" name="On venue">{TEXT_OF.format("Venue matters a lot.")}</Note>
  </Notes>
  <Sets>
    <Set guid="{T1}" name="Round 1"><Description>first wave</Description>
      <MemberCode targetGUID="{C1}"/>
      <MemberSource targetGUID="{S1}"/><MemberSource targetGUID="{S2}"/>
      <MemberNote targetGUID="{N1}"/></Set>
    <Set guid="{T2}" name="Places"><MemberCode targetGUID="{C2}"/></Set>
  </Sets>
  <NoteRef targetGUID="{N1}"/><NoteRef targetGUID="{N2}"/>"""


def vendor_file(tmp_path: Path) -> Path:
    chosen = selection(TEXT, "the caf\u00e9 was packed", "cp")
    second = f'<TextSource guid="{S2}" name="Interview 02.txt">{TEXT_OF.format("Second talk.")}'
    second += "</TextSource>"
    xml = project_xml(chosen, extra=EXTRA, more_sources=second)
    venue = f'<Code guid="{C2}" name="Venue" isCodable="true"'
    xml = xml.replace(venue + "/>", venue + f'><NoteRef targetGUID="{N3}"/></Code>')
    return qdpx(tmp_path / "vendor.qdpx", xml, {f"sources/{F1}.txt": TEXT.encode()})


def names_of_sets(root: etree._Element) -> dict[str, dict[str, list[str]]]:
    """Each exported set by name: its members by kind, as names (or note texts)."""
    named = {e.get("guid"): e.get("name") for e in root.iter() if e.get("guid")}
    texts = {n.get("guid"): n.findtext("q:PlainTextContent", namespaces=NS)
             for n in root.iterfind("q:Notes/q:Note", NS)}  # fmt: skip
    found = {}
    for element in root.iterfind("q:Sets/q:Set", NS):
        found[element.get("name")] = {
            tag: sorted((texts if tag == "MemberNote" else named)[m.get("targetGUID")]
                        for m in element.iterfind(f"q:{tag}", NS))
            for tag in ("MemberCode", "MemberSource", "MemberNote")
        }  # fmt: skip
    return found


def exported(project, out: Path) -> etree._Element:
    write_qdpx(project, out)
    with zipfile.ZipFile(out) as archive:
        root = etree.fromstring(archive.read("project.qde"))
    schema = etree.XMLSchema(etree.parse(str(REFI / "Project.xsd")))
    assert schema.validate(root), schema.error_log
    return root


def project_memos(root: etree._Element) -> list[str]:
    texts = {n.get("guid"): n.findtext("q:PlainTextContent", namespaces=NS)
             for n in root.iterfind("q:Notes/q:Note", NS)}  # fmt: skip
    return sorted(texts[r.get("targetGUID")] for r in root.iterfind("q:NoteRef", NS))


def test_sets_and_project_memos_are_kept_and_go_round(tmp_path):
    with init_project(tmp_path / "a") as first:
        report = import_qdpx(first, vendor_file(tmp_path))
        assert not report.dropped, report.dropped
        assert report.sets == 2
        notes = memos(first)
        on_project = notes[notes["target_type"] == "project"]
        assert sorted(on_project["text"]) == ["How we coded: in pairs.", "What the study is for."]
        assert set(on_project["target"]) == {"the project"}
        assert list(notes[notes["target_type"] == "code"]["text"]) == ["Venue matters a lot."]
        with first.sessionmaker() as session:
            sets = kept_sets(session)
            docs = {d.name: d for d in session.scalars(select(Document))}
            codes = {c.name: str(c.id) for c in session.scalars(select(Code))}
            aims = session.scalars(select(Memo).where(Memo.text.startswith("What"))).one()
        assert [s["name"] for s in sets] == ["Round 1", "Places"]
        assert sets[0]["codes"] == [codes["Positive"]] and sets[1]["codes"] == [codes["Venue"]]
        assert sorted(sets[0]["documents"]) == sorted(str(d.id) for d in docs.values())
        assert sets[0]["memos"] == [str(aims.id)] and sets[0]["description"] == "first wave"
        assert docs["Interview 02.txt"].attributes["sets"] == "Round 1"
        root = exported(first, tmp_path / "a.qdpx")
    both = ["Interview 01.txt", "Interview 02.txt"]
    expected = {
        "Round 1": {"MemberCode": ["Positive"], "MemberSource": both,
                    "MemberNote": ["What the study is for."]},
        "Places": {"MemberCode": ["Venue"], "MemberSource": [], "MemberNote": []},
    }  # fmt: skip
    assert names_of_sets(root) == expected
    assert project_memos(root) == ["How we coded: in pairs.", "What the study is for."]
    # Into a fresh project and out again: the same sets, memos and attributes, nothing doubled.
    with init_project(tmp_path / "b") as second:
        again = import_qdpx(second, tmp_path / "a.qdpx")
        assert again.sets == 2 and not again.dropped
        with second.sessionmaker() as session:
            two = select(Document).where(Document.name == "Interview 02.txt")
            assert session.scalars(two).one().attributes["sets"] == "Round 1"
        root = exported(second, tmp_path / "b.qdpx")
        assert names_of_sets(root) == expected
        assert project_memos(root) == ["How we coded: in pairs.", "What the study is for."]
        import_qdpx(second, tmp_path / "b.qdpx")  # a second import replaces, never doubles
        with second.sessionmaker() as session:
            assert len(kept_sets(session)) == 2
            assert session.query(Memo).filter(Memo.target_type == "project").count() == 2
