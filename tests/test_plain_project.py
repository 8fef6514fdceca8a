"""A plain project, as a new user starts one: the sample hearing transcripts as plain .txt
files (no front matter, no manifest, no attributes) and a small codebook, taken through
every command of the CLI in the order a user would.

Each step must end with exit status 0, or with one clear `Error: ...` line, and never
with a traceback. The commands are found by walking the click group: a new command
fails `test_every_command_has_a_step` until a step below runs it.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from helpers import write

from qualcode.cli import cli

SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "sample-transcripts"
HEARINGS = sorted(p.name for p in SAMPLES.glob("*.txt"))
DOC, OTHER = HEARINGS[-1], HEARINGS[0]  # the shorter hearing first
CODEBOOK = """\
title: Covid inquiry hearings
version: "1"
themes:
  - name: Support
    description: What organisations did for people, or needed to.
    codes:
      - name: Funding
        definition: Money for the work, or the lack of it.
        patterns: [funding, grant, money]
      - name: Money
        definition: Money mentioned in passing.
      - name: Communities
        definition: The communities an organisation serves.
        patterns: [community, communities]
  - name: Voice
    description: Whether people were listened to.
    exclusive: true
    codes:
      - name: Heard
        definition: Being listened to.
        patterns: [listened]
      - name: Unheard
        definition: Not being listened to.
        patterns: [unheard, ignored]
"""
RULES = {"Funding": ("fund", "money", "grant"), "Communities": ("communit",),
         "Heard": ("listened",), "Unheard": ("unheard", "ignored")}  # fmt: skip

Args = list[str] | Callable[[Path], list[str]]


def first_id(root: Path) -> list[str]:
    """The best pending suggestion of ana's."""
    ids = invoke(root, "--as", "ana", "suggestions", "--order", "score", "--ids").output.split()
    return ids[:1]


def last_id(root: Path) -> list[str]:
    ids = invoke(root, "--as", "ana", "suggestions", "--order", "score", "--ids").output.split()
    return ids[-1:]


def codings_sheet(root: Path) -> list[str]:
    """ana's and ben's codings, placed by segment number, as a spreadsheet would hold them."""
    rows = []
    for k, name in enumerate(HEARINGS):
        segments = json.loads(invoke(root, "segments", name, "--json").output)
        for segment in segments:
            text = segment["text"].lower()
            for code, words in RULES.items():
                if any(word in text for word in words):  # each coder misses some
                    if (segment["ordinal"] + k) % 3:
                        rows.append((name, segment["ordinal"], code, "ana"))
                    if (segment["ordinal"] + k) % 4:
                        rows.append((name, segment["ordinal"], code, "ben"))
    path = root / "codings-in.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["document", "segment", "code", "coder"])
        writer.writerows(rows)
    return [str(path)]


# The steps, in order: (who, command, arguments). Every command is in here at least once.
STEPS: list[tuple[str | None, str, Args]] = [
    (None, "init", []),
    (None, "codebook check", []),
    (None, "codebook sync", []),
    (None, "import", lambda root: [str(root / "transcripts")]),
    (None, "documents", []),
    (None, "segments", [DOC]),
    (None, "status", []),
    (None, "coder", ["lee", "--role", "lead"]),
    ("lee", "assign", [DOC, OTHER, "--coders", "ana,ben"]),
    (None, "assignments", []),
    ("lee", "codings import", codings_sheet),
    ("lee", "edit", [DOC]),  # $EDITOR is a sed that corrects a word (see `invoke`)
    ("lee", "revisions", [DOC]),
    ("lee", "review", []),
    ("lee", "revert", [DOC, "1"]),
    ("ana", "code", [DOC, "2", "Funding"]),
    ("ana", "uncode", [DOC, "2", "Funding"]),
    ("ana", "undo", []),
    ("ana", "codings", []),
    ("lee", "codings export", lambda root: [str(root / "exports" / "codings.xlsx")]),
    ("lee", "history", []),
    ("ana", "memo", ["document", DOC, "Read the witness statement first."]),
    ("ana", "memos", []),
    ("lee", "codebook show", []),
    ("lee", "agreement", lambda root: ["--html", str(root / "exports" / "agreement.html")]),
    ("lee", "agreement", ["--unit", "span"]),
    ("lee", "adjudicate", ["--code", "Funding", "--take", "ana"]),
    ("lee", "quotes", []),
    ("lee", "quotes", ["--csv"]),
    ("lee", "export", []),
    (
        "lee",
        "export",
        ["--format", "md", "--format", "docx", "--format", "xlsx", "--format", "csv"],
    ),
    ("ana", "suggest", []),
    ("ana", "suggestions", []),
    ("ana", "accept", first_id),
    ("ana", "reject", last_id),
    ("lee", "suggest", ["--evaluate", "--folds", "2"]),
    ("lee", "round", ["open"]),
    ("ana", "round", ["status"]),
    ("lee", "round", ["close"]),
    ("lee", "codebook split", ["Funding", "Money", "--containing", "money"]),
    ("lee", "codebook merge", ["Money", "Funding"]),
    ("lee", "codebook export", ["--format", "csv"]),
    ("lee", "codebook import",
     lambda root: [str(root / "exports" / "codebook.csv"), "--out", str(root / "back.yaml")]),
    ("lee", "user add", ["sam"]),
    ("lee", "user role", ["sam", "lead"]),
    ("lee", "user reset", ["sam"]),
    ("lee", "user disable", ["sam"]),
    ("lee", "user list", []),
    ("lee", "audit", []),
    ("lee", "backup", lambda root: [str(root / "exports" / "backup.db")]),
    (None, "db copy",
     lambda root: [str(root / "qualcode.db"), str(root / "exports" / "copy.db")]),
    (None, "serve", ["--port", "0", "--no-browser"]),
]


def commands(group: click.Group, prefix: str = "") -> list[str]:
    """Every command a user can run: the leaves, and groups that run without a sub-command."""
    found = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            if command.invoke_without_command:
                found.append(f"{prefix}{name}")
            found += commands(command, f"{prefix}{name} ")
        else:
            found.append(f"{prefix}{name}")
    return found


def invoke(root: Path, *args: str):
    env = {"COLUMNS": "120", "EDITOR": "sed -i s/Inquiry/inquiry/"}  # for `edit`
    return CliRunner().invoke(cli, ["--project", str(root), *args], env=env)


def serve(root: Path, args: list[str]) -> tuple[int, str]:
    """Start the server as a user does, wait for the address it prints, then stop it."""
    command = [sys.executable, "-m", "qualcode", "--project", str(root), "serve", *args]
    env = {**os.environ, "QUALCODE_CODER": ""}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as server:
        try:
            first = server.stdout.readline()
        finally:
            server.terminate()
        _out, err = server.communicate(timeout=30)
    return (0 if first.startswith("http://") else 1), first + err


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plain") / "hearings"
    (root / "transcripts").mkdir(parents=True)
    for name in HEARINGS:
        shutil.copy(SAMPLES / name, root / "transcripts" / name)
    write(root / "codebook.yaml", CODEBOOK)
    return root


def test_every_command_has_a_step():
    assert set(commands(cli)) <= {command for _who, command, _args in STEPS}


def test_the_transcripts_are_plain():
    assert HEARINGS and not list(SAMPLES.glob("manifest.csv"))
    for name in HEARINGS:
        assert not (SAMPLES / name).read_text(encoding="utf-8").startswith("---")


def step_id(step: tuple[str | None, str, Args]) -> str:
    who, command, args = step
    shown = " ".join(args) if isinstance(args, list) else args.__name__.strip("<>")
    return " ".join(filter(None, [f"--as {who}" if who else "", command, shown]))


@pytest.mark.parametrize("step", STEPS, ids=step_id)
def test_each_command_runs_on_a_plain_project(root, step):
    who, command, args = step
    args = args(root) if callable(args) else args
    if command == "serve":
        status, output = serve(root, args)
    else:
        result = invoke(root, *(["--as", who] if who else []), *command.split(), *args)
        status, output = result.exit_code, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), output
    assert "Traceback" not in output
    if status != 0:
        lines = output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), output
    assert status == 0, output
