"""REFI-QDA exchange: `export --format qdpx` and `import X.qdpx`, checked as another tool
would check them (the REFI schemas, the zip's layout, offsets on the text files) and by
a round trip through a fresh project."""

from __future__ import annotations

import re
import uuid
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select

from qualcode import init_project, open_project, queries
from qualcode.cli import cli
from qualcode.coding import get_coder
from qualcode.errors import QualcodeError
from qualcode.exchange.qdpx_import import import_qdpx
from qualcode.exchange.sets import MEMBER_KINDS, keep_sets, kept_sets
from qualcode.models import Code, Coder, Coding, Document, Memo
from qualcode.project import Project
from qualcode.undo import undo_last

REFI = Path(__file__).resolve().parent.parent.parent / "shared" / "refi-qda"
NS = {"q": "urn:QDA-XML:project:1.0"}


def project_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(REFI / "Project.xsd")))


def qde(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("project.qde"))


def run(runner, root: Path, *args: str, who: str | None = None):
    lead = ["--as", who] if who else []
    result = runner.invoke(cli, ["--project", str(root), *lead, *args])
    return result


def snapshot(project: Project) -> dict:
    """What a round trip must give back, by name (ids may differ)."""
    with project.sessionmaker() as session:
        codes = {c.id: c for c in session.scalars(select(Code).where(Code.archived.is_(False)))}
        coders = {c.id: c.name for c in session.scalars(select(Coder))}
        docs = {d.id: d for d in session.scalars(select(Document))}
        codings = sorted(
            (
                docs[c.document_id].name,
                c.start,
                c.end,
                codes[c.code_id].name,
                coders[c.coder_id],
                c.memo or "",
            )
            for c in session.scalars(select(Coding))
        )
        memos = sorted((m.target_type, m.text) for m in session.scalars(select(Memo)))
        return {
            "documents": {d.name: d.text for d in docs.values()},
            "attributes": {d.name: d.attributes for d in docs.values()},
            "speakers": {
                d.name: {s.label: s.attributes for s in d.speakers} for d in docs.values()
            },
            "codes": {
                c.name: (
                    codes[c.parent_id].name if c.parent_id else None,
                    c.description,
                    c.definition,
                    c.use_when,
                    c.not_when,
                    list(c.examples),
                    c.colour,
                    c.exclusive,
                )
                for c in codes.values()
            },
            "coders": sorted(set(coders.values()) - {"consensus"}),
            "codings": codings,
            "memos": memos,
        }


@pytest.fixture
def lead_project(coded_project: Project) -> Project:
    with coded_project.transaction() as session:
        get_coder(session, "lea", role="lead")
    return coded_project


def test_the_qdpx_export_is_valid_refi_and_keeps_every_coding_with_its_coder(
    lead_project, runner, tmp_path
):
    out = tmp_path / "study.qdpx"
    result = run(
        runner, lead_project.root, "export", "--format", "qdpx", "--out", str(out), who="lea"
    )
    assert result.exit_code == 0, result.output
    root = qde(out)
    schema = project_schema()
    assert schema.validate(root), schema.error_log
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        texts = {n: archive.read(n) for n in names if n != "project.qde"}
    assert names[0] == "project.qde"
    guid_file = re.compile(r"sources/[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\.txt")
    assert all(guid_file.fullmatch(name) for name in texts)
    assert all(
        not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data for data in texts.values()
    )
    users = {u.get("guid"): u.get("name") for u in root.iterfind("q:Users/q:User", NS)}
    codings = root.findall(".//q:Coding", NS)
    with lead_project.sessionmaker() as session:
        assert len(codings) == session.query(Coding).count() == 908
        memos = session.query(Coding).filter(Coding.memo.is_not(None)).count()
    assert sorted(users.values()) == ["ana", "ben", "lea"]
    assert all(c.get("creatingUser") in users for c in codings)
    # Positions are code points of the text file: each selection's quote is its text.
    for source in root.iterfind(".//q:TextSource", NS):
        text = texts["sources/" + source.get("plainTextPath").split("//")[1]].decode("utf-8")
        for selection in source.iterfind("q:PlainTextSelection", NS):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            if selection.get("name") is not None:
                assert text[start:end] == selection.get("name")
    # Memos are Notes, each reached by a NoteRef; attributes are typed Variables.
    notes = {n.get("guid") for n in root.iterfind("q:Notes/q:Note", NS)}
    refs = {r.get("targetGUID") for r in root.iterfind(".//q:NoteRef", NS)}
    assert len(notes) == memos > 0 and notes == refs
    variables = {v.get("name"): v.get("typeOfVariable") for v in root.iterfind(".//q:Variable", NS)}
    assert variables["date"] == "Date" and variables["area"] == "Text"
    cases = {c.get("name") for c in root.iterfind("q:Cases/q:Case", NS)}
    assert {"Jo", "Facilitator"} <= cases


def test_the_same_objects_keep_their_guids_in_every_export(lead_project, runner, tmp_path):
    first, second = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    for out in (first, second):
        result = run(
            runner, lead_project.root, "export", "--format", "qdpx", "--out", str(out), who="lea"
        )
        assert result.exit_code == 0, result.output

    def guids(path: Path) -> list[str]:
        return [e.get("guid") for e in qde(path).iter() if e.get("guid")]

    assert guids(first) == guids(second)
    with lead_project.sessionmaker() as session:
        code = session.scalars(select(Code)).first()
    assert str(code.id).upper() in guids(first)


def test_a_blind_coder_exports_only_their_own_codings(coded_project, runner, tmp_path):
    out = tmp_path / "ana.qdpx"
    result = run(
        runner, coded_project.root, "export", "--format", "qdpx", "--out", str(out), who="ana"
    )
    assert result.exit_code == 0, result.output
    root = qde(out)
    users = {u.get("guid"): u.get("name") for u in root.iterfind("q:Users/q:User", NS)}
    assert list(users.values()) == ["ana"]
    codings = root.findall(".//q:Coding", NS)
    assert codings and {c.get("creatingUser") for c in codings} == set(users)


def test_qdpx_takes_no_quote_filters(lead_project, runner, tmp_path):
    result = run(
        runner,
        lead_project.root,
        "export",
        "--format",
        "qdpx",
        "--code",
        "Trust",
        "--out",
        str(tmp_path / "x.qdpx"),
        who="lea",
    )
    assert result.exit_code == 1
    assert "whole project" in result.output


def sets_by_name(project: Project) -> dict:
    """The kept REFI sets, members by name (ids differ between projects)."""
    with project.sessionmaker() as session:
        names = {str(c.id): c.name for c in session.scalars(select(Code))}
        names |= {str(d.id): d.name for d in session.scalars(select(Document))}
        names |= {str(m.id): m.text for m in session.scalars(select(Memo))}
        return {
            kept["name"]: {kind: sorted(names[m] for m in kept[kind]) for kind in MEMBER_KINDS}
            for kept in kept_sets(session)
        }


def test_round_trip_of_the_example_project(lead_project, runner, tmp_path):
    with lead_project.transaction() as session:  # a project memo and a set, as from NVivo
        lea = get_coder(session, "lea")
        aims = Memo(target_type="project", target_id="project", coder_id=lea.id, text="Aims")
        session.add(aims)
        session.flush()
        codes = list(session.scalars(select(Code).where(Code.parent_id.is_not(None))))[:2]
        first_doc = session.scalars(select(Document).order_by(Document.name)).first()
        members = {"codes": [str(c.id) for c in codes], "documents": [str(first_doc.id)]}
        first_doc.attributes = {**first_doc.attributes, "sets": "Wave 1"}  # as an import sets
        keep_sets(session, [{"id": str(uuid.uuid4()), "name": "Wave 1", "description": "",
                             **members, "memos": [str(aims.id)]}])  # fmt: skip
    out = tmp_path / "study.qdpx"
    assert (
        run(
            runner, lead_project.root, "export", "--format", "qdpx", "--out", str(out), who="lea"
        ).exit_code
        == 0
    )
    fresh = tmp_path / "fresh"
    with init_project(fresh):
        pass
    result = run(runner, fresh, "import", str(out))
    assert result.exit_code == 0, result.output
    assert "908 codings added" in result.output
    with open_project(fresh) as copy:
        after = snapshot(copy)
    before = snapshot(lead_project)
    for key in ("documents", "attributes", "codes", "codings", "memos"):
        assert after[key] == before[key], key
    assert ("project", "Aims") in after["memos"]
    with open_project(fresh) as copy:
        assert sets_by_name(copy) == sets_by_name(lead_project) != {}
    assert after["coders"] == before["coders"]
    for name, speakers in before["speakers"].items():  # every speaker, with its attributes
        assert {k: v for k, v in after["speakers"][name].items() if k in speakers} == speakers
    # codebook.yaml is written from the imported tree and checks clean.
    check = run(runner, fresh, "codebook", "check")
    assert check.exit_code == 0, check.output
    sync = run(runner, fresh, "codebook", "sync")
    assert "0 added, 0 updated, 0 renamed, 0 restored, 0 archived" in sync.output


def test_importing_the_same_file_twice_adds_nothing(lead_project, runner, tmp_path):
    out = tmp_path / "study.qdpx"
    run(runner, lead_project.root, "export", "--format", "qdpx", "--out", str(out), who="lea")
    result = run(runner, lead_project.root, "import", str(out), who="lea")
    assert result.exit_code == 0, result.output
    assert "0 documents added, 11 matched" in result.output
    assert "0 codings added (908 already there)" in result.output


def test_a_coder_may_not_pour_a_qdpx_into_a_project_with_others_codings(
    lead_project, runner, tmp_path
):
    out = tmp_path / "study.qdpx"
    run(runner, lead_project.root, "export", "--format", "qdpx", "--out", str(out), who="lea")
    result = run(runner, lead_project.root, "import", str(out), who="ana")
    assert result.exit_code == 1
    assert "needs a lead" in result.output


def test_import_json_of_a_qdpx_matches_its_schema(lead_project, runner, tmp_path):
    import json

    import jsonschema_rs

    out = tmp_path / "study.qdpx"
    run(runner, lead_project.root, "export", "--format", "qdpx", "--out", str(out), who="lea")
    fresh = tmp_path / "fresh"
    with init_project(fresh):
        pass
    result = run(runner, fresh, "import", str(out), "--json")
    assert result.exit_code == 0, result.output
    schema = json.loads((Path(__file__).parent.parent / "docs/schemas/import.json").read_text())
    found = json.loads(result.output)
    jsonschema_rs.validator_for(schema).validate(found)
    assert found["codings_added"] == 908 and found["unplaced"] == []


def test_history_shows_an_import_per_coder_and_one_undo_takes_it_back(
    lead_project, runner, tmp_path, database_url
):
    """On each backend: the import's codings, its log entries, history and undo."""
    out = tmp_path / "study.qdpx"
    run(runner, lead_project.root, "export", "--format", "qdpx", "--out", str(out), who="lea")
    (tmp_path / "fresh").mkdir()
    with init_project(tmp_path / "fresh", database_url) as fresh:
        assert import_qdpx(fresh, out).codings_added == 908
        with fresh.sessionmaker() as session:
            per_coder = dict(
                session.execute(
                    select(Coder.name, func.count())
                    .join(Coding, Coding.coder_id == Coder.id)
                    .group_by(Coder.name)
                ).all()
            )
        entries = queries.history(fresh)
        assert set(entries.action) == {"import"}  # one entry per coder, no "add" per coding
        said = dict(zip(entries.coder, entries.text, strict=True))
        assert said == {name: f"{n:,} codings from study.qdpx" for name, n in per_coder.items()}
        assert queries.history(fresh, viewer="ana").text.tolist() == [said["ana"]]  # blind
        with fresh.transaction() as session:
            done = undo_last(session, "ana")
        assert done.endswith(f"({len(per_coder)} import): import from study.qdpx")
        with fresh.sessionmaker() as session:
            assert session.scalar(select(func.count()).select_from(Coding)) == 0
        with (
            pytest.raises(QualcodeError, match="no change left to undo"),
            fresh.transaction() as session,
        ):
            undo_last(session, "ben")
