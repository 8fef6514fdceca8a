"""Web pages (.html, .htm): the text of the body's blocks as paragraphs, as Taguette reads them.

The page is parsed with lxml's HTML parser (which copes with tag soup). Scripts, styles,
forms, navigation and the head are left out, apart from ``<title>`` and ``<meta
name="author">``, which become the ``title`` and ``author`` attributes. Every block element
(``p``, ``div``, ``li``, ``h1``-``h6``, ``blockquote``, ``pre``, table rows...) makes a
paragraph; ``<br>`` is a line break inside one; runs of white space are one space, except in
``<pre>``. ``h1``-``h6`` are headings, and a ``<b>`` or ``<strong>`` name at the start of a
paragraph is a speaker's label under the Word rules (:mod:`qualcode.readers.paragraphs`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import InputError
from qualcode.readers.base import Transcript
from qualcode.readers.encoding import decode
from qualcode.readers.paragraphs import Para, transcript_from_paragraphs

if TYPE_CHECKING:
    from lxml.etree import _Element as Element

_BLOCKS = frozenset(
    ("p", "div", "li", "dt", "dd", "blockquote", "pre", "tr", "section", "article", "main")
    + ("h1", "h2", "h3", "h4", "h5", "h6", "caption", "figcaption", "address", "ul", "ol")
    + ("table", "body", "header", "footer", "aside", "hr")
)
_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_SKIP = frozenset(("script", "style", "noscript", "template", "head", "nav", "form", "button"))
_SKIP |= frozenset(("select", "textarea", "svg", "iframe", "object"))
_BOLD = frozenset(("b", "strong"))
_SPACE = re.compile(r"\s+")


class HtmlReader:
    """Reads .html and .htm pages into paragraphs and turns."""

    suffixes: tuple[str, ...] = (".html", ".htm")

    def read(self, path: Path, *, unlabelled_speaker: str | None = None) -> Transcript:
        """Paragraphs of the body's blocks, headings and bold labels kept."""
        import lxml.html

        text, note = decode(path, path.read_bytes())
        try:
            root = lxml.html.document_fromstring(text)
        except Exception as error:  # lxml raises ParserError for a page with no elements
            raise InputError(
                path, f"is not a readable web page ({error})", hint="Save the page again as HTML"
            ) from None
        collector = _Collector()
        body = root.find("body")
        collector.walk(body if body is not None else root, bold=False, pre=False)
        collector.flush()
        attributes: dict[str, Any] = {}
        title = " ".join((root.findtext(".//title") or "").split())
        if title:
            attributes["title"] = title
        for meta in root.iter("meta"):
            author = " ".join((meta.get("content") or "").split())
            if (meta.get("name") or "").casefold() == "author" and author:
                attributes["author"] = author
        return transcript_from_paragraphs(
            path, collector.paras, attributes, [note] if note else [],
            unlabelled_speaker=unlabelled_speaker,
        )  # fmt: skip


class _Collector:
    """Walks the tree, closing a paragraph at every block's start and end."""

    def __init__(self) -> None:
        self.paras: list[Para] = []
        self.parts: list[str] = []
        self.length = 0
        self.bold = 0  # length of the bold text the paragraph starts with
        self.plain = False  # some text that is not bold has come
        self.heading = False

    def add(self, text: str | None, *, bold: bool, pre: bool) -> None:
        if not text:
            return
        if not pre:
            text = _SPACE.sub(" ", text)
            if not self.parts or self.parts[-1].endswith((" ", "\n")):
                text = text.lstrip(" ")
        if not text:
            return
        self.parts.append(text)
        self.length += len(text)
        if bold and not self.plain:
            self.bold = self.length
        elif text.strip():
            self.plain = True

    def flush(self) -> None:
        raw = "".join(self.parts)
        text = raw.strip()
        if text:
            bold = max(0, min(self.bold - (len(raw) - len(raw.lstrip())), len(text)))
            self.paras.append(Para(text, heading=self.heading, bold=bold))
        self.parts, self.length, self.bold, self.plain, self.heading = [], 0, 0, False, False

    def walk(self, element: Element, *, bold: bool, pre: bool) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIP or not tag:  # comments and processing instructions have no str tag
            self.add(element.tail, bold=bold, pre=pre)
            return
        block = tag in _BLOCKS
        if block:
            self.flush()
            self.heading = tag in _HEADINGS
        inner_bold = bold or tag in _BOLD
        inner_pre = pre or tag == "pre"
        if tag == "br":
            self.parts.append("\n")
            self.length += 1
        self.add(element.text, bold=inner_bold, pre=inner_pre)
        for child in element:
            self.walk(child, bold=inner_bold, pre=inner_pre)
            if isinstance(child.tag, str) and child.tag in _BLOCKS:
                self.heading = tag in _HEADINGS
        if block:
            self.flush()
        self.add(element.tail, bold=bold, pre=pre)
