"""End-to-end fixtures: a project made and served as the README tells a user, and Chromium.

The project is made once per run with the README's commands (``qualcode init``,
``codebook sync``, ``import transcripts/``, ``coder lee --role lead``, ``codings
import``, ``suggest``), run through the real command line in this process. It holds the
example transcripts and real hearing transcripts without front matter or attributes
(``tests/fixtures/sample-transcripts/``). Each test module (or test, where it changes
what everyone sees) gets a fresh copy, served by ``qualcode serve`` with no option at
all, in a process of its own, from the project folder, and opened at the address it
printed first. Browsers start on the "Who is coding?" page.

Chromium is Debian's (``/usr/bin/chromium``, or ``$QUALCODE_CHROMIUM``), driven by
Playwright with ``executable_path``: nothing is downloaded. Every page carries a small
recorder (``RECORDER``) that reports each control (``data-control``) a page shows and
each one a user drives; ``test_browser_controls.py`` fails when one was never driven.
Each test leaves a screenshot of how it ended in ``test-output/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from harness import CONTROLS, REBOUND, RECORDER, Server, copy_of, qualcode, serve

try:
    from browsing import EMOJI, LEAD, PLAIN
    from playwright.sync_api import sync_playwright
except ImportError:  # `make test` need not have it; `make test-browser` installs it
    collect_ignore_glob = ["test_*.py"]

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "tests" / "fixtures" / "sample-transcripts"
SHOTS = REPO / "test-output" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    f"--host-resolver-rules=MAP {REBOUND} 127.0.0.1",
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
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder made as the README says, once per run (tests serve copies)."""
    root = tmp_path_factory.mktemp("made") / "study"
    (root / "transcripts").mkdir(parents=True)
    shutil.copy(REPO / "codebook.yaml", root)
    shutil.copytree(REPO / "codings", root / "codings")
    for path in [*(REPO / "transcripts").iterdir(), *SAMPLES.glob("ukci-*")]:
        shutil.copy(path, root / "transcripts")
    (root / "transcripts" / EMOJI).write_text(EMOJI_TRANSCRIPT, encoding="utf-8")
    qualcode(root, "init")
    qualcode(root, "codebook", "sync", "codebook.yaml")
    qualcode(root, "import", "transcripts/")
    qualcode(root, "coder", LEAD, "--role", "lead")
    qualcode(root, "codings", "import", "codings/example-codings.csv")
    for coder in ("eve", "fay"):  # suggestions from the codebook's rules, to decide on
        qualcode(root, "suggest", "--coder", coder, "--method", "rules", PLAIN)
    return root


@pytest.fixture(scope="module")
def server(study: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`qualcode serve` over a copy of the study, shared by the tests of a module (each
    codes as a coder of its own, so the blind round keeps them apart)."""
    running = serve(copy_of(study, tmp_path_factory.mktemp("served")))
    yield running
    said = running.stop()
    assert "Traceback" not in said, said


@pytest.fixture
def own_server(study: Path, tmp_path: Path) -> Iterator[Server]:
    """`qualcode serve` over a copy of the study for one test (it changes what everyone
    sees: the round, the consensus). A test names it before ``page``, so that its pages
    close before the server stops (a page still polling a stopped server is an error)."""
    running = serve(copy_of(study, tmp_path))
    yield running
    said = running.stop()
    assert "Traceback" not in said, said


@pytest.fixture
def browser_context(chromium, request: pytest.FixtureRequest) -> Iterator[Callable]:
    """``open_page()``: a page in a fresh context (no cookies), 1440×900, with the
    recorder; scripts errors and refused resources fail the test; the last page opened
    is photographed at the end."""
    contexts: list = []
    errors: list[str] = []

    def open_page(**options: object) -> object:
        context = chromium.new_context(
            viewport={"width": 1440, "height": 900}, accept_downloads=True, **options
        )
        context.expose_binding(
            "qualcodeControl",
            lambda _source, event: CONTROLS.record(event["kind"], event["name"], event["who"]),
        )
        context.add_init_script(RECORDER)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda message: errors.append(message.text)
            if message.type == "error" and "status of 403" not in message.text
            and "status of 404" not in message.text else None,
        )  # fmt: skip
        contexts.append(context)
        return page

    yield open_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        if contexts and contexts[-1].pages:
            contexts[-1].pages[-1].screenshot(path=str(SHOTS / f"{request.node.name}.png"))
    finally:
        for context in contexts:
            context.close()
    assert not errors, f"errors in the pages: {errors}"


@pytest.fixture
def page(browser_context: Callable) -> object:
    return browser_context()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable:
    """``shot(page, "after-apply")``: a screenshot in the middle of a test."""

    def take(page: object, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{request.node.name}--{name}.png"))

    return take


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The check that every control was driven runs after everything that drives them."""
    items.sort(key=lambda item: item.path.name == "test_browser_controls.py")
