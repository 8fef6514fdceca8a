"""Codebook files: every problem reported at once with its line; sync keeps ids."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from helpers import write
from sqlalchemy import select

from qualcode import CodebookError, load_codebook, sync_codebook
from qualcode.models import Code

THEME_ID = "6a0c8f0e-5d1b-4f43-9b55-1c2d3e4f5a60"
CODE_ID = "0b4f2c7e-9a31-4d6e-8f12-3a4b5c6d7e80"

GOOD = f"""\
title: Small study
version: "2"
themes:
  - id: {THEME_ID}
    name: Factors
    description: What helps or hinders.
    codes:
      - id: {CODE_ID}
        name: Speaking the language
        definition: Using the agency's terms.
        use_when: Someone translates jargon.
        not_when: General talk.
        example: "We learnt their acronyms."
        patterns:
          - speak the language
          - [{{LEMMA: "speak"}}, {{LOWER: "their"}}, {{LOWER: "language"}}]
      - name: Independent funding
        definition: Money of our own.
        use_when: Own budget.
        not_when: Grants from the agency.
        example: "We had our own pot."
  - name: Relationship types
    description: One per segment.
    exclusive: true
    codes:
      - {{name: Powerful allies, definition: Allies with power., use_when: a, not_when: b,
         example: c}}
"""


def codebook(tmp_path: Path, text: str = GOOD) -> Path:
    return write(tmp_path / "codebook.yaml", text)


def test_load_codebook_keeps_tree_order_and_fields(tmp_path):
    book = load_codebook(codebook(tmp_path))
    assert [(c.name, c.parent) for c in book.codes] == [
        ("Factors", None),
        ("Speaking the language", "Factors"),
        ("Independent funding", "Factors"),
        ("Relationship types", None),
        ("Powerful allies", "Relationship types"),
    ]
    language = book.codes[1]
    assert language.id == uuid.UUID(CODE_ID)
    assert language.slug == "speaking-the-language"
    assert language.examples == ["We learnt their acronyms."]
    assert book.codes[3].exclusive is True
    assert (book.title, book.version) == ("Small study", "2")


def test_check_reports_every_problem_with_its_line(tmp_path):
    bad = """\
title: Broken
themes:
  - name: Factors
    description: ok
    codes:
      - name: Funding
        defintion: typo here
      - name: funding
        definition: duplicate name
        id: not-a-uuid
      - name: Jargon
        definition: fine
        patterns:
          - [{NOT_AN_ATTR: "x"}]
        colour: blue
"""
    with pytest.raises(CodebookError) as caught:
        load_codebook(codebook(tmp_path, bad))
    lines = str(caught.value).splitlines()
    path = tmp_path / "codebook.yaml"
    assert f"{path}:6: code 'Funding' has no definition: add `definition:`" in lines
    assert any(
        line.startswith(f"{path}:7: unknown key 'defintion' in a code (did you mean 'definition'?)")
        for line in lines
    )
    assert f"{path}:8: duplicate name 'funding' (first at line 6)" in lines
    assert any(line.startswith(f"{path}:10: id of 'funding' is not a UUID") for line in lines)
    assert any(
        line.startswith(f"{path}:14: pattern 1 of 'Jargon': not a valid spaCy Matcher pattern")
        for line in lines
    )
    assert any(line.startswith(f"{path}:15: colour 'blue' of 'Jargon'") for line in lines)
    assert len(caught.value.problems) == 6


def test_check_reports_broken_yaml_with_line(tmp_path):
    with pytest.raises(CodebookError) as caught:
        load_codebook(codebook(tmp_path, "themes:\n  - name: A\n    description: [unclosed\n"))
    assert str(caught.value).startswith(f"{tmp_path / 'codebook.yaml'}:4: not valid YAML")


def test_check_finds_cycles_and_duplicate_ids_in_flat_codes(tmp_path):
    flat = f"""\
codes:
  - {{id: {THEME_ID}, name: A, definition: a, parent: B}}
  - {{id: {THEME_ID}, name: B, definition: b, parent: A}}
"""
    with pytest.raises(CodebookError) as caught:
        load_codebook(codebook(tmp_path, flat))
    text = str(caught.value)
    assert f"duplicate id {THEME_ID} (also 'A', line 2)" in text
    assert "cycle of parents: A -> B -> A" in text


def test_flat_codes_may_name_a_parent_listed_later(tmp_path):
    flat = """\
codes:
  - {name: Child, definition: c, parent: Theme}
  - {name: Theme, description: t}
"""
    book = load_codebook(codebook(tmp_path, flat))
    assert [(c.name, c.parent) for c in book.codes] == [("Theme", None), ("Child", "Theme")]


def codes_by_name(session):
    return {c.name: c for c in session.scalars(select(Code))}


def test_sync_adds_then_renames_by_id_and_archives(project, tmp_path):
    path = codebook(tmp_path)
    with project.transaction() as session:
        report = sync_codebook(session, load_codebook(path))
    assert len(report.added) == 5 and report.ids_missing == [
        "Independent funding",
        "Relationship types",
        "Powerful allies",
    ]

    renamed = GOOD.replace("name: Speaking the language", "name: Speaking their language")
    renamed = renamed.replace(
        "      - name: Independent funding\n        definition: Money of our own.\n"
        "        use_when: Own budget.\n        not_when: Grants from the agency.\n"
        '        example: "We had our own pot."\n',
        "",
    )
    write(path, renamed)
    with project.transaction() as session:
        report = sync_codebook(session, load_codebook(path))
        codes = codes_by_name(session)
    assert report.renamed == [("Speaking the language", "Speaking their language")]
    assert report.archived == ["Independent funding"]
    assert codes["Speaking their language"].id == uuid.UUID(CODE_ID)
    assert codes["Independent funding"].archived is True
    assert codes["Speaking their language"].parent_id == uuid.UUID(THEME_ID)


def test_sync_again_changes_nothing_and_restores_archived(project, tmp_path):
    path = codebook(tmp_path)
    with project.transaction() as session:
        sync_codebook(session, load_codebook(path))
        report = sync_codebook(session, load_codebook(path))
    assert not report.changed and report.unchanged == 5
    write(path, GOOD.replace("Powerful allies", "Allies"))
    with project.transaction() as session:
        assert sync_codebook(session, load_codebook(path)).archived == ["Powerful allies"]
    write(path, GOOD)
    with project.transaction() as session:
        report = sync_codebook(session, load_codebook(path))
    assert report.restored == ["Powerful allies"] and report.archived == ["Allies"]


def test_sync_never_deletes_a_code(project, tmp_path):
    with project.transaction() as session:
        sync_codebook(session, load_codebook(codebook(tmp_path)))
    write(tmp_path / "codebook.yaml", "themes:\n  - {name: Other, description: x}\n")
    with project.transaction() as session:
        sync_codebook(session, load_codebook(tmp_path / "codebook.yaml"))
        codes = codes_by_name(session)
    assert len(codes) == 6
    assert sorted(n for n, c in codes.items() if not c.archived) == ["Other"]


def test_repository_codebook_is_valid():
    book = load_codebook(Path(__file__).resolve().parent.parent / "codebook.yaml")
    names = {c.name for c in book.codes}
    assert {"Independent funding", "Speaking the language", "Powerful allies"} <= names
    types = next(c for c in book.codes if c.name.lower().startswith("relationship type"))
    assert types.exclusive
    assert all(c.id is not None for c in book.codes)
