"""Corrected transcripts on the web: a turn's text corrected in place (a new revision of
the document, every coding carried over), and the review list, where a coder re-places
a coding a correction could not place, with one click, or drops it.

What a coder may see and change is :mod:`qualcode.visibility`'s rule, through the
library (:mod:`qualcode.revisions`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from ..coding import get_coder
from ..errors import QualcodeError
from ..lookup import find_document
from ..revisions.edit import check_may_revise, rewrite
from ..revisions.review import drop_coding, replace_coding, review_frame
from . import records
from .context import Asker, CoderName, Viewer, Web

router = APIRouter(tags=["revisions"])
Ref = Annotated[str, PathParam(min_length=4, max_length=64)]
Name = Annotated[str, PathParam(min_length=1, max_length=255)]


class Correction(BaseModel):
    start: int = Field(ge=0, le=2**31 - 1, description="Where the corrected text begins.")
    end: int = Field(ge=0, le=2**31 - 1, description="Where it ends (the old text's offsets).")
    text: str = Field(max_length=1_000_000, description="What stands there now.")
    reason: str = Field("corrected in the browser", max_length=500)


class Placing(BaseModel):
    candidate: int | None = Field(None, ge=1, le=50, description="1: the best candidate.")
    start: int | None = Field(None, ge=0, le=2**31 - 1)
    end: int | None = Field(None, ge=0, le=2**31 - 1)


@router.post("/api/documents/{document}/correct", summary="Correct a stretch of a transcript")
def correct(web: Web, who: CoderName, document: Name, body: Correction) -> dict[str, Any]:
    """Replace ``text[start:end]`` (a turn's words, say) by ``text``: a new revision of the
    document. Each coding follows its words; what cannot be placed goes to review. A
    coder corrects a document that holds only their own codings; a lead, any."""
    with web.project.sessionmaker() as session:
        row = find_document(session, document)
        name, old = row.name, row.text
        check_may_revise(session, get_coder(session, who), row)
    if body.end < body.start or body.end > len(old):
        raise QualcodeError(f"{body.start}-{body.end} is not inside {name} (0-{len(old)})")
    new = old[: body.start] + body.text + old[body.end :]
    result = rewrite(web.project, name, new, author=who, reason=body.reason)
    if result is None:
        return {"revision": None, "message": "the text is the same, nothing changed"}
    return {"revision": result.number, "message": result.describe(), "review": result.review}


@router.get("/api/review", summary="Codings a correction could not place")
def review_list(web: Web, seen: Asker) -> list[dict[str, Any]]:
    """Each with its old passage, context and best candidates in the current text."""
    return records.rows(review_frame(web.project, seen))


@router.post("/api/review/{item}/place", summary="Re-place a coding from the review list")
def place(web: Web, who: CoderName, item: Ref, body: Placing) -> dict[str, Any]:
    span = (body.start, body.end) if body.start is not None and body.end is not None else None
    coding = replace_coding(web.project, item, who, candidate=body.candidate or 1, span=span)
    return {"id": str(coding.id), "start": coding.start, "end": coding.end}


@router.post("/api/review/{item}/drop", summary="Drop a coding from the review list")
def drop(web: Web, who: CoderName, item: Ref) -> dict[str, str]:
    return {"dropped": str(drop_coding(web.project, item, who))}


@router.get("/review", response_class=HTMLResponse, include_in_schema=False)
def review_page(request: Request, web: Web, who: Viewer, seen: Asker) -> Response:
    """The review list: each coding's old passage in its context, and its candidates."""
    if who is None:
        from .pages import _ask

        return _ask(request)
    items = records.rows(review_frame(web.project, seen))
    return web.page(request, "review.html", items=items)
