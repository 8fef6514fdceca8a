"""The controls of the web app's pages, read from its templates and scripts.

Every form, button, select and button-like link carries ``data-control="NAME"``. The
browser suite records each control a test drives (``tests/browser/conftest.py``) and
fails when one that a page can show was never driven; ``tests/test_web_pages.py``
fails when a control has no name. A name may hold a Jinja expression
(``export-{{ fmt }}``): it stands for every name it renders to.
"""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parent.parent / "qualcode" / "web"
# A form, a button, a select of its own (one with a name is a field of its form), a link
# that looks like a button.
TAG = re.compile(
    r"<(?:form|button)\b[^>]*>|<select\b(?![^>]*\bname=)[^>]*>"
    r"|<a\b[^>]*\bclass=\"[^\"]*\bbutton\b[^>]*>",
    re.S,
)
NAME = re.compile(r'data-control="([^"]+)"')
SET = re.compile(r'\.dataset\.control = "([^"]+)"')
MADE = re.compile(r'const (\w+) = document\.createElement\("(?:form|button|select)"\)')


def sources() -> list[Path]:
    return sorted((WEB / "templates").rglob("*.html")) + sorted((WEB / "static").glob("*.js"))


def controls() -> tuple[set[str], list[str]]:
    """Every control name found, and every control found without one (file: tag)."""
    names: set[str] = set()
    unnamed: list[str] = []
    for path in sources():
        text = path.read_text(encoding="utf-8")
        names.update(NAME.findall(text), SET.findall(text))
        bare = [tag for tag in TAG.findall(text) if not NAME.search(tag)]
        unnamed += [f"{path.name}: {' '.join(tag.split())}" for tag in bare]
        for variable in MADE.findall(text):
            if not re.search(rf"\b{variable}\.dataset\.control = ", text):
                unnamed.append(f"{path.name}: document.createElement(...) as {variable}")
    return names, unnamed


def pattern(name: str) -> re.Pattern[str]:
    """The names a template's ``data-control`` value renders to."""
    parts = re.split(r"\{\{.*?\}\}", name)
    return re.compile(".+".join(map(re.escape, parts)) + r"\Z")
