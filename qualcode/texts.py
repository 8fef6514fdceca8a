"""Documents' texts kept in memory by version, so that finding a document (as every
coding applied does) need not read a long transcript's whole text from the database
each time: for a 200 KB text that is a decompression in PostgreSQL and a decode here,
at every click of every coder on a team server."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from .models import Document

KEPT_CHARACTERS = 20_000_000  # about 80 MB at most, the texts of a large project


class _Kept:
    """The texts read most recently, up to ``limit`` characters in all; safe across threads."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self.texts: OrderedDict[tuple[uuid.UUID, int, str], str] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[uuid.UUID, int, str]) -> str | None:
        with self.lock:
            text = self.texts.get(key)
            if text is not None:
                self.texts.move_to_end(key)
            return text

    def put(self, key: tuple[uuid.UUID, int, str], text: str) -> None:
        with self.lock:
            if key in self.texts or len(text) > self.limit:
                return
            self.texts[key] = text
            self.size += len(text)
            while self.size > self.limit:
                self.size -= len(self.texts.popitem(last=False)[1])


_kept = _Kept(KEPT_CHARACTERS)


def with_text(session: Session, document: Document) -> Document:
    """``document``, loaded without its text, given it: from memory when this version of
    it (its id, revision and content hash) was read before, else from the database."""
    if "text" not in inspect(document).unloaded:
        return document
    key = (document.id, document.revision, document.content_hash)
    text = _kept.get(key)
    if text is None:
        text = session.scalars(select(Document.text).where(Document.id == document.id)).one()
        _kept.put(key, text)
    set_committed_value(document, "text", text)
    return document


def texts_of(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The texts of the documents ``ids``: their versions in one query, then, in a second,
    the texts of those not in memory."""
    wanted = set(ids)
    if not wanted:
        return {}
    versions = session.execute(
        select(Document.id, Document.revision, Document.content_hash).where(Document.id.in_(wanted))
    ).all()
    found = {doc_id: _kept.get((doc_id, revision, digest)) for doc_id, revision, digest in versions}
    missing = [doc_id for doc_id, text in found.items() if text is None]
    if missing:
        rows = session.execute(
            select(Document.id, Document.revision, Document.content_hash, Document.text)
            .where(Document.id.in_(missing))
        )  # fmt: skip
        for doc_id, revision, digest, text in rows:
            _kept.put((doc_id, revision, digest), text)
            found[doc_id] = text
    return found
