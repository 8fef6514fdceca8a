"""Databases that cannot be used: one line naming the database and what to do, and not a
byte written. Only ``qualcode init`` makes a project database."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import write
from hostile import digest, dump, one_error, run, write_lock

from qualcode import init_project


def siblings(path: Path) -> list[str]:
    """What SQLite would leave beside a database it opened: -wal, -shm, -journal."""
    return sorted(p.name for p in path.parent.glob(path.name + "-*"))


def foreign(path: Path) -> Path:
    """Another program's SQLite database."""
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE people (name TEXT)")
    connection.execute("INSERT INTO people VALUES ('Jo')")
    connection.commit()
    connection.close()
    return path


def truncated(path: Path) -> Path:
    """A project database cut short, as by a copy that did not finish."""
    init_project(path.parent / "whole").close()
    path.write_bytes((path.parent / "whole" / "qualcode.db").read_bytes()[:5000])
    return path


BAD_FILES = {
    "text": (lambda p: write(p, "name,code\nJo,trust\n"), "is not a SQLite database"),
    "empty": (lambda p: write(p, ""), "is an empty file, not a qualcode project: run"),
    "other program's": (foreign, "is another program's database (its tables:"),
    "truncated": (truncated, "is damaged: the file is shorter than its header says"),
}


@pytest.mark.parametrize("kind", BAD_FILES)
@pytest.mark.parametrize("command", [["status"], ["codebook", "sync"], ["import", "transcripts"]])
def test_a_file_that_is_no_project_is_refused_and_left_as_it_was(project, tmp_path, kind, command):
    make, said = BAD_FILES[kind]
    write(project.root / "codebook.yaml", "themes:\n  - {name: Trust, description: t.}\n")
    write(project.root / "transcripts" / "a.md", "Jo: We trust them.\n")
    path = make(tmp_path / "other.db")
    before = digest(path)
    line = one_error(run(project.root, "--db", path, *command).output)
    assert line.startswith(f"Error: {path} {said}"), line
    assert digest(path) == before
    assert siblings(path) == []


def test_init_makes_a_project_of_an_empty_file_but_not_of_another_programs(tmp_path):
    empty = write(tmp_path / "empty.db", "")
    assert run(tmp_path, "--db", empty, "init").exit_code == 0
    assert "alembic_version" in dump(empty)
    other = foreign(tmp_path / "other.db")
    before = digest(other)
    line = one_error(run(tmp_path, "--db", other, "init").output)
    assert line.startswith(f"Error: {other} is another program's database (its tables: people)")
    assert digest(other) == before


def test_a_folder_named_as_the_database_is_refused(tmp_path):
    (tmp_path / "study.db").mkdir()
    for command in (["status"], ["init"]):
        line = one_error(run(tmp_path, "--db", tmp_path / "study.db", *command).output)
        assert line == (
            f"Error: {tmp_path / 'study.db'} is a folder, not a database file: point --db at "
            f"the project's database (such as {tmp_path / 'study.db' / 'qualcode.db'})"
        )
    assert list((tmp_path / "study.db").iterdir()) == []


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql+psycopg2://qualcode@localhost/study", "the database driver 'psycopg2' is"),
        ("postgresql+pg8000://qualcode@localhost/study", "the database driver 'pg8000' is not"),
        ("postgresql+psycopg://qualcode@127.0.0.1:1/study", "cannot reach the PostgreSQL server"),
        ("postgresql://qualcode:secret@localhost:port/study", "is not a database qualcode can"),
        ("nosuchdb://somewhere/study", "is not a database qualcode can use"),
    ],
    ids=["psycopg2", "pg8000", "no-server", "bad-port", "unknown"],
)
def test_a_database_url_that_cannot_work_says_why(tmp_path, url, said):
    line = one_error(run(tmp_path, "--db", url, "status").output)
    assert said in line
    assert "secret" not in line


def test_a_lock_held_past_the_timeout_is_one_line_and_no_change(project):
    write(project.root / "codebook.yaml", "themes:\n  - {name: Trust, description: t.}\n")
    database = project.root / "qualcode.db"
    before = dump(database)
    with write_lock(database):
        result = run(project.root, "codebook", "sync")
    assert one_error(result.output) == (
        f"Error: {database}: the database is busy: another program (an import, the web app, "
        "a stuck process) has held it longer than qualcode waits. Try again when it has finished"
    )
    assert dump(database) == before


@contextlib.contextmanager
def read_only(path: Path):
    """Make ``path`` read-only for real: chmod for a user, chattr +i for root, who
    ignores permissions; skip where neither is possible."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", path]).returncode:
        pytest.skip("cannot make a file read-only for root here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", path], check=True)


def test_a_read_only_database_file_says_so(project):
    write(project.root / "codebook.yaml", "themes:\n  - {name: Trust, description: t.}\n")
    database = project.root / "qualcode.db"
    before = digest(database)
    with read_only(database):
        line = one_error(run(project.root, "codebook", "sync").output)
    assert line == (
        f"Error: {database}: the database cannot be written: the file, or its folder, is "
        "read-only. Make both writable, or copy the project somewhere you can write"
    )
    assert digest(database) == before


def test_a_project_on_a_read_only_mount_says_so(project):
    """A bind mount made read-only inside a mount namespace of its own (needs root)."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("a read-only mount needs root and unshare")
    write(project.root / "codebook.yaml", "themes:\n  - {name: Trust, description: t.}\n")
    root = str(project.root)
    script = 'mount --bind -o ro "$1" "$1" && cd "$1" && exec "$2" -m qualcode codebook sync'
    result = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", root,
         sys.executable],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    if "mount:" in result.stderr:
        pytest.skip(f"no mount here: {result.stderr.strip()}")
    assert result.returncode == 1, result.stderr
    line = one_error(result.stderr)
    assert line.startswith(f"Error: {project.root / 'qualcode.db'}: the database cannot be ")
    assert "read-only" in line


def test_export_into_a_place_that_cannot_be_written_names_it(project, tmp_path):
    blocker = write(tmp_path / "notes.txt", "a file, not a folder\n")
    result = run(project.root, "export", "--out", blocker / "exports")
    assert one_error(result.output) == (
        f"Error: {blocker / 'exports'}: cannot write the export there (Not a directory). "
        "Give --out a folder (or a new file) where you may write"
    )
    folder = tmp_path / "locked"
    folder.mkdir()
    with read_only(folder):
        result = run(project.root, "export", "--out", folder)
    line = one_error(result.output)
    assert line.startswith(f"Error: {folder / 'quotes.html'}: cannot write the export there (")


def test_the_web_app_answers_a_read_only_database_with_503_and_one_line(coded_project):
    """The request was fine; the database cannot take it now: 503, not a 400 blaming the
    user, and the same sentence the CLI prints."""
    import warnings

    from qualcode.web import WebSettings, create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    client = TestClient(create_app(coded_project, WebSettings(token="t", coder="ana")),
                        headers={"Authorization": "Bearer t"})  # fmt: skip
    document = client.get("/api/documents").json()[0]["name"]
    segment = client.get(f"/api/documents/{document}/segments").json()[0]
    database = coded_project.root / "qualcode.db"
    coded_project.engine.dispose()  # the app opens the file anew, as after a restart
    with read_only(database):
        answer = client.post("/api/codings", json={
            "document": document, "start": segment["start"], "end": segment["end"],
            "code": "Trust"})  # fmt: skip
    assert answer.status_code == 503
    assert answer.json()["detail"].startswith(f"{database}: the database cannot be written")
