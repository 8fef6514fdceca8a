"""A document's text changed in place (``qualcode edit``, the browser, ``qualcode revert``).

The new text is read as a plain transcript (``Speaker: text`` turns), so its turns and
segments come out as an import's would; the document keeps its name, source, attributes
and its speakers' attributes. One transaction: a failure leaves the document as it was.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InputError, NotAllowed
from ..lookup import find_document
from ..models import Coder, Coding, CodingReview, Document
from ..nlp import load_pipeline
from ..project import Project
from ..readers import read_transcript
from ..segment import segment_transcript
from ..visibility import may_change
from .store import RevisionResult


def check_may_revise(session: Session, actor: Coder, document: Document) -> None:
    """A correction moves every coding of the document: a coder makes one only where all
    the codings (placed or waiting for review) are their own; a lead, anywhere."""
    owners = set(session.scalars(select(Coding.coder_id).where(Coding.document_id == document.id)))
    owners |= set(
        session.scalars(
            select(CodingReview.coder_id).where(CodingReview.document_id == document.id)
        )
    )
    if any(not may_change(actor, owner) for owner in owners):
        raise NotAllowed(
            f"{document.name} holds another coder's codings, which a correction moves: "
            f"only a lead may correct it, not {actor.name}"
        )


def rewrite(
    project: Project,
    document: str,
    text: str,
    *,
    author: str | None = None,
    reason: str = "edited",
    restore: dict[str, Any] | None = None,
) -> RevisionResult | None:
    """Make ``text`` a new revision of ``document``; None when the text is unchanged.

    >>> rewrite(project, "area-3.md", corrected, author="ana", reason="misheard word")
    """
    from ..importing import revise_document

    with project.sessionmaker() as session:
        row = find_document(session, document)
        name, current = row.name, row.text
        speakers = {s.label: s.attributes for s in row.speakers}
    if text.replace("\r\n", "\n") == current and restore is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{Path(name).stem}.txt"
        path.write_text(text, encoding="utf-8")
        try:
            transcript = read_transcript(path)
        except InputError as error:
            raise InputError(name, error.message, line=error.line, hint=error.hint) from None
    for label in transcript.speakers:
        transcript.speakers[label] = {**transcript.speakers[label], **speakers.get(label, {})}
    settings = project.settings()
    spans = segment_transcript(transcript, load_pipeline(settings["pipeline"]), settings["unit"])
    with project.transaction() as session:
        row = find_document(session, name)
        _count, result = revise_document(
            session, row, transcript, spans, author=author, reason=reason, restore=restore
        )
    return result
