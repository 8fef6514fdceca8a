"""The memo browser links each memo to what it is about, and a project memo to nothing."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from test_exchange_sets import vendor_file

from qualcode import init_project
from qualcode.exchange.qdpx_import import import_qdpx
from qualcode.team import set_role
from qualcode.web import WebSettings, create_app


def test_project_memos_have_no_link_and_code_memos_link_to_their_quotes(tmp_path):
    with init_project(tmp_path / "study") as project:
        import_qdpx(project, vendor_file(tmp_path))
        with project.transaction() as session:
            set_role(session, "lee", "lead", by=None)  # a lead sees every memo
        client = TestClient(create_app(project, WebSettings(token="t", coder="lee")))
        page = client.get("/memos", headers={"Authorization": "Bearer t"}).text
    about = dict(re.findall(r'<span class="tag">(\w+)</span> (.*?) ·', page))
    assert about["project"] == "the project"  # plain text: no page is about the project
    assert re.fullmatch(r'<a href="[^"]*/quotes\?code=Venue">Venue</a>', about["code"])
