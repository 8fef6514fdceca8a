"""Every address a page names starts with ``{{ root }}``, the path a reverse proxy serves
the app under (`serve --team --root-path /qualcode`; tests/browser/test_browser_root_path.py
drives it in Chromium), so that a link added later cannot leave the prefix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "qualcode" / "web" / "templates" / "web"
# an address from the host's root ("/..."), or one a page fills in ("{{ link }}")
ADDRESS = re.compile(r"""\b(href|src|action)=["'](/|\{\{(?! ?root ?\}\}))""")


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_every_address_in_a_page_starts_under_the_root_path(template):
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    strays = [line.strip() for line in text.splitlines() if ADDRESS.search(line)]
    assert strays == [], f"{template}: start these addresses with {{{{ root }}}}: {strays}"
