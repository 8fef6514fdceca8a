"""A throwaway PostgreSQL server for the tests: Debian's ``initdb``/``pg_ctl`` in a temporary
folder, on a free port of the loopback, stopped and removed when the tests end.

PostgreSQL refuses to run as root, so under root the server runs as the ``postgres``
user (Debian's package makes it) through ``runuser``. The tests that need it are marked
``postgres``; they are skipped, with the reason, only where no server binaries exist
(``apt-get install postgresql`` brings them; ``.ci/run`` does so).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN_GLOB = "/usr/lib/postgresql/*/bin"
USER = "qualcode"


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder with ``initdb`` and ``pg_ctl``, if any."""
    found = [p for p in Path("/").glob(BIN_GLOB.lstrip("/")) if (p / "pg_ctl").exists()]
    return max(found, key=lambda p: int(p.parent.name)) if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *command] if owner else command


class Server:
    """A running server; ``database()`` makes a fresh, empty database and gives its URL."""

    def __init__(self, port: int, admin: str, data: Path | None = None) -> None:
        self.port = port
        self.admin = admin
        self.data = data  # the data folder: postmaster.pid names the server's process

    def pid(self) -> int | None:
        """The server's main process (its backends are its children)."""
        found = self.data / "postmaster.pid" if self.data else None
        return int(found.read_text().split()[0]) if found and found.exists() else None

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def database(self, template: str | None = None) -> str:
        """A new database: empty, or a copy of the database at URL ``template`` (which
        nobody may be connected to), made by PostgreSQL from its files in a moment."""
        import psycopg

        name = f"test_{uuid.uuid4().hex[:12]}"
        like = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
        with psycopg.connect(self.admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"{like}')
        return self.url(name)


def _run(command: list[str], owner: str | None, log: Path) -> None:
    done = subprocess.run(_as_owner(command, owner), capture_output=True, text=True)
    if done.returncode != 0:
        detail = log.read_text(errors="replace") if log.exists() else ""
        raise RuntimeError(f"{Path(command[0]).name} failed: {done.stderr}{detail}")


@contextmanager
def running_server(durable: bool = False) -> Iterator[Server]:
    """Start a server in a temporary folder; stop it and remove the folder afterwards.
    Tests run it with ``fsync`` off; ``durable`` keeps PostgreSQL's default (each commit
    flushed to disk), as a team's server runs, for benchmarks."""
    binaries = server_binaries()
    if binaries is None:
        raise FileNotFoundError(f"no PostgreSQL server binaries under {BIN_GLOB}")
    owner = "postgres" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="qualcode-pg-"))
    if owner:
        entry = pwd.getpwnam(owner)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    data, log, port = folder / "data", folder / "log", _free_port()
    pg_ctl = [str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log)]
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    options += "" if durable else " -c fsync=off"
    try:
        _run(
            [str(binaries / "initdb"), "-D", str(data), "-U", USER, "--auth=trust",
             "--encoding=UTF8", "--no-sync"],
            owner, log,
        )  # fmt: skip
        _run([*pg_ctl, "-o", options, "-w", "-t", "60", "start"], owner, log)
        try:
            yield Server(port, f"postgresql://{USER}@127.0.0.1:{port}/postgres", data)
        finally:
            _run([*pg_ctl, "-m", "fast", "stop"], owner, log)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
