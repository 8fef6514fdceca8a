"""Find documents and codes by the names people give them, with near names when not found.

These lookups sit below ``coding``, ``queries``, ``team`` and ``memos``, which all use
them, so that none of those has to import another to find a document or a code.
"""

from __future__ import annotations

import difflib
import uuid
from typing import Any, TypeVar

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session, defer

from .errors import NotFound
from .models import Code, Document
from .texts import with_text

T = TypeVar("T")


def by_id(session: Session, model: type[T], ref: str) -> T | None:
    """The row of ``model`` whose UUID is ``ref``, or None (also for a malformed id)."""
    try:
        return session.get(model, uuid.UUID(ref))
    except ValueError:
        return None


def _canonical_id(ref: str) -> uuid.UUID | None:
    """``ref`` as a UUID if it is one written as ``str(uuid)`` writes it, else None."""
    try:
        found = uuid.UUID(ref)
    except ValueError:
        return None
    return found if str(found) == ref else None


def _named(session: Session, model: type[T], *matches: Any, options: tuple = ()) -> T | None:
    """The one row of ``model`` that ``matches`` (conditions, any of them) find, in one
    query; None if none or several do (then the caller looks closer)."""
    found = session.scalars(select(model).where(or_(*matches)).options(*options).limit(2)).all()
    return found[0] if len(found) == 1 else None


def find_document(session: Session, ref: str) -> Document:
    """A document by name, by name without extension, or by (a prefix of) its id."""
    key = _canonical_id(ref)
    exact = _named(session, Document, Document.name == ref, Document.id == key if key else false(),
                   options=(defer(Document.text),))  # fmt: skip
    if exact is not None:  # what every page and script sends: one query, the text kept
        return with_text(session, exact)
    rows = session.execute(select(Document.id, Document.name)).all()
    for doc_id, name in rows:
        if ref in (name, name.rsplit(".", 1)[0]) or str(doc_id) == ref:
            return session.get_one(Document, doc_id)
    prefixed = [doc_id for doc_id, _name in rows if len(ref) >= 6 and str(doc_id).startswith(ref)]
    if len(prefixed) == 1:
        return session.get_one(Document, prefixed[0])
    near = difflib.get_close_matches(ref, [name for _id, name in rows], n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
    raise NotFound(f"no document {ref!r} in this project{hint} (see `qualcode documents`)")


def find_code(session: Session, ref: str | Code) -> Code:
    """A code by id, slug (``speaking-the-language``) or name (any case)."""
    if isinstance(ref, Code):
        return ref
    wanted = ref.strip().casefold()
    key = _canonical_id(wanted)
    exact = _named(
        session, Code, Code.slug == wanted, Code.name == ref.strip(),
        Code.id == key if key else false(),
    )  # fmt: skip
    if exact is not None and not exact.archived:  # the page's id, a script's name: one query
        return exact
    # plain columns, then the one row: a codebook's codes carry JSON (examples, rules)
    # that every apply would otherwise read and parse
    codes = session.execute(select(Code.id, Code.slug, Code.name, Code.archived)).all()
    for live_first in (True, False):
        for code in codes:
            if code.archived == live_first:
                continue
            if wanted in (str(code.id), code.slug, code.name.casefold()):
                return session.get_one(Code, code.id)
    names = [code.name for code in codes if not code.archived]
    near = difflib.get_close_matches(ref, names, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
    raise NotFound(f"no code {ref!r} in the codebook{hint} (see `qualcode codebook show`)")


def code_and_descendants(session: Session, ref: str | Code) -> set[uuid.UUID]:
    """The ids of a code and every code below it (a theme stands for all its codes)."""
    root = find_code(session, ref)
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for code_id, parent_id in session.execute(select(Code.id, Code.parent_id)):
        children.setdefault(parent_id, []).append(code_id)
    found, todo = set(), [root.id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, []))
    return found
