"""A team server in Chromium: the lead signs in from the invitation `qualcode user add`
printed and invites a coder from the Users page; the coder sets a password, codes, sees
only their own work, signs out and in; the lead's documents page follows the coder live,
and once the lead opens the round the coder sees the others' codings too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browsing import LEAD, apply_code, drag, open_document
from harness import Server, copy_of, qualcode, serve
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
AREA_1 = "area-1-mapping-workshop.md"
PASSWORD = "a long team password"
WORDS = "Messy we can do."


@pytest.fixture
def team_server(study: Path, tmp_path: Path) -> Iterator[Server]:
    running = serve(copy_of(study, tmp_path), "--team", "--port", "0", "--no-browser")
    yield running
    said = running.stop()
    assert "Traceback" not in said, said
    assert PASSWORD not in said


def set_password(page, link: str, name: str) -> None:
    page.goto(link)
    expect(page.locator("h1")).to_have_text(f"Welcome, {name}")
    page.fill("#password", PASSWORD)
    page.click("[data-control=set-password-submit]")
    expect(page.locator("#coder-name")).to_have_text(name)
    expect(page.locator("h1")).to_have_text("Documents")


def coders_seen(page) -> set[str]:
    return set(page.evaluate(
        """() => JSON.parse(document.getElementById("qualcode-data").textContent)
                 .codings.coders"""
    ))  # fmt: skip


def test_browser_a_lead_invites_a_coder_who_codes_blind_until_the_round_opens(
    team_server, browser_context, shot
):
    said = qualcode(team_server.root, "--as", LEAD, "user", "add", LEAD, "--role", "lead")
    link = said.splitlines()[0]  # then, on stderr: what the link is
    assert link.startswith(team_server.base + "/invite/")
    lead = browser_context()
    lead.goto(team_server.base + "/documents")
    expect(lead.locator("h1")).to_have_text("Sign in")  # no session: the sign-in page
    set_password(lead, link, LEAD)
    lead.click("nav >> text=Users")
    for name in ("sam", "tess"):
        lead.fill('[data-control=add-user] input[name="name"]', name)
        lead.click("[data-control=add-user-submit]")
        expect(lead.locator(".notice")).to_contain_text(name)
    tess_link = lead.locator("#invitation-link").text_content()
    row = lead.locator("tr", has_text="tess")
    row.locator("[data-control=reset-user-submit]").click()
    expect(lead.locator("#invitation-link")).not_to_have_text(tess_link)
    lead.locator("tr", has_text="tess").locator("[data-control=disable-user-submit]").click()
    expect(lead.locator("tr", has_text="tess")).to_contain_text("disabled")
    lead.locator("tr", has_text="sam").locator("[data-control=reset-user-submit]").click()
    sam_link = lead.locator("#invitation-link").text_content()
    shot(lead, "users")

    coder = browser_context()
    set_password(coder, sam_link, "sam")
    coder.click("[data-control=sign-out-submit]")
    expect(coder.locator("h1")).to_have_text("Sign in")
    coder.fill("#name", "sam")
    coder.fill("#password", PASSWORD)
    coder.click("[data-control=sign-in-submit]")
    expect(coder.locator("#coder-name")).to_have_text("sam")

    lead.click("nav >> text=Documents")
    expect(lead.locator("#documents-table")).to_be_visible()
    open_document(coder, AREA_1)
    assert coders_seen(coder) == set()  # ana's and ben's codings are not for sam
    drag(coder, WORDS)
    apply_code(coder, "Trust")
    expect(lead.locator("body[data-live-updated]")).to_have_count(1, timeout=5_000)
    expect(lead.locator("#documents-table tr", has_text=AREA_1)).to_contain_text("sam")
    shot(lead, "live")

    lead.click("nav >> text=Agreement")
    lead.click("[data-control=open-round]")
    expect(lead.locator(".round-state")).to_contain_text("open")
    coder.reload()
    coder.wait_for_selector('#transcript[data-ready="true"]', state="attached")
    assert {"sam", "ana", "ben"} <= coders_seen(coder)
    lead.click("nav >> text=Audit")
    expect(lead.locator("table.audit")).to_contain_text("round open")
    expect(lead.locator("table.audit")).to_contain_text("coding add")
    lead.click("[data-control=sign-out-submit]")
    expect(lead.locator("h1")).to_have_text("Sign in")
    lead.fill("#name", LEAD)
    lead.fill("#password", PASSWORD)
    lead.click("[data-control=sign-in-submit]")
    expect(lead.locator("#coder-name")).to_have_text(LEAD)
    lead.click("nav >> text=Users")  # a page that follows nothing live: no stream left open
    coder.click("[data-control=sign-out-submit]")
