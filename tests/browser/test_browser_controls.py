"""Every control of every page was driven in Chromium, by a coder and by the lead.

Runs last (``conftest.pytest_collection_modifyitems``), over what the recorder noted
while the other browser tests ran: a page that gains a form or a button that no test
clicks makes this fail, and so does a control without a ``data-control`` name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browsing import LEAD
from harness import CONTROLS
from web_controls import controls, pattern

pytestmark = pytest.mark.browser
HERE = Path(__file__).resolve().parent
# Only the lead may use these: agreement, adjudication, the round, a team's users.
FOR_THE_LEAD = {
    "agreement-report", "go-adjudicate", "round", "open-round", "close-round", "copy-agreed",
    "copy-agreed-submit", "settle", "take-coder", "take-both", "take-neither", "reopen",
    "reopen-submit",
    "add-user", "add-user-submit", "reset-user", "reset-user-submit", "disable-user",
    "disable-user-submit",
}  # fmt: skip
# Driven by a coder only, for a reason each.
CODER_ONLY = {
    "go-on": "shown only by a server started with --coder NAME",
    "filter-documents-submit": "shown only to a browser without scripts",
    "accept-suggestion": "suggestions are made for one coder, and tested for eve",
    "reject-suggestion": "suggestions are made for one coder, and tested for eve",
}


def test_browser_every_control_of_every_page_was_driven(request):
    ran = {f"{item.path.name}::{item.originalname}" for item in request.session.items}
    defined = {
        f"{path.name}::{name}"
        for path in HERE.glob("test_*.py")
        for name in re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.M)
    }
    if not defined <= ran:
        pytest.skip("run the whole browser suite to see every control driven")
    assert not CONTROLS.unnamed, "controls without a data-control name"
    named, _ = controls()
    rendered = {name for name in named if "{{" not in name}
    for template in named - rendered:
        shown = {name for name in CONTROLS.seen if pattern(template).match(name)}
        assert shown, f"no page showed {template!r}"
        rendered |= shown
    expected = rendered | CONTROLS.seen
    driven = CONTROLS.driven
    assert sorted(expected - driven.keys()) == [], "controls no test drove"
    by_lead = {name for name, who in driven.items() if LEAD in who}
    by_coder = {name for name, who in driven.items() if who - {LEAD, ""}}
    assert sorted(FOR_THE_LEAD - by_lead) == [], "lead's controls the lead never drove"
    assert sorted(expected - FOR_THE_LEAD - by_coder) == [], "controls no coder drove"
    assert sorted(expected - FOR_THE_LEAD - CODER_ONLY.keys() - by_lead) == [], (
        "controls the lead never drove"
    )
