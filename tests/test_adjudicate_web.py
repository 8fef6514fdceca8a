"""The adjudication page shows each disagreement in its place: the segments around it and
a link into the transcript."""

from __future__ import annotations

import html

from test_web_pages import browser_for

from qualcode.adjudicate import pending
from qualcode.coding import get_coder


def test_adjudication_page_shows_context_and_links_into_the_transcript(coded_project):
    with coded_project.transaction() as session:
        get_coder(session, "lee", role="lead")
    first = pending(coded_project).iloc[0]
    lead, _settings = browser_for(coded_project, coder="lee")
    page = html.unescape(lead.get("/adjudicate").text)
    document_id = first.key.split(":")[0]
    assert f'href="/documents/{document_id}#at-{first.start}"' in page
    if first.before:
        assert first.before in page
    assert first.after and first.after in page
