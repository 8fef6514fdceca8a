"""End-to-end fixtures: the web app served on a free port, and headless Chromium.

Chromium is Debian's (``/usr/bin/chromium``, or ``$QUALCODE_CHROMIUM``), driven by
Playwright's Python package with ``executable_path``: nothing is downloaded. Each test
leaves a screenshot of how it ended in ``test-output/screenshots/`` for a reviewer.
These tests are marked ``browser`` and run by ``make test-browser``, not ``make test``.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from qualcode.importing import import_files
from qualcode.project import Project
from qualcode.web import WebSettings, create_app

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-output" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EMOJI_TRANSCRIPT = """---
title: Emoji check, Area 9
area: Area 9
method: interview
speakers:
  Q: {role: researcher, agency_type: researcher}
  Rae: {role: partnership chair, agency_type: community}
---
Q: How did the first meeting go? 🙂

Rae: Honestly 😅 it went well. The council 👩🏽‍💼 officer listened to us. We trust her now.

Q: And the school?

Rae: The head 🏫 came round twice. That matters 💯 to people here.
"""


def chromium_path() -> str:
    found = os.environ.get("QUALCODE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        pytest.skip("no Chromium: `apt-get install chromium` (make test-browser does)")
    return found


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@dataclass
class Served:
    """A running server: its address (with the token) and its project."""

    url: str
    base: str
    project: Project
    settings: WebSettings


@pytest.fixture
def served(coded_project: Project, tmp_path: Path) -> Iterator[Served]:
    """The example project (with ana's and ben's codings and a transcript with emoji),
    served as ana on a free port of 127.0.0.1 in a background thread."""
    import uvicorn

    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "emoji-interview.md").write_text(EMOJI_TRANSCRIPT, encoding="utf-8")
    assert not import_files(coded_project, [extra / "emoji-interview.md"]).failed
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings = WebSettings(coder="ana", port=port, allowed_hosts=["127.0.0.1", "localhost"])
    config = uvicorn.Config(create_app(coded_project, settings), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    try:
        yield Served(settings.url(), f"http://127.0.0.1:{port}", coded_project, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def page(chromium, served: Served, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh browser context (no cookies) with a 1440×900 page; its end is photographed."""
    context = chromium.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(15_000)
    yield page
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(SHOTS / f"{request.node.name}.png"), full_page=False)
    finally:
        context.close()
    assert not errors, f"errors in the page's scripts: {errors}"


@pytest.fixture
def shot(page: object, request: pytest.FixtureRequest):
    """Take a screenshot in the middle of a test: ``shot("after-apply")``."""

    def take(name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{request.node.name}--{name}.png"))

    return take
