"""Several team-server processes on one PostgreSQL database hear each other's changes
through LISTEN/NOTIFY: a lead's live stream on one server hears a coding made through
another, and a sign-out on one is honoured at once by the other (which remembers
sessions for a few seconds)."""

from __future__ import annotations

import time

import httpx
import pytest
from team_load import DOC, PASSWORD, build, team_server

from qualcode.web.team_live import REMEMBER

pytestmark = pytest.mark.postgres


def _signed_in(base: str, name: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=30)
    answer = client.post("/api/session", json={"name": name, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers["X-Qualcode-CSRF"] = answer.json()["csrf"]
    return client, answer.json()["csrf"]


@pytest.fixture
def two_servers(tmp_path, postgres_server):
    team = build(tmp_path / "team", postgres_server.database(), coders=1, segments=40)
    with team_server(team.root, db=team.url) as (_, _a, one), \
            team_server(team.root, db=team.url) as (_, _b, other):  # fmt: skip
        yield team, one, other


def test_a_leads_stream_hears_a_coding_made_through_another_server(two_servers):
    team, one, other = two_servers
    lead, _ = _signed_in(one, "lead")
    coder, _ = _signed_in(other, "coder00")
    start, end = team.segments[3]
    with lead.stream("GET", "/api/events") as stream:
        lines = stream.iter_lines()
        assert next(lines) == "retry: 2000"
        time.sleep(1.0)  # the stream waits for a notice now
        sent = time.perf_counter()
        made = coder.post("/api/codings", json={"document": DOC, "start": start, "end": end,
                                                "code": team.codes[0]})  # fmt: skip
        assert made.status_code == 201
        heard = None
        for line in lines:
            if line == "event: change":
                heard = time.perf_counter() - sent
                break
    assert heard is not None and heard < 2.0, heard


def test_a_sign_out_through_one_server_ends_the_session_on_the_other(two_servers):
    _team, one, other = two_servers
    coder, _ = _signed_in(one, "coder00")
    assert coder.get("/api/me").json()["coder"] == "coder00"  # the first server remembers it
    cookie = coder.cookies.get(f"qualcode_session_{one.rsplit(':', 1)[1]}")
    elsewhere = httpx.Client(base_url=other, timeout=30)
    elsewhere.cookies.set(f"qualcode_session_{other.rsplit(':', 1)[1]}", cookie)
    csrf = coder.headers["X-Qualcode-CSRF"]
    assert elsewhere.delete("/api/session", headers={"X-Qualcode-CSRF": csrf}).status_code == 200
    ended = time.perf_counter()
    while coder.get("/api/me").status_code == 200:
        assert time.perf_counter() - ended < REMEMBER / 2, "the first server still trusts it"
        time.sleep(0.05)
