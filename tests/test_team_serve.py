"""`qualcode serve --team` as a process, and the commands around it: `user`, `db copy`
(SQLite <-> PostgreSQL, every table compared), `backup` while others write."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from team_load import team_server

from qualcode import open_project
from qualcode.cli import cli
from qualcode.coding import code_segment
from qualcode.copying import compare

PASSWORD = "a long team password"
DOC = "area-1-mapping-workshop.md"


def qualcode(root: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--project", str(root), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_team_server_answers_only_its_public_name(coded_project):
    root = coded_project.root
    with team_server(root, "--host", "0.0.0.0", "--public-url",
                     "https://qual.lab.example/study") as (first, _server, base):  # fmt: skip
        assert first == "https://qual.lab.example/study"
        for host in ("evil.example", "127.0.0.1", "localhost", ""):
            assert httpx.get(f"{base}/login", headers={"Host": host}).status_code == 403, host
        login = httpx.get(f"{base}/login", headers={"Host": "qual.lab.example"})
        assert login.status_code == 200 and "Sign in" in login.text
        me = httpx.get(f"{base}/api/me", headers={"Host": "qual.lab.example"})
        assert me.status_code == 401
    # the invitation link names the public address
    link = qualcode(root, "user", "add", "priya", "--role", "lead").strip()
    assert re.fullmatch(r"https://qual\.lab\.example/study/invite/[\w-]{40,}", link)


def test_a_team_server_on_every_interface_needs_its_public_address(coded_project):
    args = ["serve", "--team", "--host", "0.0.0.0", "--no-browser", "--port", "0"]
    result = CliRunner().invoke(cli, ["--project", str(coded_project.root), *args])
    assert result.exit_code == 1 and "--public-url" in result.output


def test_the_server_logs_no_password_session_or_link(coded_project):
    root = coded_project.root
    link = qualcode(root, "user", "add", "priya", "--role", "lead").strip()
    secret = link.rsplit("/", 1)[1]
    with team_server(root) as (first, server, base):
        with httpx.Client(base_url=base, headers={"Host": "127.0.0.1"}) as client:
            page = client.get(f"/invite/{secret}")
            form = next(v for n, v in client.cookies.items() if n.startswith("qualcode_form"))
            assert page.status_code == 200
            done = client.post(f"/invite/{secret}", data={"password": PASSWORD, "csrf": form})
            assert done.status_code == 303
            session = next(v for n, v in client.cookies.items() if n.startswith("qualcode_session"))
            client.post("/api/session", json={"name": "priya", "password": "a wrong one!"})
            client.get("/documents")
        server.terminate()
        out, err = server.communicate(timeout=10)
    for hidden in (PASSWORD, "a wrong one!", session, secret):
        assert hidden not in out + err


def test_user_commands(coded_project):
    root = coded_project.root
    qualcode(root, "user", "add", "lee", "--role", "lead")
    qualcode(root, "--as", "lee", "user", "add", "sam")
    listed = qualcode(root, "user", "list").split()
    assert listed == ["lee", "lead", "invited", "sam", "coder", "invited"]
    assert qualcode(root, "user", "disable", "sam") == "sam: disabled\n"
    assert "/invite/" in qualcode(root, "user", "reset", "sam")
    refused = CliRunner().invoke(cli, ["--project", str(root), "--as", "sam", "user", "role",
                                       "sam", "lead"])  # fmt: skip
    assert refused.exit_code == 1 and "sam is not a lead" in refused.output
    visitor = "a-visiting-researcher-from-the-partnership-in-area-three"
    qualcode(root, "--as", "lee", "user", "add", visitor)
    audit = qualcode(root, "--as", "lee", "audit", "--limit", "5")
    assert "lee  user add  sam" in audit
    lines = audit.splitlines()  # one line an entry, however long (read by grep)
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  ", line) for line in lines)
    assert any(f"lee  user add  {visitor}" in line for line in lines)


def test_backup_while_another_process_writes(coded_project, tmp_path):
    root = coded_project.root
    stop = threading.Event()
    written = []

    def write() -> None:
        with open_project(root) as project:
            ordinal = 1
            while not stop.is_set() and ordinal < 60:
                with project.transaction() as session:
                    code_segment(session, DOC, ordinal, "Trust", "writer")
                written.append(ordinal)
                ordinal += 1

    worker = threading.Thread(target=write)
    worker.start()
    try:
        while len(written) < 3:
            time.sleep(0.01)
        out = qualcode(root, "backup", str(tmp_path / "copy.db"))
    finally:
        stop.set()
        worker.join()
    assert out.startswith(f"{tmp_path / 'copy.db'}: ")
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        kept = copy.execute("SELECT count(*) FROM codings c JOIN coders k ON c.coder_id = k.id "
                            "WHERE k.name = 'writer'").fetchone()[0]  # fmt: skip
    assert 3 <= kept <= len(written)
    again = CliRunner().invoke(cli, ["--project", str(root), "backup", str(tmp_path / "copy.db")])
    assert again.exit_code == 1 and "exists" in again.output


@pytest.mark.postgres
def test_db_copy_to_postgresql_and_back_keeps_every_row(coded_project, postgres_server, tmp_path):
    root = coded_project.root
    qualcode(root, "user", "add", "lee", "--role", "lead")
    qualcode(root, "assign", DOC, "--coders", "ana,ben")
    server = postgres_server.database()
    out = qualcode(root, "db", "copy", str(root / "qualcode.db"), server)
    assert "every table compares equal" in out
    back = tmp_path / "back.db"
    qualcode(root, "db", "copy", server, str(back))
    with open_project(root) as first, open_project(root, str(back)) as last:
        assert compare(first, last) == []
    with open_project(root, server) as copied, copied.transaction() as session:
        code_segment(session, DOC, 7, "Trust", "ana")  # new ids go on after the copied ones
    refused = CliRunner().invoke(cli, ["--project", str(root), "db", "copy",
                                       str(root / "qualcode.db"), server])  # fmt: skip
    assert refused.exit_code == 1 and "already holds a project" in refused.output


def _signed_in(base: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=base, headers={"Host": "127.0.0.1"}, timeout=30)
    answer = client.post("/api/session", json={"name": name, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers["X-Qualcode-CSRF"] = answer.json()["csrf"]
    return client


def test_a_leads_page_hears_of_a_coding_within_two_seconds(coded_project):
    root = coded_project.root
    with coded_project.transaction() as session:
        from qualcode.accounts import users

        for name, role in (("lee", "lead"), ("ana", "coder")):
            users.redeem(session, users.add_user(session, name, role, by="lee"), PASSWORD)
    with team_server(root) as (_first, _server, base):
        lead, ana = _signed_in(base, "lee"), _signed_in(base, "ana")
        heard = []
        with lead.stream("GET", "/api/events") as stream:
            lines = stream.iter_lines()
            assert next(lines) == "retry: 2000"
            time.sleep(1.5)  # the stream has looked once; nothing changed
            sent = time.perf_counter()
            made = ana.post("/api/codings", json={"document": DOC, "start": 0, "end": 30,
                                                  "code": "Trust"})  # fmt: skip
            assert made.status_code == 201
            for line in lines:
                if line == "event: change":
                    heard.append(time.perf_counter() - sent)
                    break
        assert heard and heard[0] < 2.0, heard
        page = lead.get("/documents")
        assert '<script src="/static/live.js"' in page.text and "data-live" in page.text
        assert "/static/live.js" not in ana.get("/documents").text
