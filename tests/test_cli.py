"""The command line, as a user types it: output, --json shapes, errors and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import write

from qualcode.cli import cli

TALK = """\
---
area: Area 2
speakers:
  Jo: {agency_type: community}
---
Jo: We learnt to speak the council's language. It took years.
"""


def run(runner, root, *args, code=0):
    result = runner.invoke(cli, ["--project", str(root), *args])
    assert result.exit_code == code, result.output
    return result


def test_init_import_and_list_documents(runner, tmp_path):
    write(tmp_path / "transcripts" / "talk.md", TALK)
    assert "Project ready" in run(runner, tmp_path, "init").output
    result = run(runner, tmp_path, "import", str(tmp_path / "transcripts"))
    assert result.output.strip().endswith("1 imported; 2 segments")
    docs = json.loads(run(runner, tmp_path, "documents", "--json").output)
    assert docs == [
        {
            "id": docs[0]["id"],
            "name": "talk.md",
            "format": "md",
            "words": 11,
            "segments": 2,
            "speakers": [{"label": "Jo", "attributes": {"agency_type": "community"}}],
            "attributes": {"area": "Area 2"},
        }
    ]
    again = run(runner, tmp_path, "import", str(tmp_path / "transcripts"))
    assert "skipped:" in again.output and "1 skipped" in again.output


def test_segments_json_gives_exact_text_and_offsets(runner, tmp_path):
    write(tmp_path / "talk.md", TALK)
    run(runner, tmp_path, "init")
    run(runner, tmp_path, "import", str(tmp_path / "talk.md"))
    rows = json.loads(run(runner, tmp_path, "segments", "talk", "--json").output)
    assert [(r["ordinal"], r["speaker"], r["text"]) for r in rows] == [
        (1, "Jo", "We learnt to speak the council's language."),
        (2, "Jo", "It took years."),
    ]
    assert set(rows[0]) == {
        "ordinal",
        "id",
        "speaker",
        "start",
        "end",
        "time_start",
        "time_end",
        "text",
    }
    assert rows[0]["time_start"] is None


def test_unknown_document_suggests_near_names(runner, tmp_path):
    write(tmp_path / "talk.md", TALK)
    run(runner, tmp_path, "init")
    run(runner, tmp_path, "import", str(tmp_path / "talk.md"))
    result = run(runner, tmp_path, "segments", "tallk.md", code=1)
    assert result.output == (
        "Error: no document 'tallk.md' in this project; did you mean 'talk.md'? "
        "(see `qualcode documents`)\n"
    )


def test_import_of_a_bad_file_exits_1_and_keeps_the_good_ones(runner, tmp_path):
    write(tmp_path / "in" / "talk.md", TALK)
    write(tmp_path / "in" / "empty.md", "")
    run(runner, tmp_path, "init")
    result = run(runner, tmp_path, "import", str(tmp_path / "in"), code=1)
    assert f"error: {tmp_path / 'in' / 'empty.md'}: file is empty" in result.output
    assert "1 imported; 2 segments; 1 failed" in result.output
    assert len(json.loads(run(runner, tmp_path, "documents", "--json").output)) == 1


def test_command_without_project_says_run_init(runner, tmp_path):
    result = run(runner, tmp_path, "status", code=1)
    assert result.output.startswith(f"Error: no qualcode project at {tmp_path / 'qualcode.db'}")


def test_db_option_and_env_point_at_another_database(runner, tmp_path, monkeypatch):
    run(runner, tmp_path, "--db", "team.db", "init")
    status = json.loads(run(runner, tmp_path, "--db", "team.db", "status", "--json").output)
    assert status["database"] == str(tmp_path / "team.db")
    monkeypatch.setenv("QUALCODE_DB", str(tmp_path / "team.db"))
    status = json.loads(run(runner, tmp_path, "status", "--json").output)
    assert status["database"] == str(tmp_path / "team.db")
    assert status["unit"] == "sentence" and status["counts"]["documents"] == 0


def test_codebook_check_lists_problems_and_exits_1(runner, tmp_path):
    write(tmp_path / "codebook.yaml", "themes:\n  - name: A\n    codes:\n      - name: B\n")
    result = run(runner, tmp_path, "codebook", "check", code=1)
    path = tmp_path / "codebook.yaml"
    assert result.output == (
        f"Error: {path}:2: theme 'A' has no description: add `description:`\n"
        f"{path}:4: code 'B' has no definition: add `definition:`\n"
    )


def test_example_codebook_syncs_and_shows_as_a_tree(runner, example_root):
    run(runner, example_root, "init")
    assert "OK" in run(runner, example_root, "codebook", "check").output
    synced = json.loads(run(runner, example_root, "codebook", "sync", "--json").output)
    assert len(synced["added"]) > 30 and synced["archived"] == []
    shown = json.loads(run(runner, example_root, "codebook", "show", "--json").output)
    assert shown["codebook"]["title"] == "Big Local relationships with public agencies"
    themes = {t["name"]: t for t in shown["themes"]}
    factors = next(t for name, t in themes.items() if name.startswith("Factors"))
    names = [c["name"] for c in factors["codes"]]
    assert "Speaking the language" in names
    assert all(c["definition"] and c["theme"] == factors["name"] for c in factors["codes"])
    assert "Speaking the language" in run(runner, example_root, "codebook", "show").output


def test_status_counts_after_the_main_job(runner, example_root):
    run(runner, example_root, "init")
    run(runner, example_root, "codebook", "sync")
    run(runner, example_root, "import", str(example_root / "transcripts"))
    status = json.loads(run(runner, example_root, "status", "--json").output)
    assert status["counts"]["documents"] >= 10
    assert status["codebook"]["version"]
    text = run(runner, example_root, "status").output
    assert "codebook: Big Local relationships with public agencies (version" in text


BRACKETED = """\
---
site: "[north]"
---
Jo: That's [laughs] fair. We trust them :smile: now.

Sam: [crosstalk] It took [bold]years[/bold].
"""
BRACKETED_CODEBOOK = """\
title: "[Pilot] study"
themes:
  - name: Relations [draft]
    description: How they get on.
    exclusive: true
    codes:
      - name: Trust [provisional]
        definition: "[b]Relying[/b] on each other."
        patterns: [trust]
      - name: Distrust
        definition: Not relying on each other.
"""


def test_tables_and_messages_print_bracketed_text_as_written(runner, tmp_path):
    """Rich reads [word] as markup and :smile: as an emoji: a transcript's must print as is."""
    write(tmp_path / "codebook.yaml", BRACKETED_CODEBOOK)
    write(tmp_path / "talk [v2].md", BRACKETED)
    wide = {"COLUMNS": "250"}

    def shows(*args: str) -> str:
        result = runner.invoke(cli, ["--project", str(tmp_path), "--as", "lee", *args], env=wide)
        assert result.exit_code == 0, result.output
        return result.output

    for args in (
        ["init"],
        ["codebook", "sync"],
        ["import", str(tmp_path / "talk [v2].md")],
        ["coder", "lee", "--role", "lead"],
        ["assign", "talk [v2].md", "--coders", "ana,ben"],
        ["code", "talk [v2].md", "1", "Trust [provisional]", "--coder", "ana"],
        ["code", "talk [v2].md", "1", "Trust [provisional]", "--coder", "ben"],
        ["code", "talk [v2].md", "3", "Trust [provisional]", "--coder", "ben"],
        ["memo", "document", "talk [v2].md", "[todo] ask Jo", "--coder", "ana"],
        ["suggest", "--coder", "ana"],
    ):
        shows(*args)
    said = "That's [laughs] fair."  # a note inside a sentence stays in its segment
    assert said in shows("segments", "talk [v2]") and "[bold]years[/bold]" in shows(
        "segments", "talk [v2]"
    )
    assert ":smile:" in shows("segments", "talk [v2]")
    assert "talk [v2].md" in shows("documents") and "[north]" in shows("documents")
    assert said in shows("codings") and "Trust [provisional]" in shows("codings")
    assert said in shows("history") and "[todo] ask Jo" in shows("memos")
    assert said in shows("quotes") and "talk [v2].md: ana, ben" in shows("assignments")
    book = shows("codebook", "show")
    assert "[Pilot] study" in book and "Relations [draft] [exclusive]" in book
    assert "Trust [provisional]" in book and "[b]Relying[/b] on each other." in book
    assert "Relations [draft]" in shows("agreement")
    assert "It took [bold]years[/bold]." in shows("suggestions")  # [crosstalk]: no segment's


def test_codebook_check_status_and_readme_count_the_same_codes(runner, example_project):
    """Themes are the codebook's top level; codes are everything below, sub-codes included."""
    root = example_project.root
    checked = run(runner, root, "codebook", "check").output
    assert checked.endswith(": OK, 6 themes and 44 codes (sub-codes included)\n")
    counts = json.loads(run(runner, root, "status", "--json").output)["counts"]
    assert (counts["themes"], counts["codes"], counts["archived_codes"]) == (6, 44, 0)
    assert (
        "          codes: 44 (sub-codes included, themes not)\n"
        in run(runner, root, "status").output
    )
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "44 codes in 6 themes" in readme and " 41 codes" not in readme


def test_assignments_says_when_there_are_none(runner, tmp_path):
    run(runner, tmp_path, "init")
    assert run(runner, tmp_path, "assignments").output == (
        "No document is assigned yet: `qualcode assign DOCUMENT... --coders A,B`.\n"
    )
    assert json.loads(run(runner, tmp_path, "assignments", "--json").output) == []


def test_tables_written_to_a_file_or_a_pipe_keep_names_whole(runner, coded_project):
    """`qualcode documents > list.txt`: each name on one line, nothing cut to 'area-1-fac…'
    (rich lays tables out in 80 columns when it has no terminal)."""
    root = coded_project.root
    names = [row["name"] for row in json.loads(run(runner, root, "documents", "--json").output)]
    listed = run(runner, root, "documents").output
    assert "…" not in listed
    assert all(name in listed for name in names)
    assert max(len(line) for line in listed.splitlines()) <= 200
    coded = run(runner, root, "--as", "ana", "codings").output
    assert names[0] in coded and "…" not in coded
