"""What the hostile-input tests share: run the CLI as a user, and see that nothing changed."""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from click.testing import CliRunner, Result

from qualcode.cli import cli

MEMORY_LIMIT = 3 * 2**30  # bytes of address space a subprocess may take: a bomb fails fast


def run(root: Path, *args: str | Path) -> Result:
    """``qualcode --project ROOT ARGS...`` in process, as a user would type it."""
    return CliRunner().invoke(cli, ["--project", str(root), *map(str, args)])


def run_limited(root: Path, *args: str | Path, timeout: float = 240) -> subprocess.CompletedProcess:
    """``python -m qualcode`` in a subprocess with a memory limit and a timeout, for input
    that used to take the machine's memory or hang."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    return subprocess.run(
        [sys.executable, "-m", "qualcode", "--project", str(root), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit,
        cwd=root,
        env={**os.environ, "COLUMNS": "200"},
    )


def one_error(output: str) -> str:
    """The one ``Error: ...`` line of a failed command (and no traceback)."""
    assert "Traceback" not in output, output
    lines = [line for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1, output
    return errors[0]


def dump(database: Path) -> str:
    """Every row and the schema of a SQLite file, read without writing to it."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return "\n".join(connection.iterdump())
    finally:
        connection.close()


def query(database: Path, sql: str) -> list[tuple]:
    """Rows of ``sql``, read without writing to the database."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def digest(path: Path) -> str:
    """The bytes of a file, for files that must not change by a single byte."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextlib.contextmanager
def write_lock(database: Path) -> Iterator[None]:
    """Another program holding the project's write lock, as a stuck import would."""
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()
