"""A new user's first minutes: plain `qualcode serve`, "Who is coding?", the documents,
and what another site (or another name for this machine) may not do."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from browsing import PLAIN, start_as
from harness import CONTROLS, REBOUND, copy_of, serve
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
DOCUMENTS = 14  # the example's eleven, two hearings (an .rst twin is skipped), the emoji one


def test_browser_first_page_asks_who_is_coding_and_remembers_it(page, server, shot):
    page.goto(server.url)
    expect(page.locator("h1")).to_have_text("Who is coding?")
    assert "token=" not in page.url  # the token went into a cookie
    expect(page.locator("main")).to_contain_text("While a blind round is closed")
    page.fill("#name", "cy")
    page.keyboard.press("Enter")
    expect(page.locator("#coder-name")).to_have_text("cy")
    expect(page.locator("a.doc-link")).to_have_count(DOCUMENTS)
    expect(page.locator("main")).to_contain_text("blind round: progress counts your own codings")
    plain = page.locator("tr", has_text=PLAIN)
    expect(plain.locator("a.doc-link")).to_have_text(PLAIN)  # no title: its file name
    expect(plain).to_contain_text("not coded yet")
    page.click("[data-control=change-coder]")
    expect(page.locator("#name")).to_have_value("cy")
    page.fill("#name", "dan")
    page.click("[data-control=start-coding]")
    expect(page.locator("#coder-name")).to_have_text("dan")
    expect(page.locator("h1")).to_have_text("Documents")
    page.click("[data-control=help]")
    expect(page.locator("#help")).to_be_visible()
    shot(page, "help")
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()


def test_browser_documents_filter_by_an_attribute_and_clear_it(page, server):
    start_as(page, server.url, "cy")
    page.select_option('select[name="where"]:has(option[value="method=workshop"])',
                       value="method=workshop")  # fmt: skip
    page.wait_for_url("**/documents?where=method*")
    expect(page.locator("a.doc-link")).to_have_count(3)
    expect(page.locator("tr", has_text=PLAIN)).to_have_count(0)  # it has no method
    page.click("[data-control=clear-documents-filter]")
    expect(page.locator("a.doc-link")).to_have_count(DOCUMENTS)


def test_browser_documents_filter_works_without_scripts(browser_context, server):
    page = browser_context(java_script_enabled=False)
    page.goto(server.url)
    page.fill("#name", "cy")
    page.click('button:text("Start coding")')
    expect(page.locator("#coder-name")).to_have_text("cy")
    page.select_option('select[name="where"]:has(option[value="method=interview"])',
                       value="method=interview")  # fmt: skip
    page.click("[data-control=filter-documents-submit]")
    expect(page.locator("a.doc-link")).to_have_count(5)
    # The recorder is a script, and scripts are off here: note the button by hand.
    CONTROLS.record("driven", "filter-documents-submit", "cy")


def test_browser_server_started_for_one_coder_goes_straight_on(page, study, tmp_path):
    """The README's second way: `qualcode serve --coder ana --no-browser --port 0`."""
    running = serve(copy_of(study, tmp_path), "--coder", "ana", "--no-browser", "--port", "0")
    try:
        page.goto(running.url)
        expect(page.locator("h1")).to_have_text("Documents")
        expect(page.locator("#coder-name")).to_have_text("ana")
        expect(page.locator("[data-control=change-coder]")).to_have_count(0)
        page.goto(f"{running.base}/coder")
        expect(page.locator("main")).to_contain_text("This server was started with --coder ana")
        page.click("[data-control=go-on]")
        expect(page.locator("h1")).to_have_text("Documents")
    finally:
        assert "Traceback" not in running.stop()


@pytest.fixture
def other_site(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A web site of someone else's on this machine: a folder served on another port."""
    folder = tmp_path / "site"
    folder.mkdir()
    handler = partial(SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    site = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    yield folder, site.server_address[1]
    site.shutdown()
    site.server_close()


def test_browser_a_form_of_another_site_cannot_change_who_is_coding(page, server, other_site):
    """Another site's page posts a form to the app, even with the CSRF value (leaked, say):
    the same machine on another port is refused by origin; another name by the token."""
    start_as(page, server.url, "cy")
    csrf = page.locator('meta[name="qualcode-csrf"]').get_attribute("content")
    folder, port = other_site
    (folder / "attack.html").write_text(
        f"""<!doctype html><form method="post" action="{server.base}/coder">
        <input name="name" value="mallory"><input name="csrf" value="{csrf}">
        <input name="next" value="/documents"><button id="go">Win a prize</button></form>""",
        encoding="utf-8",
    )
    for origin, refusal in [
        (f"http://127.0.0.1:{port}", f"cross-site request from http://127.0.0.1:{port} refused"),
        (f"http://{REBOUND}:{port}", "needs its token"),  # SameSite: no cookie goes along
    ]:
        page.goto(f"{origin}/attack.html")
        page.click("#go")
        expect(page.locator("body")).to_contain_text(refusal)
        page.goto(f"{server.base}/documents")
        expect(page.locator("#coder-name")).to_have_text("cy")


def test_browser_the_app_under_another_host_name_is_refused(page, server):
    """DNS rebinding: a name that now points at this machine does not reach the app."""
    port = server.base.rsplit(":", 1)[1]
    token = server.url.split("?token=")[1]
    page.goto(f"http://{REBOUND}:{port}/?token={token}")
    expect(page.locator("body")).to_contain_text(
        f"host '{REBOUND}:{port}' is not a name of this server"
    )
    page.goto(f"http://localhost:{port}/?token={token}")  # a name of this machine
    expect(page.locator("h1")).to_have_text("Who is coding?")
