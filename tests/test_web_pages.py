"""The pages of `qualcode serve`: what a coder and a lead see, escaped, and the forms' checks."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from web_controls import controls

from qualcode import load_codebook, sync_codebook
from qualcode.coding import get_coder
from qualcode.importing import import_files
from qualcode.project import Project
from qualcode.queries import find_document
from qualcode.web import WebSettings, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx versions
    from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parent.parent
TOKEN = "page-token"
AREA_1 = "area-1-mapping-workshop.md"
PIECE = re.compile(
    r'<span class="p(?: seg)?" data-start="(\d+)"(?: data-seg="\d+")?>(.*?)</span>', re.S
)


def browser_for(project: Project, coder: str | None = "ana") -> tuple[TestClient, WebSettings]:
    """A client that holds the token cookie, as a browser does after the first visit."""
    settings = WebSettings(token=TOKEN, coder=coder)
    client = TestClient(create_app(project, settings))
    client.cookies.set(settings.token_cookie, TOKEN)
    return client, settings


@pytest.fixture
def browser(coded_project: Project) -> TestClient:
    return browser_for(coded_project)[0]


def page_data(page: str) -> dict:
    blob = r'<script type="application/json" id="qualcode-data">(.*?)</script>'
    found = re.search(blob, page, re.S)
    assert found, "the transcript page embeds its data"
    return json.loads(found[1])


def test_web_home_asks_who_is_coding_first(coded_project):
    client, settings = browser_for(coded_project, coder=None)
    response = client.get("/", follow_redirects=False)
    assert response.headers["location"] == "/coder"
    assert (
        client.get("/documents", follow_redirects=False)
        .headers["location"]
        .startswith("/coder?next=/documents")
    )
    form = client.get("/coder")
    assert 'name="csrf"' in form.text and settings.csrf in form.text


def test_web_coder_form_needs_its_csrf_field(coded_project):
    client, settings = browser_for(coded_project, coder=None)
    refused = client.post("/coder", data={"name": "ana"})
    assert refused.status_code == 403
    chosen = client.post(
        "/coder", data={"name": "ana", "csrf": settings.csrf, "next": "https://evil.example/"},
        follow_redirects=False,
    )  # fmt: skip
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/documents"  # never off-site
    assert settings.coder_cookie in chosen.headers["set-cookie"]
    assert 'coding as <strong id="coder-name">ana</strong>' in client.get("/documents").text


def test_web_documents_page_lists_progress_and_filters(browser):
    page = browser.get("/documents").text
    assert page.count('class="doc-link"') == 11
    assert "Relationship mapping workshop, Area 1" in page
    assert 'class="progress you"' in page
    narrowed = browser.get("/documents", params={"where": "method=interview"}).text
    assert narrowed.count('class="doc-link"') == 4
    assert 'value="method=interview" selected' in narrowed


def test_web_transcript_shows_turns_with_speakers_roles_and_times(browser):
    page = browser.get(f"/documents/{AREA_1}").text
    maureen = '<span class="speaker">Maureen</span><span class="role">partnership member'
    assert maureen in page
    assert "<time>00:01:10</time>" in page
    assert '<div class="interlude heading">Part 2: mapping the relationships</div>' in page
    assert "[00:01:10] Maureen:" not in page  # the label is the heading, not text


def test_web_transcript_pieces_are_the_documents_own_text(coded_project, browser):
    """Every piece of text on the page is ``text[start:start + len]``: what the browser
    needs to turn a selection into offsets."""
    page = browser.get(f"/documents/{AREA_1}").text
    with coded_project.sessionmaker() as session:
        text = find_document(session, AREA_1).text
    pieces = PIECE.findall(page)
    assert len(pieces) > 186
    for start, shown in pieces:
        raw = html.unescape(shown)
        assert text[int(start) : int(start) + len(raw)] == raw


def test_web_transcript_embeds_codings_and_codebook(browser):
    data = page_data(browser.get(f"/documents/{AREA_1}").text)
    assert data["coder"] == "ana"
    codings = data["codings"]  # in columns: code and coder are places in lists
    assert codings["id"] and codings["coders"] == ["ana"] and set(codings["coder"]) == {0}
    assert {codings["codes"][n] for n in codings["code"]} <= set(data["codes"])
    trust = next(c for c in data["codes"].values() if c["name"] == "Trust")
    assert trust["colour"].startswith("#")


def test_web_transcript_of_an_unknown_document_is_a_404_page(browser):
    response = browser.get("/documents/no-such-thing.md")
    assert response.status_code == 404
    assert "no document &#39;no-such-thing.md&#39;" in response.text
    assert "<!doctype html>" in response.text


@pytest.fixture
def hostile_project(project: Project, tmp_path: Path) -> Project:
    """A project whose transcript tries to run script, and holds emoji."""
    with project.transaction() as session:
        sync_codebook(session, load_codebook(REPO / "codebook.yaml"))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "hostile.md").write_text(
        "---\ntitle: <script>alert('title')</script>\nspeakers:\n"
        '  Jo: {role: "<b>chair</b>"}\n---\n'
        "Jo: We said </script><script>alert(1)</script> to them 🙂 and meant it.\n\n"
        'Sam: The council "listened" & acted. 👍🏽 Really.\n',
        encoding="utf-8",
    )
    report = import_files(project, [folder / "hostile.md"])
    assert not report.failed, [r.message for r in report.failed]
    return project


def test_web_transcript_escapes_everything_from_the_transcript(hostile_project):
    client, _ = browser_for(hostile_project)
    page = client.get("/documents/hostile.md").text
    assert "<script>alert" not in page
    assert "</script><script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;chair&lt;/b&gt;" in page
    data = page_data(page)  # the embedded JSON cannot close its script element
    assert data["document"]["name"] == "hostile.md"
    assert "🙂" in page


def test_web_transcript_offsets_count_code_points(hostile_project):
    client, _ = browser_for(hostile_project)
    page = client.get("/documents/hostile.md").text
    with hostile_project.sessionmaker() as session:
        text = find_document(session, "hostile.md").text
    for start, shown in PIECE.findall(page):
        raw = html.unescape(shown)
        assert text[int(start) : int(start) + len(raw)] == raw


def test_web_quotes_page_filters_and_offers_exports(browser):
    page = browser.get("/quotes", params={"code": "trust", "where": "area=Area 1"}).text
    assert "excerpt" in page
    assert page.count('<li class="quote">') >= 1
    assert 'href="/api/export?format=docx&amp;code=trust&amp;where=area%3DArea+1"' in page
    assert 'value="area=Area 1" selected' in page


def test_web_agreement_page_is_for_leads(coded_project):
    client, _ = browser_for(coded_project, coder="ana")
    refused = client.get("/agreement")
    assert refused.status_code == 403
    assert "not a lead" in refused.text
    with coded_project.transaction() as session:
        get_coder(session, "lee", role="lead")
    lead, _ = browser_for(coded_project, coder="lee")
    page = lead.get("/agreement").text
    assert "Cohen&#39;s kappa" in page and "Disagreements" in page
    report = lead.get("/agreement/report")
    assert report.status_code == 200 and "heat" in report.text.lower()


def test_web_adjudication_page_settles_with_a_form(coded_project):
    with coded_project.transaction() as session:
        get_coder(session, "lee", role="lead")
    lead, settings = browser_for(coded_project, coder="lee")
    page = lead.get("/adjudicate").text
    keys = re.findall(r'name="key" value="([^"]+)"', page)
    assert keys
    refused = lead.post("/adjudicate/settle", data={"key": keys[0], "choice": "ana"})
    assert refused.status_code == 403
    settled = lead.post(
        "/adjudicate/settle", data={"key": keys[0], "choice": "ana", "csrf": settings.csrf}
    )
    assert settled.status_code == 200  # followed the redirect back to the page
    pending, _, done = settled.text.partition("<h2>Settled</h2>")
    assert len(re.findall(r'name="key" value="', pending)) == len(keys) - 1
    assert re.findall(r'name="key" value="([^"]+)"', done) == [keys[0]]  # can be reopened


def test_web_pages_can_be_overridden_by_the_project(coded_project):
    folder = coded_project.root / "templates" / "web"
    folder.mkdir(parents=True)
    (folder / "coder.html").write_text(
        '{% extends "default:web/coder.html" %}{% block title %}Our study{% endblock %}',
        encoding="utf-8",
    )
    client, _ = browser_for(coded_project)
    assert "<title>Our study" in client.get("/coder").text


@contextmanager
def serving(project: Project, *options: str) -> Iterator[tuple[str, str, str]]:
    """`qualcode serve OPTIONS` in a process of its own: its first line, its address and
    token once it answers, and (when the block ends) what it wrote to stderr."""
    command = [sys.executable, "-m", "qualcode", "--project", str(project.root), "serve",
               "--port", "0", "--no-browser", *options]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline().strip()
        base, _, token = first.partition("/?token=")
        for _ in range(100):  # the socket is bound before the line is printed
            try:
                httpx.get(f"{base}/api/me", timeout=10)
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        yield first, base, token
    finally:
        server.terminate()
        server.communicate(timeout=10)  # waits, and closes its pipes


def test_web_serve_prints_its_address_with_the_token_first(coded_project):
    """`qualcode serve` binds 127.0.0.1, prints the URL with a fresh token as its first
    line, and refuses requests without it."""
    with serving(coded_project, "--coder", "ana") as (first, base, token):
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]{40,}", first), first
        with httpx.Client(base_url=base, timeout=10) as client:
            assert client.get("/api/me").status_code == 403
            me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
            assert me.json()["coder"] == "ana"
            welcome = client.get(f"/?token={token}")
            assert welcome.status_code == 303 and "HttpOnly" in welcome.headers["set-cookie"]


def test_web_serve_answers_first_requests_that_each_need_spacy_at_once(coded_project):
    """A ranking and a codebook change sent together, the first requests to need spaCy:
    both are answered. Two threads importing spaCy for the first time at once break
    each other's imports, so `qualcode serve` imports it before it serves."""
    from concurrent.futures import ThreadPoolExecutor

    from qualcode.queries import documents, segments

    name = documents(coded_project).name.iloc[0]
    first = segments(coded_project, name).iloc[0]
    rank = (f"/api/documents/{name}/rank", {"start": int(first.start), "end": int(first.end)})
    define = {"action": "define", "code": "Trust", "definition": "Relied upon."}
    with serving(coded_project, "--coder", "ana") as (_, base, token):
        bearer = {"Authorization": f"Bearer {token}"}
        client = httpx.Client(base_url=base, timeout=300, headers=bearer)
        with client, ThreadPoolExecutor(2) as pool:
            ranked = pool.submit(client.get, rank[0], params=rank[1])
            changed = pool.submit(client.post, "/api/codebook", json=define)
            answers = [ranked.result(), changed.result()]
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]


def test_web_serve_beyond_loopback_needs_a_team_server(coded_project, runner):
    """One shared token is no way to let other machines in: `--host 0.0.0.0` is refused
    without --team (tests/test_team_serve.py runs the team server, whose Host check
    answers only its public name)."""
    from qualcode.cli import cli

    result = runner.invoke(cli, ["--project", str(coded_project.root), "serve", "--host",
                                 "0.0.0.0", "--no-browser", "--port", "0"])  # fmt: skip
    assert result.exit_code == 1
    assert "start a team server instead (`qualcode serve --team`" in result.output


def test_web_serve_on_loopback_refuses_other_host_names(coded_project):
    with serving(coded_project) as (_, base, token):
        bearer = {"Authorization": f"Bearer {token}"}
        refused = httpx.get(f"{base}/api/me", timeout=10,
                            headers={**bearer, "Host": "evil.example"})  # fmt: skip
        assert refused.status_code == 403
        assert httpx.get(f"{base}/api/me", timeout=10, headers=bearer).status_code == 200


# --- forms from our own pages, and nothing from other sites ----------------------------------

CHROMIUM_SAME_ORIGIN = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}


def test_web_form_from_our_own_page_is_accepted_as_chromium_sends_it(coded_project):
    """Chromium sends ``Origin: null`` on a form posted from a page whose referrer policy
    hides the origin; ``Sec-Fetch-Site`` still says it came from this server's page."""
    client, settings = browser_for(coded_project, coder=None)
    chosen = client.post(
        "/coder", data={"name": "ana", "csrf": settings.csrf}, headers=CHROMIUM_SAME_ORIGIN,
        follow_redirects=False,
    )  # fmt: skip
    assert chosen.status_code == 303, chosen.text
    page = client.get("/coder")
    assert page.headers["referrer-policy"] == "same-origin"  # our pages name their origin
    own = client.post(
        "/coder", data={"name": "ana", "csrf": settings.csrf}, follow_redirects=False,
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
    )  # fmt: skip
    assert own.status_code == 303


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://testserver:9999"},  # another port
        {"Sec-Fetch-Site": "cross-site", "Origin": "null"},  # a sandboxed frame elsewhere
        {"Origin": "https://evil.example"},  # a browser without Sec-Fetch-*
        {"Origin": "null"},
    ],
)
def test_web_form_from_another_site_is_refused_even_with_the_csrf_value(coded_project, headers):
    client, settings = browser_for(coded_project, coder=None)
    forged = client.post(
        "/coder", data={"name": "mallory", "csrf": settings.csrf}, headers=headers,
        follow_redirects=False,
    )  # fmt: skip
    assert forged.status_code == 403
    assert "cross-site request" in forged.text
    assert settings.coder_cookie not in forged.headers.get("set-cookie", "")


def test_web_blind_round_is_described_as_closed_on_the_first_page(coded_project):
    client, _ = browser_for(coded_project, coder=None)
    page = client.get("/coder").text
    assert "While a blind round is closed, you see only your own codings" in page
    assert "round is open" not in page


def test_web_selection_cutting_words_is_coded_as_whole_words(coded_project):
    """What the page sends after a sloppy drag, and what a script might send: the coding
    takes the words it cuts whole ("vening. … draw a m" codes "evening. … draw a map")."""
    client, settings = browser_for(coded_project)
    with coded_project.sessionmaker() as session:
        text = find_document(session, AREA_1).text
    start = text.index("vening. So the idea")
    end = text.index("draw a map") + len("draw a m")
    made = client.post(
        "/api/codings", json={"document": AREA_1, "start": start, "end": end, "code": "trust"},
        headers={"X-Qualcode-CSRF": settings.csrf, **CHROMIUM_SAME_ORIGIN},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    coded = made.json()
    assert text[coded["start"] : coded["end"]] == (
        "evening. So the idea tonight is we draw a map"
    )


def test_web_every_form_and_button_of_the_pages_is_named_for_the_browser_suite():
    """The browser suite fails when a named control is never driven; a control without
    a name would slip past it, so none may lack one."""
    names, unnamed = controls()
    assert not unnamed, "give these a data-control name and drive them in tests/browser"
    assert {"start-coding", "apply-code", "take-both", "open-round"} <= names


def test_web_lead_opens_and_closes_the_round_on_the_agreement_page(coded_project):
    with coded_project.transaction() as session:
        get_coder(session, "lee", role="lead")
    lead, settings = browser_for(coded_project, coder="lee")
    page = lead.get("/agreement").text
    assert "The round is <strong>closed</strong>" in page and 'value="open"' in page
    assert lead.post("/round", data={"action": "open"}).status_code == 403  # no csrf field
    opened = lead.post("/round", data={"action": "open", "csrf": settings.csrf})
    assert "The round is <strong>open</strong>" in opened.text and 'value="close"' in opened.text
    coder, _ = browser_for(coded_project, coder="ana")
    seen = coder.get("/agreement")  # an open round shows the coders the agreement
    assert seen.status_code == 200 and 'value="close"' not in seen.text
    refused = coder.post("/round", data={"action": "close", "csrf": settings.csrf})
    assert refused.status_code == 403 and "only a lead opens or closes the round" in refused.text
    closed = lead.post("/round", data={"action": "close", "csrf": settings.csrf})
    assert "The round is <strong>closed</strong>" in closed.text
    assert coder.get("/agreement").status_code == 403
