"""A team server behind a reverse proxy under a sub-path (README, "Behind a reverse
proxy"): `qualcode serve --team --root-path /qualcode` behind a proxy that takes the
prefix off. The lead signs in from the invitation link, opens a transcript, codes and
signs out, with the live stream open; every request the browser makes stays under
/qualcode/."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browsing import LEAD, apply_code, drag, label, open_document
from harness import Server, copy_of, qualcode, serve
from playwright.sync_api import expect
from proxy import Proxy, proxy_under
from test_browser_team import set_password

pytestmark = pytest.mark.browser
PREFIX = "/qualcode"


@pytest.fixture
def proxied(study: Path, tmp_path: Path) -> Iterator[tuple[Server, Proxy]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with proxy_under(PREFIX) as proxy:
        proxy.upstream = ("127.0.0.1", port)
        running = serve(copy_of(study, tmp_path), "--team", "--port", str(port), "--no-browser",
                        "--root-path", PREFIX, "--public-url", proxy.base + PREFIX)  # fmt: skip
        for _ in range(600):  # serve waited for the address it printed: the proxy's
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield running, proxy
        proxy.close_streams()
        said = running.stop()
        assert "Traceback" not in said, said


def test_browser_a_team_server_under_a_sub_path_keeps_every_request_there(
    proxied, browser_context
):
    server, proxy = proxied
    link = qualcode(server.root, "--as", LEAD, "user", "add", LEAD, "--role", "lead")
    link = link.splitlines()[0]
    assert link.startswith(f"{proxy.base}{PREFIX}/invite/")
    lead = browser_context()
    asked: list[str] = []
    lead.on("request", lambda request: asked.append(request.url))
    lead.goto(f"{proxy.base}{PREFIX}/documents")
    expect(lead.locator("h1")).to_have_text("Sign in")  # redirected to the prefixed login
    set_password(lead, link, LEAD)
    open_document(lead, "area-1-mapping-workshop.md")
    lead.wait_for_function("() => document.querySelector('link[rel=stylesheet]').sheet")
    drag(lead, "Messy we can do.")
    apply_code(lead, "Trust")
    lead.reload()
    lead.wait_for_selector('#transcript[data-ready="true"]', state="attached")
    expect(label(lead, "Trust").first).to_be_attached()  # stored: there after a reload
    lead.click("[data-control=sign-out-submit]")
    expect(lead.locator("h1")).to_have_text("Sign in")
    assert lead.url.startswith(f"{proxy.base}{PREFIX}/login")
    assert proxy.outside == [], proxy.outside
    strays = [url for url in asked if not url.startswith(f"{proxy.base}{PREFIX}/")]
    assert strays == [], strays
    kinds = {url.split(PREFIX, 1)[1].split("?")[0].rsplit("/", 1)[0] for url in asked}
    assert {"/static", "/api", "/api/documents/area-1-mapping-workshop.md"} & kinds, kinds
    assert any(line.startswith("GET /qualcode/api/events") for line in proxy.passed), proxy.passed
    assert any(line.startswith("POST /qualcode/api/codings") for line in proxy.passed)
