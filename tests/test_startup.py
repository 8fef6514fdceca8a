"""Commands start fast: the CLI and the light commands never import what they do not use.

spaCy, FastAPI, Alembic, openpyxl and python-docx each take a second or more to import on
a small machine; a command that loads them all took 7-12 s to do nothing. Each check runs
the command in a fresh Python, as a user's shell does, and looks at ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import qualcode
from qualcode import migrations
from qualcode.project import Project

HEAVY = ("spacy", "thinc", "fastapi", "starlette", "uvicorn", "alembic", "openpyxl", "docx")

# Runs the command line in this process, then prints the heavy modules it imported.
PROBE = """
import json, sys
from qualcode.cli import cli
try:
    cli(sys.argv[2:], prog_name="qualcode")
except SystemExit as stop:
    if stop.code:
        raise
print(json.dumps(sorted(name for name in json.loads(sys.argv[1]) if name in sys.modules)))
"""


def heavy_modules_of(args: list[str], cwd: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(HEAVY), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_importing_the_cli_loads_no_heavy_module(tmp_path: Path) -> None:
    code = "import json, sys, qualcode.cli; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert [name for name in HEAVY if name in json.loads(done.stdout)] == []


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["status"],
        ["documents"],
        ["code", "area-1-mapping-workshop.md", "3", "Independent funding", "--coder", "ana"],
        ["--as", "ana", "suggestions"],
    ],
    ids=["help", "status", "documents", "code", "suggestions"],
)
def test_light_commands_load_no_heavy_module(example_project: Project, args: list[str]) -> None:
    assert heavy_modules_of(args, example_project.root) == []


def test_a_current_schema_is_recognised_without_alembic() -> None:
    """The cheap check at every open (the newest file in versions/) agrees with Alembic."""
    assert migrations.newest_revision() == migrations.head_revision()


def test_every_public_name_resolves() -> None:
    names = {name: getattr(qualcode, name) for name in qualcode.__all__}
    assert names["open_project"].__module__ == "qualcode.project"
    assert names["queries"].__name__ == "qualcode.queries"
    assert names["coded_quotes"].__name__ == "quotes"
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        qualcode.nonexistent  # noqa: B018
