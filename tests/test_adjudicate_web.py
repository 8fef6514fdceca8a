"""The adjudication page shows each disagreement in its place: the segments around it and
a link into the transcript."""

from __future__ import annotations

import html
import re

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


def test_adjudication_page_reopens_a_settled_item(coded_project):
    with coded_project.transaction() as session:
        get_coder(session, "lee", role="lead")
    lead, settings = browser_for(coded_project, coder="lee")
    keys = re.findall(r'name="key" value="([^"]+)"', lead.get("/adjudicate").text)
    lead.post("/adjudicate/settle", data={"key": keys[0], "choice": "ana", "csrf": settings.csrf})
    page = lead.get("/adjudicate").text
    assert 'data-control="reopen-submit"' in page and "took <strong>ana</strong>" in page
    refused = lead.post("/adjudicate/reopen", data={"key": keys[0]})
    assert refused.status_code == 403
    opened = lead.post("/adjudicate/reopen", data={"key": keys[0], "csrf": settings.csrf})
    assert opened.status_code == 200
    assert len(re.findall(r'name="key" value="', opened.text)) == len(keys)
    assert 'data-control="reopen-submit"' not in opened.text
