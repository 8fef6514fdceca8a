"""`qualcode serve --team` through its HTTP interface: signing in and out, sessions,
CSRF on every write, public host names, roles, throttling, and nothing secret in a log."""

from __future__ import annotations

import logging
import shutil
import warnings
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from qualcode import open_project
from qualcode.accounts import users
from qualcode.accounts.models import AuditEntry, WebSession
from qualcode.models import utcnow
from qualcode.web import WebSettings, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx versions
    from fastapi.testclient import TestClient

HOST = "qual.example.org"
PASSWORD = "a long team password"
PEOPLE = {"lee": "lead", "ana": "coder", "ben": "coder", "author": "viewer"}


def team_settings(**more) -> WebSettings:
    return WebSettings(team=True, allowed_hosts=[HOST], port=8800, **more)


@pytest.fixture(scope="module")
def team_database(coded_database, tmp_path_factory) -> Path:
    """The coded example (ana and ben coded blind) with an account for each person."""
    root = tmp_path_factory.mktemp("team")
    shutil.copy(coded_database, root / "qualcode.db")
    with open_project(root) as project, project.transaction() as session:
        for name, role in PEOPLE.items():
            users.redeem(session, users.add_user(session, name, role, by="admin"), PASSWORD)
    return root / "qualcode.db"


@pytest.fixture
def team(example_root, team_database):
    shutil.copy(team_database, example_root / "qualcode.db")
    with open_project(example_root) as project:
        yield project


def client_for(project, settings=None, scheme="http") -> TestClient:
    app = create_app(project, settings or team_settings())
    return TestClient(app, base_url=f"{scheme}://{HOST}", follow_redirects=False)


def signed_in(project, name: str, settings=None) -> tuple[TestClient, str]:
    client = client_for(project, settings)
    answer = client.post("/api/session", json={"name": name, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return client, answer.json()["csrf"]


def test_without_a_session_only_the_sign_in_pages_answer(team):
    client = client_for(team)
    assert client.get("/api/codings").status_code == 401
    page = client.get("/documents?where=area%3DArea%201")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fdocuments%3Fwhere%3Darea%253DArea%25201"
    assert client.get("/login").status_code == 200
    assert client.get("/static/qualcode.css").status_code == 200
    assert client.post("/api/codings", json={}).status_code == 401


def test_a_coder_signs_in_with_the_form_and_gets_a_strict_cookie(team):
    client = client_for(team)
    form = client.get("/login")
    csrf = client.cookies.get("qualcode_form_8800")
    assert csrf and f'value="{csrf}"' in form.text
    refused = client.post("/login", data={"name": "ana", "password": PASSWORD, "csrf": "x"})
    assert refused.status_code == 403
    wrong = client.post("/login", data={"name": "ana", "password": "not it at all", "csrf": csrf})
    assert wrong.status_code == 401 and "wrong name or password" in wrong.text
    done = client.post("/login", data={"name": "ana", "password": PASSWORD, "csrf": csrf,
                                       "next": "/quotes"})  # fmt: skip
    assert (done.status_code, done.headers["location"]) == (303, "/quotes")
    cookie = done.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    assert client.get("/api/me").json()["coder"] == "ana"
    assert "signed in as" in client.get("/documents").text


def test_the_cookie_is_secure_over_tls(team):
    client = client_for(team, scheme="https")
    answer = client.post("/api/session", json={"name": "ana", "password": PASSWORD})
    assert "Secure" in answer.headers["set-cookie"]


def test_another_host_name_is_refused(team):
    client, _ = signed_in(team, "ana")
    for host in ("evil.example", "127.0.0.1", "localhost"):
        assert client.get("/api/me", headers={"Host": host}).status_code == 403, host
    assert client.get("/api/me", headers={"Host": f"{HOST}:443"}).status_code == 200


def test_every_write_needs_the_sessions_csrf_value_and_a_same_site_page(team):
    client, csrf = signed_in(team, "ana")
    body = {"document": "area-1-mapping-workshop.md", "start": 0, "end": 40, "code": "Trust"}
    assert client.post("/api/codings", json=body).status_code == 403
    other, other_csrf = signed_in(team, "ben")
    assert client.post("/api/codings", json=body,
                       headers={"X-Qualcode-CSRF": other_csrf}).status_code == 403  # fmt: skip
    foreign = {"X-Qualcode-CSRF": csrf, "Sec-Fetch-Site": "cross-site"}
    assert client.post("/api/codings", json=body, headers=foreign).status_code == 403
    made = client.post("/api/codings", json=body, headers={"X-Qualcode-CSRF": csrf})
    assert made.status_code == 201 and made.json()["coder"] == "ana"
    # a form without its field is refused too
    assert client.post("/round", data={"action": "open"}).status_code == 403


def test_the_coder_is_the_account_not_a_header_or_cookie(team):
    client, csrf = signed_in(team, "ana")
    client.cookies.set("qualcode_coder_8800", "lee")
    seen = client.get("/api/codings", headers={"X-Qualcode-Coder": "lee"}).json()
    assert {row["coder"] for row in seen} == {"ana"}


def test_a_viewer_reads_once_the_round_is_open_and_changes_nothing(team):
    viewer, csrf = signed_in(team, "author")
    assert viewer.get("/api/codings").json() == []
    assert viewer.get("/api/quotes").json() == []
    body = {"document": "area-1-mapping-workshop.md", "start": 0, "end": 40, "code": "Trust"}
    refused = viewer.post("/api/codings", json=body, headers={"X-Qualcode-CSRF": csrf})
    assert refused.status_code == 403 and "a viewer changes nothing" in refused.text
    lead, lead_csrf = signed_in(team, "lee")
    page = lead.get("/agreement")
    token = page.text.split('name="qualcode-csrf" content="')[1].split('"')[0]
    assert token == lead_csrf
    opened = lead.post("/round", data={"action": "open", "csrf": token})
    assert opened.status_code == 303
    assert {row["coder"] for row in viewer.get("/api/codings").json()} == {"ana", "ben"}
    assert viewer.get("/api/quotes").json()


@pytest.mark.parametrize("path", ["/users", "/audit", "/api/users", "/api/audit", "/api/events",
                                  "/api/agreement", "/agreement", "/adjudicate"])  # fmt: skip
def test_a_coder_is_refused_the_leads_routes(team, path):
    client, _ = signed_in(team, "ana")
    assert client.get(path).status_code == 403


def test_a_coder_cannot_add_users_or_make_themselves_a_lead(team):
    client, csrf = signed_in(team, "ana")
    made = client.post("/api/users", json={"name": "ana2", "role": "lead"},
                       headers={"X-Qualcode-CSRF": csrf})  # fmt: skip
    assert made.status_code == 403
    assert client.post("/users/ana/reset", data={"csrf": csrf}).status_code == 403
    assert client.get("/api/me").json()["sees_everyone"] is False


def test_a_lead_invites_and_the_link_works_once(team):
    lead, csrf = signed_in(team, "lee")
    made = lead.post("/api/users", json={"name": "sam", "role": "coder"},
                     headers={"X-Qualcode-CSRF": csrf})  # fmt: skip
    assert made.status_code == 201
    link = made.json()["link"]
    path = "/invite/" + link.rsplit("/invite/", 1)[1]
    sam = client_for(team)
    page = sam.get(path)
    assert page.status_code == 200 and "Welcome, sam" in page.text
    form = sam.cookies.get("qualcode_form_8800")
    short = sam.post(path, data={"password": "short", "csrf": form})
    assert short.status_code == 400 and "at least 10" in short.text
    done = sam.post(path, data={"password": PASSWORD, "csrf": form})
    assert done.status_code == 303
    assert sam.get("/api/me").json()["coder"] == "sam"
    assert client_for(team).get(path).status_code == 403  # used: no second time
    people = {row["name"]: row["status"] for row in lead.get("/api/users").json()}
    assert people["sam"] == "active"


def test_logged_out_disabled_and_expired_sessions_are_refused(team):
    client, csrf = signed_in(team, "ana")
    assert client.delete("/api/session", headers={"X-Qualcode-CSRF": csrf}).status_code == 200
    stale = client_for(team)
    stale.cookies.set("qualcode_session_8800", "made-up")
    assert stale.get("/api/me").status_code == 401
    again, csrf = signed_in(team, "ben")
    with team.transaction() as session:
        session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert again.get("/api/me").status_code == 401
    lead, lead_csrf = signed_in(team, "lee")
    ben, _ = signed_in(team, "ben")
    assert lead.post("/users/ben/disable", data={"csrf": lead_csrf}).status_code == 200
    assert ben.get("/api/me").status_code == 401


def test_failed_sign_ins_are_slowed(team):
    client = client_for(team)
    for _ in range(5):
        assert client.post("/api/session", json={"name": "ana", "password": "guess guess"}
                           ).status_code == 401  # fmt: skip
    slowed = client.post("/api/session", json={"name": "ana", "password": PASSWORD})
    assert slowed.status_code == 429 and "wait" in slowed.json()["detail"]


def test_a_trusted_proxy_header_signs_in_an_existing_account(team):
    settings = team_settings(trusted_user_header="X-Remote-User")
    client = client_for(team, settings)
    assert client.get("/api/me", headers={"X-Remote-User": "ana"}).json()["coder"] == "ana"
    assert client.get("/api/me", headers={"X-Remote-User": "stranger"}).status_code == 401
    assert client.get("/api/me").status_code == 401


def test_no_password_or_session_id_reaches_a_log_or_the_database(team, caplog):
    caplog.set_level(logging.DEBUG)
    client, csrf = signed_in(team, "ana")
    secret = client.cookies.get("qualcode_session_8800")
    client.post("/api/session", json={"name": "ana", "password": "wrong password 1"})
    client.get("/documents")
    client.delete("/api/session", headers={"X-Qualcode-CSRF": csrf})
    logged = caplog.text
    with team.sessionmaker() as session:
        audit = " ".join(f"{e.actor} {e.action} {e.target} {e.detail}"
                         for e in session.scalars(select(AuditEntry)))  # fmt: skip
        stored = " ".join(session.scalars(select(WebSession.digest)))
    for hidden in (PASSWORD, "wrong password 1", secret, csrf):
        assert hidden not in logged and hidden not in audit and hidden not in stored


def test_the_team_api_works_alike_on_sqlite_and_postgresql(small_project):
    """Sign in, code blind, open the round, read the audit log: on each backend."""
    with small_project.transaction() as session:
        for name, role in (("lee", "lead"), ("ana", "coder"), ("ben", "coder")):
            users.redeem(session, users.add_user(session, name, role, by="admin"), PASSWORD)
    document = "area-1-mapping-workshop.md"
    clients = {}
    for name in ("lee", "ana", "ben"):
        clients[name], csrf = signed_in(small_project, name)
        clients[name].headers["X-Qualcode-CSRF"] = csrf
    for name, (start, end) in (("ana", (0, 30)), ("ben", (40, 90))):
        body = {"document": document, "start": start, "end": end, "code": "Trust"}
        made = clients[name].post("/api/codings", json=body)
        assert made.status_code == 201, made.text
        again = clients[name].post("/api/codings", json=body)
        assert again.json()["id"] == made.json()["id"]  # kept once
    assert {r["coder"] for r in clients["ana"].get("/api/codings").json()} == {"ana"}
    assert {r["coder"] for r in clients["lee"].get("/api/codings").json()} == {"ana", "ben"}
    page = clients["lee"].get("/agreement")
    token = page.text.split('name="qualcode-csrf" content="')[1].split('"')[0]
    assert clients["lee"].post("/round", data={"action": "open", "csrf": token}).status_code == 303
    assert {r["coder"] for r in clients["ana"].get("/api/codings").json()} == {"ana", "ben"}
    actions = [row["action"] for row in clients["lee"].get("/api/audit").json()]
    assert actions[:3] == ["round open", "coding add", "coding add"]
