"""YAML that would exhaust the stack or the memory: front matter and codebooks.

Each file gets one line naming it, its line and what to do; the other files of the
import go on; the database is as it was.
"""

from __future__ import annotations

import pytest
from helpers import write
from hostile import dump, query, run, run_limited

from qualcode import CodebookError, load_codebook

GOOD = "Jo: We talk to the council every week. They listen.\n"

# 600 bytes that PyYAML's safe_load turns into 9**9 strings once copied (2.3 GB and growing).
LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9 if prev else ['lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


def front_matter(yaml: str) -> str:
    return f"---\n{yaml}---\n{GOOD}"


HOSTILE_FRONT_MATTER = {
    "brackets.md": (front_matter("x: " + "[" * 20_000 + "]" * 20_000 + "\n"), 2, "nested more"),
    "self.md": (front_matter("title: t\na: &a [1, *a]\n"), 3, "alias (*name) inside"),
    "laughs.md": (front_matter(LAUGHS), 7, "aliases (*name) that expand"),
    "month13.md": (front_matter("date: 2021-13-45\n"), 2, "month must be in 1..12"),
    "digits.md": (front_matter("n: " + "9" * 5000 + "\n"), 2, "4300 digits"),
}


def test_hostile_front_matter_fails_its_file_and_the_others_import(project):
    folder = project.root / "transcripts"
    write(folder / "a-good.md", GOOD)
    for name, (text, _line, _why) in HOSTILE_FRONT_MATTER.items():
        write(folder / name, text)
    result = run_limited(project.root, "import", folder)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == len(HOSTILE_FRONT_MATTER), result.stderr
    for name, (_text, line, why) in HOSTILE_FRONT_MATTER.items():
        (said,) = [e for e in errors if f"{folder / name}:" in e]
        assert said.startswith(f"error: {folder / name}:{line}: front matter "), said
        assert why in said
    assert "1 imported" in result.stdout
    assert query(project.root / "qualcode.db", "SELECT name FROM documents") == [("a-good.md",)]


CODEBOOK_HEAD = "title: t\nthemes:\n  - name: Trust\n    description: About trust.\n    codes:\n"


def nested_themes(levels: int) -> str:
    """A theme with codes nested ``levels`` deep under it."""
    lines = ["title: t", "themes:"]
    for level in range(levels):
        pad = "  " * (2 * level + 1)
        lines += [f"{pad}- name: level {level}", f"{pad}  definition: d.", f"{pad}  codes:"]
    pad = "  " * (2 * levels + 1)
    lines += [f"{pad}- name: leaf", f"{pad}  definition: d."]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            CODEBOOK_HEAD + "      - name: Bad\n        definition: d.\n        patterns:\n"
            '          - [{TEXT: {REGEX: "("}}]\n'
            '          - [{LOWER: our}, {LOWER: {REGEX: "[a-"}}]\n'
            "      - name: Red\n        definition: d.\n        colour: red\n",
            [
                ":9: pattern 1 of 'Bad': token 1 TEXT: REGEX '(' is not a regular expression",
                ":10: pattern 2 of 'Bad': token 2 LOWER: REGEX '[a-' is not a regular expression",
                ":13: colour 'red' of 'Red' is not a hex colour",
            ],
        ),
        (nested_themes(12), [":33: 'level 10' is nested 11 levels deep (under 'level 9')"]),
        (nested_themes(40), [":96: the YAML has lists and mappings nested more than 64 levels"]),
        ("themes: " + "[" * 20_000 + "]" * 20_000, [":1: the YAML has lists and mappings"]),
        ("themes: &t [*t]\n", [":1: the YAML has an alias (*name) inside the list"]),
        (LAUGHS, [":6: the YAML has aliases (*name) that expand past what qualcode reads"]),
    ],
    ids=["regex", "eleven-levels", "forty-levels", "brackets", "self-alias", "laughs"],
)
def test_codebook_check_lists_every_problem_and_sync_refuses_them(project, text, expected):
    path = write(project.root / "codebook.yaml", text)
    before = dump(project.root / "qualcode.db")
    checked = run(project.root, "codebook", "check")
    synced = run(project.root, "codebook", "sync")
    for result in (checked, synced):
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
        assert result.output.startswith(f"Error: {path}:")
        lines = result.output.removeprefix("Error: ").splitlines()
        assert len(lines) == len(expected), result.output
        for line, wanted in zip(lines, expected, strict=True):
            assert line.startswith(f"{path}{wanted}"), line
    assert synced.output == checked.output
    assert dump(project.root / "qualcode.db") == before


def test_codebook_with_a_long_chain_of_parents_is_refused_quickly(tmp_path):
    flat = ["codes:", "  - {name: c0, description: d.}"]
    flat += [f"  - {{name: c{i}, definition: d., parent: c{i - 1}}}" for i in range(1, 2000)]
    path = write(tmp_path / "codebook.yaml", "\n".join(flat) + "\n")
    with pytest.raises(CodebookError) as caught:
        load_codebook(path)
    assert caught.value.problems == [
        (12, "'c10' is nested 11 levels deep (under 'c9'); qualcode allows 10 levels: "
         "give it a parent nearer the top")
    ]  # fmt: skip
