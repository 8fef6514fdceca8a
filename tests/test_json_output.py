"""Every `--json` output is strict JSON of the shape docs/schemas/ documents.

The commands are found by walking the click group, so a new command with `--json`
fails here until it has a case below and a schema beside the README's description.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import click
import jsonschema_rs
import pytest
from click.testing import CliRunner
from helpers import write

from qualcode.cli import cli
from qualcode.models import LOG_ACTIONS

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = REPO / "docs" / "schemas"
README = (REPO / "README.md").read_text(encoding="utf-8")
DOCUMENTS = ["area-1-mapping-workshop.md", "area-2-interview-council-officer.txt",
             "area-3-facilitated-conversation-pcn.md"]  # fmt: skip
# Front matter JSON cannot hold as numbers, and text rich would take for markup.
ODD = """\
---
title: Odd values
big: .inf
small: -.inf
unknown: .nan
when: 2021-07-14
---
Jo: [laughs] That's fair. We can rely on them now :smile:.

Sam: [crosstalk] It took years.
"""

# Command -> (schema, arguments) cases; {root} is the project folder. Everything runs as
# the lead lee, who sees every coder's work.
CASES: dict[str, list[tuple[str, list[str]]]] = {
    "documents": [("documents", [])],
    "segments": [("segments", ["odd.md"]), ("segments", [DOCUMENTS[0]])],
    "status": [("status", [])],
    "import": [("import", ["{root}/transcripts"])],
    "codebook show": [("codebook-show", ["--archived"])],
    "codebook sync": [("codebook-sync", [])],
    "codings": [("codings", [])],
    "codings import": [("codings-import", ["{root}/codings.csv"])],
    "history": [("history", ["--limit", "1000"])],
    "memos": [("memos", [])],
    "assignments": [("assignments", [])],
    "agreement": [
        ("agreement", []),
        ("agreement", ["--unit", "span"]),
        ("agreement", ["--resamples", "0", "--method", "krippendorff-1995", "--method", "atlas",
                       "--method", "maxqda", "--method", "nvivo"]),
    ],  # fmt: skip
    "quotes": [("quotes", [])],
    "suggest": [
        ("suggest", ["--coder", "ana"]),
        ("suggest-evaluate", ["--evaluate", "--folds", "2"]),
    ],
    "suggestions": [("suggestions", ["--status", "all"])],
    "user list": [("user-list", [])],
    "audit": [("audit", ["--limit", "1000"])],
    "review": [("review", [])],
    "revisions": [("revisions", [DOCUMENTS[0]]), ("revisions", [DOCUMENTS[0], "--diff", "2"])],
}


def json_commands(group: click.Group, prefix: str = "") -> list[str]:
    """Every command, at any depth, that takes ``--json``."""
    found = []
    for name, command in group.commands.items():
        if any("--json" in param.opts for param in command.params):
            found.append(f"{prefix}{name}")
        if isinstance(command, click.Group):
            found += json_commands(command, f"{prefix}{name} ")
    return found


def strict(text: str):
    """json.loads that refuses NaN and Infinity, which are not JSON."""

    def refuse(constant: str):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def invoke(root: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--project", str(root), "--as", "lee", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three example transcripts with their codings by ana and ben, and one odd file."""
    root = tmp_path_factory.mktemp("json") / "study"
    (root / "transcripts").mkdir(parents=True)
    shutil.copy(REPO / "codebook.yaml", root)
    for name in DOCUMENTS:
        shutil.copy(REPO / "transcripts" / name, root / "transcripts")
    write(root / "transcripts" / "odd.md", ODD)
    with open(REPO / "codings" / "example-codings.csv", encoding="utf-8", newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["document"] in DOCUMENTS]
    with open(root / "codings.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    for args in (
        ["init"],
        ["codebook", "sync"],
        ["import", str(root / "transcripts")],
        ["coder", "lee", "--role", "lead"],
        ["codings", "import", str(root / "codings.csv")],
        ["assign", *DOCUMENTS, "--coders", "ana,ben"],
        ["memo", "document", "odd.md", "[check] the date", "--coder", "ana"],
        ["suggest", "--coder", "ana"],
        ["user", "add", "author", "--role", "viewer"],
    ):
        invoke(root, *args)
    # A corrected transcript: a coded passage re-worded (re-anchored), another removed
    # (it waits for review).
    corrected = root / "transcripts" / DOCUMENTS[0]
    text = corrected.read_text(encoding="utf-8")
    text = text.replace("would believe a word", "would ever believe a word")
    respect = text.index("When we first started going to meetings")
    write(corrected, text[:respect] + text[text.index("\n", respect) :])
    invoke(root, "import", "--replace", str(corrected))
    # The `codings import` case re-imports the rows whose quotes are still there.
    with open(root / "codings.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(row for row in rows if row["document"] != DOCUMENTS[0])
    return root


def test_every_json_command_has_a_case_and_a_schema():
    assert sorted(json_commands(cli)) == sorted(CASES)
    used = {schema for cases in CASES.values() for schema, _args in cases}
    assert used == {path.stem for path in SCHEMAS.glob("*.json")}


@pytest.mark.parametrize("schema", sorted(p.stem for p in SCHEMAS.glob("*.json")))
def test_each_schema_is_valid_and_named_in_the_readme(schema):
    document = json.loads((SCHEMAS / f"{schema}.json").read_text(encoding="utf-8"))
    jsonschema_rs.meta.validate(document)
    assert f"docs/schemas/{schema}.json" in README


CASE_LIST = [(name, schema, args) for name, cases in CASES.items() for schema, args in cases]


@pytest.mark.parametrize(("command", "schema", "args"), CASE_LIST, ids=lambda v: str(v))
def test_json_output_is_strict_and_matches_its_schema(root, command, schema, args):
    args = [arg.format(root=root) for arg in args]
    output = strict(invoke(root, *command.split(), *args, "--json"))
    document = json.loads((SCHEMAS / f"{schema}.json").read_text(encoding="utf-8"))
    validator = jsonschema_rs.validator_for(document, validate_formats=True)
    problems = [
        f"{error.instance_path}: {error.message}" for error in validator.iter_errors(output)
    ]
    assert problems == []


def test_history_schema_names_every_action_of_the_log():
    schema = json.loads((SCHEMAS / "history.json").read_text(encoding="utf-8"))
    assert schema["items"]["properties"]["action"]["enum"] == list(LOG_ACTIONS)


def test_review_and_revisions_show_the_correction(root):
    waiting = strict(invoke(root, "review", "--json"))
    assert {item["document"] for item in waiting} == {DOCUMENTS[0]}
    assert any("civic centre" in item["quote"] for item in waiting)
    revisions = strict(invoke(root, "revisions", DOCUMENTS[0], "--json"))
    assert [(r["number"], r["current"]) for r in revisions] == [(1, False), (2, True)]
    added = [change["added"] for change in revisions[1]["changes"]]
    assert "ever " in "".join(added)


def test_numbers_json_cannot_hold_are_null_and_missing_segments_are_null(root):
    documents = strict(invoke(root, "documents", "--json"))
    odd = next(d for d in documents if d["name"] == "odd.md")
    assert {k: odd["attributes"][k] for k in ("big", "small", "unknown", "when")} == {
        "big": None, "small": None, "unknown": None, "when": "2021-07-14",
    }  # fmt: skip
    codings = strict(invoke(root, "codings", "--json"))
    segments = {type(c["segment"]) for c in codings}
    assert segments == {int, type(None)}  # null where a coding spans segments, never "<NA>"
