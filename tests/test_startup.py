"""Commands start fast: the CLI and the light commands never import what they do not use.

spaCy, FastAPI, Alembic, openpyxl and python-docx each take a second or more to import on
a small machine, pandas (with numpy) about as long as SQLAlchemy; a command that loaded
them all took 7-12 s to do nothing. Each check runs the command in a fresh Python, as a
user's shell does, and looks at ``sys.modules`` when it is done.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import qualcode
import qualcode.export
import qualcode.quotes
import qualcode.reliability
import qualcode.suggest
from qualcode import migrations
from qualcode.project import Project

# No command needs these unless it segments, suggests, serves, migrates or writes Office files.
HEAVY = ("spacy", "thinc", "fastapi", "starlette", "uvicorn", "alembic", "openpyxl", "docx")
# Nor these, unless it builds a table of results.
TABLES = ("pandas", "numpy", "jinja2")

# Runs the command line in this process, then prints every module it imported.
PROBE = """
import json, sys
from qualcode.cli import cli
try:
    cli(sys.argv[1:], prog_name="qualcode")
except SystemExit as stop:
    if stop.code:
        raise
print(json.dumps(sorted(sys.modules)))
"""


def modules_after(code: str, args: list[str], cwd: Path) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_importing_the_cli_loads_neither_heavy_modules_nor_pandas(tmp_path: Path) -> None:
    code = "import json, sys, qualcode.cli; print(json.dumps(sorted(sys.modules)))"
    loaded = modules_after(code, [], tmp_path)
    assert [name for name in HEAVY + TABLES if name in loaded] == []


CODE = ["code", "area-1-mapping-workshop.md", "3", "Independent funding", "--coder", "ana"]


@pytest.mark.parametrize(
    ("args", "unneeded"),
    [
        (["--help"], HEAVY + TABLES),
        (["status"], HEAVY + TABLES),
        (CODE, HEAVY + TABLES),
        (["documents"], HEAVY),
        (["--as", "ana", "suggestions"], HEAVY),
        (["--as", "ana", "quotes", "--code", "Independent funding"], HEAVY),
    ],
    ids=["help", "status", "code", "documents", "suggestions", "quotes"],
)
def test_light_commands_load_only_what_they_use(
    example_project: Project, args: list[str], unneeded: tuple[str, ...]
) -> None:
    loaded = modules_after(PROBE, args, example_project.root)
    assert [name for name in unneeded if name in loaded] == []


def test_a_current_schema_is_recognised_without_alembic() -> None:
    """The cheap check at every open (the newest file in versions/) agrees with Alembic."""
    assert migrations.newest_revision() == migrations.head_revision()


@pytest.mark.parametrize(
    "package", [qualcode, qualcode.export, qualcode.quotes, qualcode.reliability, qualcode.suggest]
)
def test_every_public_name_of_a_lazy_package_resolves(package: object) -> None:
    for name in package.__all__:
        assert getattr(package, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        package.nonexistent  # noqa: B018


def test_the_documented_imports_work() -> None:
    from qualcode import coded_quotes, open_project, queries

    assert open_project.__module__ == "qualcode.project"
    assert queries.__name__ == "qualcode.queries"
    assert coded_quotes.__name__ == "quotes"
