"""Blind coding as access control on a team server: every route of the app, as each kind
of asker.

The blind project of tests/test_visibility.py (two coders, 李明 (A) and 王芳 (B), and a
lead) gets accounts and a viewer. Every route the team app answers, those of
test_visibility's WEB_TABLE and the team server's own (TEAM_TABLE here), is called as
coder A, as the viewer, without a session, with an expired session, with a logged-out
session, and with a session of another project. Nobody but the lead may see B's work
(the viewer and the others: nobody's work) while the round is closed, and nobody's
request changes it; a route that neither table names fails the test.
"""

from __future__ import annotations

import shutil
import warnings
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from test_visibility import (
    WEB_TABLE,
    A,
    B,
    Blind,
    Call,
    _assert_blind,
    _build,
    _get,
    readable,
    web_routes,
    work_of,
)

from qualcode import init_project, open_project
from qualcode.accounts import sessions, users
from qualcode.accounts.models import WebSession
from qualcode.accounts.tokens import derived
from qualcode.models import utcnow
from qualcode.web import WebSettings, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx versions
    from fastapi.testclient import TestClient

HOST = "team.example.org"
PASSWORD = "a long team password"
VIEWER = "author"


def _form(path: str, **data: Any):
    return lambda c, b: [c.post(path, data={**data, "csrf": getattr(c, "qualcode_csrf", "")})]


TEAM_TABLE: dict[tuple[str, str], Call] = {
    ("GET", "/login"): Call(_get("/login")),
    ("POST", "/login"): Call(_form("/login", name=A, password=PASSWORD)),
    ("POST", "/logout"): Call(_form("/logout")),
    ("GET", "/invite/{secret}"): Call(_get("/invite/not-a-link")),
    ("POST", "/invite/{secret}"): Call(_form("/invite/not-a-link", password=PASSWORD)),
    ("POST", "/api/session"): Call(
        lambda c, b: [c.post("/api/session", json={"name": B, "password": "a guess of A's"})]
    ),
    ("DELETE", "/api/session"): Call(lambda c, b: [c.delete("/api/session")]),
    ("GET", "/api/users"): Call(_get("/api/users")),
    ("POST", "/api/users"): Call(
        lambda c, b: [c.post("/api/users", json={"name": "mole", "role": "lead"})]
    ),
    ("GET", "/users"): Call(_get("/users")),
    ("POST", "/users"): Call(_form("/users", name="mole", role="lead")),
    ("POST", "/users/{name}/{action}"): Call(
        lambda c, b: [c.post(f"/users/{B}/{action}",
                             data={"csrf": getattr(c, "qualcode_csrf", "")})
                      for action in ("reset", "disable")]  # fmt: skip
    ),
    ("GET", "/api/audit"): Call(_get("/api/audit"), quotes=True),
    ("GET", "/audit"): Call(_get("/audit"), quotes=True),
    ("GET", "/api/events"): Call(_get("/api/events")),
}

ASKERS = ["viewer", "no session", "expired", "logged out", "other project", "coder A"]


def settings() -> WebSettings:
    return WebSettings(team=True, allowed_hosts=[HOST], port=8811)


@pytest.fixture(scope="module")
def team_template(tmp_path_factory: pytest.TempPathFactory):
    """The blind project with accounts, and a session cookie for each kind of asker."""
    root = tmp_path_factory.mktemp("team-blind")
    a, b = _build(root)
    cookies = {}
    with open_project(root) as project, project.transaction() as session:
        for name, role in ((A, "coder"), (B, "coder"), ("lee", "lead"), (VIEWER, "viewer")):
            link = users.add_user(session, name, role, by="lee")
            users.redeem(session, link, PASSWORD)
        cookies["coder A"] = sessions.sign_in(session, A, PASSWORD, None)
        cookies["viewer"] = sessions.sign_in(session, VIEWER, PASSWORD, None)
        cookies["expired"] = sessions.sign_in(session, A, PASSWORD, None)
        cookies["logged out"] = sessions.sign_in(session, A, PASSWORD, None)
        sessions.sign_out(session, cookies["logged out"])
        session.flush()
        session.execute(
            update(WebSession).where(WebSession.digest == _digest(cookies["expired"]))
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )  # fmt: skip
    other = tmp_path_factory.mktemp("other-project")
    with init_project(other) as project, project.transaction() as session:
        users.redeem(session, users.add_user(session, A, "lead", by="x"), PASSWORD)
        cookies["other project"] = sessions.sign_in(session, A, PASSWORD, None)
    return root, a, b, cookies


def _digest(secret: str) -> str:
    from qualcode.accounts.tokens import digest

    return digest(secret)


def _client(blind: Blind, cookie: str | None) -> TestClient:
    client = TestClient(create_app(blind.project, settings()), base_url=f"http://{HOST}",
                        follow_redirects=False)  # fmt: skip
    if cookie:
        client.cookies.set("qualcode_session_8811", cookie)
        csrf = derived(cookie, "csrf")  # what a page of this session would carry
        client.headers["X-Qualcode-CSRF"] = csrf
        client.qualcode_csrf = csrf  # read by test_visibility's form calls
    return client


def test_every_route_of_the_team_server_is_in_a_table(project):
    app = create_app(project, settings())
    assert web_routes(app) == set(WEB_TABLE) | set(TEAM_TABLE), "add the route to TEAM_TABLE"
    documented = {(m.upper(), p) for p, ops in app.openapi()["paths"].items() for m in ops}
    assert documented <= web_routes(app)


SIGNED_OUT = {"no session", "expired", "logged out", "other project"}
OPEN = {("GET", "/login"), ("POST", "/login"), ("GET", "/invite/{secret}"),
        ("POST", "/invite/{secret}"), ("POST", "/api/session"), ("DELETE", "/api/session"),
        ("MOUNT", "/static")}  # fmt: skip


@pytest.mark.parametrize("route", sorted({**WEB_TABLE, **TEAM_TABLE}), ids=" ".join)
def test_no_route_shows_or_changes_another_coders_work(team_template, tmp_path, route):
    source, a, b, cookies = team_template
    root = tmp_path / "study"
    shutil.copytree(source, root)
    entry = {**WEB_TABLE, **TEAM_TABLE}[route]
    with open_project(root) as project:
        blind = Blind(project, root, a, b)
        before = {name: work_of(project, name) for name in (A, B)}
        for asker in ASKERS:
            client = _client(blind, cookies.get(asker))
            responses = entry.send(client, blind)
            for response in responses:
                assert response.status_code < 500, (asker, response.text)
                if asker in SIGNED_OUT and route not in OPEN:
                    assert response.status_code in (401, 303, 403), (asker, response.text)
                    if response.status_code == 303:
                        assert response.headers["location"].startswith("/login")
            output = "\n".join(readable(r.content) for r in responses)
            who = A if asker == "coder A" else None
            _assert_blind(blind, output, quotes=entry.quotes, who=who)
            assert work_of(project, B) == before[B], asker
            if who is None:
                assert work_of(project, A) == before[A], asker
            viewer_writes = asker == "viewer" and route[0] in ("POST", "PATCH", "DELETE")
            if viewer_writes and route[1] not in ("/logout", "/api/session"):
                assert {r.status_code for r in responses} == {403}, output[:300]
            elif entry.check and asker in ("coder A", "viewer"):
                entry.check(blind, output, who)


def test_a_viewer_sees_everyones_work_once_the_round_opens(team_template, tmp_path):
    source, a, b, cookies = team_template
    root = tmp_path / "study"
    shutil.copytree(source, root)
    with open_project(root) as project:
        blind = Blind(project, root, a, b)
        viewer = _client(blind, cookies["viewer"])
        assert viewer.get("/api/codings").json() == []
        lead, csrf = _signed_in(blind, "lee")
        opened = lead.post("/round", data={"action": "open", "csrf": csrf})
        assert opened.status_code == 303
        assert {row["coder"] for row in viewer.get("/api/codings").json()} == {A, B}
        assert b.quotes[0] in readable(viewer.get("/api/export", params={"format": "md"}).content)


def _signed_in(blind: Blind, name: str) -> tuple[TestClient, str]:
    client = _client(blind, None)
    answer = client.post("/api/session", json={"name": name, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers["X-Qualcode-CSRF"] = answer.json()["csrf"]
    return client, answer.json()["csrf"]
