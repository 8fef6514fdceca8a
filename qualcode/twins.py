"""The same transcript in another format: found by its words, so it is not imported twice.

A transcript saved as .docx and as .txt, or printed to PDF, stores different text (labels
in bold or not, line numbers, time stamps) but the same words. Two texts are *twins* when
their words agree once case is folded and punctuation and bare numbers (times, page and
line numbers) are left out. The project's documents are read for this only when a file of
a new name comes, and only once per import.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from .models import Document
from .project import Project

_WORD = re.compile(r"\w+")


def words_digest(text: str) -> str:
    """A digest of the words of ``text``: case folded, numbers and punctuation left out."""
    words = [w for w in _WORD.findall(text.casefold()) if not w.isdigit()]
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


class SameWords:
    """Finds, for a transcript of a new name, a document (or an earlier file of this
    import) with the same words, read from another file: the documents one survey sheet
    makes (two respondents who gave the same answers) are never each other's twins."""

    def __init__(self, project: Project, known: Mapping[str, Any]) -> None:
        self.project = project
        self.pending = bool(known)  # the project's documents, not read yet
        self.names: dict[str, tuple[str, str]] = {}  # words digest -> (name, source file)

    def twin(self, name: str, text: str, source: str) -> str | None:
        """The name of a twin of ``text``, read from a file other than ``source``, or None;
        ``name`` is remembered for later files."""
        if self.pending:
            self.pending = False
            with self.project.sessionmaker() as session:
                for known, stored, path in session.execute(
                    select(Document.name, Document.text, Document.source_path)
                ):
                    self.names.setdefault(words_digest(stored), (known, path))
        digest = words_digest(text)
        found = self.names.setdefault(digest, (name, source))
        return found[0] if found[1] != source else None
