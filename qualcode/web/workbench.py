"""The workbench's routes: codebook changes while coding, search across documents, the
search page, and a transcript's recording served with HTTP range requests.

What a coder may see is :mod:`qualcode.visibility`'s rule, through the library:
search filters by code and coder look only at the codings the asker may see.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from .. import codebook_edit, queries
from .. import coding as coding_lib
from .. import memos as memo_lib
from .. import search as searching
from ..errors import NotFound
from ..words import whole_words
from . import media, records, views
from .context import Asker, CoderName, Filter, Many, Viewer, Web

router = APIRouter(tags=["workbench"])
Words = Annotated[str, Query(min_length=1, max_length=500, description="Words to find.")]
DocumentRef = Annotated[str, PathParam(min_length=1, max_length=255)]


class CodebookChange(BaseModel):
    action: Literal["create", "rename", "recolour", "define", "move", "merge"]
    code: str | None = Field(None, max_length=255, description="The code changed (id or name).")
    name: str | None = Field(None, max_length=255)
    parent: str | None = Field(None, max_length=255, description="A theme or code.")
    colour: str | None = Field(None, max_length=7)
    definition: str | None = Field(None, max_length=20_000)
    into: str | None = Field(None, max_length=255, description="merge: the code kept.")
    document: str | None = Field(None, max_length=255, description="create: code this too.")
    start: int | None = Field(None, ge=0, le=2**31 - 1)
    end: int | None = Field(None, ge=0, le=2**31 - 1)


class CodeHits(BaseModel):
    q: str = Field(min_length=1, max_length=500)
    code: str = Field(min_length=1, max_length=255)
    where: list[str] = Field(default_factory=list, max_length=50)
    filter_code: list[str] = Field(default_factory=list, max_length=50)
    coder: list[str] = Field(default_factory=list, max_length=50)


@router.post("/api/codebook", summary="Change the codebook (written to codebook.yaml)")
def change_codebook(web: Web, who: CoderName, body: CodebookChange) -> dict[str, Any]:
    """Create, rename, recolour, define, move or merge a code; ``create`` with a
    ``document``, ``start`` and ``end`` also codes that span (an in-vivo code). Each
    change is one undo."""
    what = body.model_dump(
        exclude_none=True, exclude={"action", "code", "document", "start", "end"}
    )
    with web.project.transaction() as session:
        done = codebook_edit.edit_codebook(
            session, web.project.root, who, body.action, body.code, **what
        )
        made = None
        if body.action == "create" and body.document and body.end:
            doc = queries.find_document(session, body.document)
            start, end = whole_words(doc.text, body.start or 0, body.end)
            coding = coding_lib.apply_coding(session, doc, start, end, done.code_id, who)
            made = records.coding(session, coding)
    return {"code_id": done.code_id, "message": done.message, "coding": made}


def _filters(where: list[str], code: list[str], coder: list[str]) -> dict[str, Any]:
    return {
        "where": views.parse_where(where) or None,
        "code": [c for c in code if c.strip()] or None,
        "coder": [c for c in coder if c.strip()] or None,
    }


@router.get("/api/search", summary="Find words in every document")
def search_api(
    web: Web, seen: Asker, q: Words, where: Many = [], code: Many = [], coder: Many = [],  # noqa: B006
    document: Filter = None, limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:  # fmt: skip
    """Segments holding every word (``"a phrase"``, ``prefix*``), best first, each with
    its document, speaker and context; ``marked`` has \\u0001 and \\u0002 around hits."""
    found = searching.search(
        web.project, q, viewer=seen, document=document, limit=limit, offset=offset,
        **_filters(where, code, coder),
    )  # fmt: skip
    return {"total": found.total, "hits": records.rows(found.hits)}


@router.post("/api/search/code", summary="Code every hit of a search")
def code_hits(web: Web, seen: Asker, who: CoderName, body: CodeHits) -> dict[str, int]:
    coded = searching.code_hits(
        web.project, body.q, body.code, who, viewer=seen,
        **_filters(body.where, body.filter_code, body.coder),
    )  # fmt: skip
    return {"coded": coded}


@router.get("/search", response_class=HTMLResponse, include_in_schema=False)
def search_page(
    request: Request, web: Web, who: Viewer, seen: Asker, q: Filter = None, where: Many = [],  # noqa: B006
    code: Many = [], coder: Many = [], page: Annotated[int, Query(ge=1, le=100_000)] = 1,  # noqa: B006
) -> Response:  # fmt: skip
    """Hits in context, with filters, paging and a button to code them all."""
    if who is None:
        from .pages import _ask

        return _ask(request)
    per_page = 50
    found = None
    if q and q.strip():
        found = searching.search(
            web.project, q, viewer=seen, limit=per_page, offset=(page - 1) * per_page,
            **_filters(where, code, coder),
        )  # fmt: skip
    themes = views.codebook(web.project)
    hits = records.rows(found.hits) if found is not None else []
    return web.page(
        request, "search.html", q=q or "", found=found,
        hits=[h | {"parts": _parts(h["marked"])} for h in hits], page=page,
        pages=-(-found.total // per_page) if found is not None else 0, codes=views.flat(themes),
        chosen={"code": code, "coder": coder, "where": views.parse_where(where)},
        attributes=views.attribute_values(queries.documents(web.project)),
        query=str(request.url.query),
    )  # fmt: skip


def _parts(marked: str) -> list[tuple[str, bool]]:
    """``a \x01b\x02 c`` -> ``[("a ", False), ("b", True), (" c", False)]``."""
    pieces = re.split(f"({searching.OPEN}.*?{searching.CLOSE})", marked)
    return [
        (p.strip(searching.OPEN + searching.CLOSE), p.startswith(searching.OPEN))
        for p in pieces
        if p
    ]


@router.get(
    "/api/documents/{document}/media",
    summary="The recording beside a transcript",
    response_class=Response,
    responses={200: {"content": {"audio/mpeg": {}}}, 206: {"description": "A range of it."}},
)
def recording(web: Web, document: DocumentRef) -> Response:
    """The ``.mp3``, ``.m4a``, ``.wav``, ``.mp4`` or ``.webm`` of the same name as the
    transcript's file, served in the ranges the player asks for."""
    found = media.recording_for(web.project, document)
    if found is None:
        raise NotFound(f"no recording beside the transcript {document!r}")
    return media.served(found)


Offset = Annotated[int, Query(ge=0, le=2**31 - 1)]


@router.get("/api/documents/{document}/rank", summary="Codes ranked for a selection")
def rank(
    web: Web, who: CoderName, document: DocumentRef, start: Offset, end: Offset,
    limit: Annotated[int, Query(ge=1, le=500)] = 10,
) -> list[dict[str, Any]]:  # fmt: skip
    """The ``limit`` best codes for the words from ``start`` to ``end`` (the speaker labels
    of a selection across turns left out), by the asker's own model: while the round is
    blind it learns from their codings alone. Each with ``rank``, ``score`` (calibrated
    probability), ``method`` (what scored it; none when nothing could), ``words`` (the
    model's, with weights) and ``matches`` (the codebook's patterns)."""
    from ..suggest.selection import rank_selection

    return records.rows(rank_selection(web.project, who, document, start, end, limit=limit))


class MemoWords(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)


@router.get("/api/documents/{document}/memos", summary="Memos on a document and its segments")
def document_memos(web: Web, seen: Asker, document: DocumentRef) -> list[dict[str, Any]]:
    """The memos one may see on the document and on each of its segments (``segment``:
    its number, ``start`` and ``end`` its span; none for a memo on the whole document)."""
    return records.rows(memo_lib.document_memos(web.project, document, viewer=seen))


@router.patch("/api/memos/{memo_id}", summary="New words for a memo")
def memo_edit(
    web: Web, who: CoderName, body: MemoWords,
    memo_id: Annotated[str, PathParam(min_length=1, max_length=64)],
) -> dict[str, str]:  # fmt: skip
    """A memo on a document, segment or code gets new words (its author's or a lead's);
    logged, and ``POST /api/undo`` gives it the old ones back."""
    with web.project.transaction() as session:
        memo = memo_lib.edit_memo(session, memo_id, body.text, who)
        return {"id": str(memo.id), "text": memo.text}


@router.get("/memos", response_class=HTMLResponse, include_in_schema=False)
def memo_page(
    request: Request, web: Web, who: Viewer, seen: Asker, kind: Filter = None,
    coder: Filter = None, text: Filter = None,
) -> Response:  # fmt: skip
    """Every memo one may see, on documents, segments, codes and codings, with filters
    and a link to what each is about."""
    if who is None:
        from .pages import _ask

        return _ask(request)
    rows = [
        {"kind": r.target_type, "about": r.target or "", "coder": r.coder, "text": r.text,
         "link": _memo_link(r.target_type, r.target or "", r.document, r.start)}
        for r in memo_lib.every_memo(web.project, viewer=seen).itertuples()
    ]  # fmt: skip
    wanted = (text or "").strip().casefold()
    shown = [
        r for r in rows
        if (not kind or r["kind"] == kind) and (not coder or r["coder"] == coder.strip())
        and (not wanted or wanted in r["text"].casefold() or wanted in r["about"].casefold())
    ]  # fmt: skip
    return web.page(
        request, "memos.html", memos=shown, total=len(rows), kind=kind or "",
        coder_filter=coder or "", text=text or "",
    )  # fmt: skip


def _memo_link(kind: str, about: str, document: str | None, start: Any) -> str:
    if kind == "coding":
        return f"/documents/{quote(str(document))}#at-{start}"
    if kind == "document":
        return f"/documents/{quote(about)}"
    if kind == "segment":
        return f"/documents/{quote(about.rsplit(' #', 1)[0])}"
    if kind == "code":
        return f"/quotes?code={quote(about)}"
    return ""  # a project memo (from another tool) is about no one page
