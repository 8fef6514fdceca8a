"""Codebook changes made while coding are written back to codebook.yaml, keeping its
comments and order, synced into the project, logged and undoable."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from qualcode import load_codebook, queries, sync_codebook
from qualcode.codebook_edit import edit_codebook
from qualcode.coding import get_coder
from qualcode.errors import QualcodeError
from qualcode.undo import undo_last

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def study(coded_project):
    """The coded example, its codebook synced from the copy in the project folder."""
    with coded_project.transaction() as session:
        sync_codebook(session, load_codebook(coded_project.root / "codebook.yaml"))
        get_coder(session, "lee", role="lead")
    return coded_project


def edit(project, who: str, action: str, code: str | None = None, **what):
    with project.transaction() as session:
        return edit_codebook(session, project.root, who, action, code, **what)


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def undo(project, who: str) -> str:
    with project.transaction() as session:
        return undo_last(session, who)


def test_rename_changes_one_line_of_the_file_and_keeps_the_codings(study):
    path = study.root / "codebook.yaml"
    before = path.read_text(encoding="utf-8")
    used = len(queries.codings(study, code="Trust"))
    done = edit(study, "ana", "rename", "Trust", name="Trust and honesty")
    after = path.read_text(encoding="utf-8")
    assert changed_lines(before, after) == [
        "-        name: Trust",
        "+        name: Trust and honesty",
    ]
    assert after.startswith("# qualcode default codebook\n#\n# The framework below")
    assert len(queries.codings(study, code="Trust and honesty")) == used > 0
    assert done.message == "renamed 'Trust' to 'Trust and honesty'"
    said = undo(study, "ana")
    assert "undone" in said
    assert path.read_text(encoding="utf-8") == before
    assert len(queries.codings(study, code="Trust")) == used


def test_create_in_vivo_recolour_define_and_move(study):
    path = study.root / "codebook.yaml"
    before = path.read_text(encoding="utf-8")
    made = edit(study, "ana", "create", name=" cap in hand. ", parent="Power")
    codes = queries.codes(study)
    row = codes[codes["id"] == made.code_id].iloc[0]
    assert (row["name"], row["parent"]) == ("cap in hand", "Power")
    edit(study, "ana", "recolour", made.code_id, colour="#AA3377")
    edit(study, "ana", "define", made.code_id, definition="Asking an agency for money " * 4)
    edit(study, "ana", "move", made.code_id, parent="Outcomes")
    text = path.read_text(encoding="utf-8")
    added = changed_lines(before, text)
    assert all(line.startswith("+") for line in added)  # nothing of the file was lost
    assert "+        name: cap in hand" in added and "+        colour: '#AA3377'" in added
    assert load_codebook(path).codes[-1].name == "cap in hand"  # the last theme's last code
    codes = queries.codes(study)
    assert codes[codes["id"] == made.code_id].iloc[0]["parent"] == "Outcomes"
    for _ in range(4):
        undo(study, "ana")
    assert path.read_text(encoding="utf-8") == before
    assert made.code_id not in set(queries.codes(study)["id"])  # archived


def test_merge_moves_the_codings_removes_the_code_and_undoes_whole(study):
    path = study.root / "codebook.yaml"
    before = path.read_text(encoding="utf-8")
    respect = len(queries.codings(study, code="Respect"))
    trust = len(queries.codings(study, code="Trust"))
    with pytest.raises(QualcodeError, match="belong to other coders"):
        edit(study, "ana", "merge", "Respect", into="Trust")  # ben's codings too
    assert path.read_text(encoding="utf-8") == before
    assert len(queries.codings(study, code="Respect")) == respect
    edit(study, "lee", "merge", "Respect", into="Trust")
    assert "name: Respect\n" not in path.read_text(encoding="utf-8")
    assert "Respect" not in set(queries.codes(study)["name"])
    assert trust < len(queries.codings(study, code="Trust")) <= trust + respect
    undo(study, "lee")
    assert path.read_text(encoding="utf-8") == before
    assert len(queries.codings(study, code="Respect")) == respect


def test_bad_changes_say_so_and_leave_the_file(study):
    path = study.root / "codebook.yaml"
    before = path.read_text(encoding="utf-8")
    for action, code, what, said in [
        ("rename", "Trust", {"name": "  "}, "needs a name"),
        ("recolour", "Trust", {"colour": "red"}, "no colour"),
        (
            "move",
            "Factors that help or hinder relationships",
            {"parent": "Independent funding"},
            "under itself",
        ),
        ("create", None, {"name": "Trust", "parent": "Power"}, "would leave"),
        ("rename", "Trust", {"name": "Respect"}, "Respect"),
    ]:
        with pytest.raises(QualcodeError, match=said):
            edit(study, "ana", action, code, **what)
        assert path.read_text(encoding="utf-8") == before


def test_a_codebook_synced_from_outside_the_project_is_never_written(coded_project, tmp_path):
    """The example database was synced from the repository's codebook.yaml: a change made
    in a copy of the project goes to the copy's own file (synced from then on), and once
    that file is gone a change is refused."""
    outside = (REPO / "codebook.yaml").read_text(encoding="utf-8")
    edit(coded_project, "ana", "recolour", "Respect", colour="#336699")
    assert (REPO / "codebook.yaml").read_text(encoding="utf-8") == outside
    assert "colour: '#336699'" in (coded_project.root / "codebook.yaml").read_text(encoding="utf-8")
    (coded_project.root / "codebook.yaml").unlink()
    with pytest.raises(QualcodeError, match="no codebook at .*put it back"):
        edit(coded_project, "ana", "rename", "Respect", name="Regard")
    assert (REPO / "codebook.yaml").read_text(encoding="utf-8") == outside
