"""The JSON API under ``/api``: the library's functions over HTTP, described by OpenAPI.

Reads call the same query functions as the CLI; each write is one transaction
(``project.transaction()``), so two tabs coding at once each get their change in whole.
Authorisation is the run's token (see ``security``); writes also need a coder. What
each asker sees and may change is :mod:`qualcode.visibility`'s rule: reads pass the
library ``Asker`` (a name or NOBODY), writes check who owns the work.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy.orm import Session

from .. import adjudicate, memos, queries, reliability, team
from .. import coding as coding_lib
from .. import suggest as suggesting
from ..errors import QualcodeError
from ..export import render_export
from ..models import Coder, Coding
from ..quotes import code_tree, quotes
from ..undo import undo_last
from ..visibility import check_may_change, ensure_sees, viewer_for
from ..words import whole_words
from . import records, schemas
from .context import Asker, CoderName, Filter, Many, QuoteFilters, Viewer, Web, find_coding
from .errors import Forbidden
from .views import documents_table, parse_where

router = APIRouter(prefix="/api", tags=["api"])
DocumentRef = Annotated[str, PathParam(min_length=1, max_length=255, description="Id or name.")]
CodingId = Annotated[str, PathParam(min_length=1, max_length=64, description="A coding's id.")]
SuggestionId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]  # an INTEGER key on PostgreSQL too
EXPORT_TYPES = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get("/me", response_model=schemas.Me, summary="Who is asking")
def me(web: Web, who: Viewer, seen: Asker) -> dict[str, Any]:
    with web.project.sessionmaker() as session:
        everyone = viewer_for(session, seen).sees_everyone
    return {"coder": who, "fixed": web.settings.coder is not None, "sees_everyone": everyone}


@router.get("/documents", response_model=list[schemas.Document], summary="Documents")
def documents(web: Web, seen: Asker, where: Many = []) -> list[dict[str, Any]]:  # noqa: B006
    """Every document with its attributes, coders and progress; ``where=key=value``
    (repeatable) keeps those with that document or speaker attribute."""
    wanted = {k: set(v) for k, v in parse_where(where).items()}
    assigned = team.assignments(web.project)
    return documents_table(web.project, web.spans, seen, wanted, assigned)


@router.get("/documents/{document}", response_model=schemas.DocumentText, summary="A document")
def document(web: Web, document: DocumentRef) -> dict[str, Any]:
    with web.project.sessionmaker() as session:
        found = queries.find_document(session, document)
        speakers = [{"label": s.label, "attributes": s.attributes} for s in found.speakers]
        return {
            "id": str(found.id), "name": found.name, "attributes": found.attributes,
            "speakers": speakers, "text": found.text,
        }  # fmt: skip


@router.get(
    "/documents/{document}/segments", response_model=list[schemas.Segment], summary="Segments"
)
def segments(web: Web, document: DocumentRef) -> list[dict[str, Any]]:
    return records.rows(queries.segments(web.project, document))


@router.get(
    "/documents/{document}/codings",
    response_model=list[schemas.Coding],
    summary="Codings of a document",
)
def document_codings(web: Web, seen: Asker, document: DocumentRef) -> JSONResponse:
    """The codings the asker may see (their own while a blind round is closed)."""
    return JSONResponse(records.rows(queries.codings(web.project, document=document, viewer=seen)))


@router.get("/codes", response_model=list[schemas.Code], summary="The codebook")
def codes(web: Web, seen: Asker) -> list[dict[str, Any]]:
    """The code tree with how often each code is used, in the codings the asker may see."""
    frame = queries.codes(web.project, viewer=seen)
    with web.project.sessionmaker() as session:
        tree = code_tree(session)
    colours = {str(code_id): node.colour for code_id, node in tree.nodes.items()}
    return [row | {"colour": colours[row["id"]]} for row in records.rows(frame)]


@router.get("/codings", response_model=list[schemas.Coding], summary="Codings")
def codings(
    web: Web, seen: Asker, document: Filter = None, coder: Filter = None, code: Filter = None
) -> JSONResponse:
    """Codings narrowed by document, coder and code (a theme includes its codes)."""
    frame = queries.codings(web.project, document=document, coder=coder, code=code, viewer=seen)
    return JSONResponse(records.rows(frame))  # already JSON-safe: skip re-validating each row


@router.post("/codings", response_model=schemas.Coding, status_code=201, summary="Apply a code")
def apply(web: Web, who: CoderName, body: schemas.NewCoding) -> dict[str, Any]:
    """Code ``text[start:end]`` of a document, widened to whole words and trimmed of white
    space (as the page selects); the same coding twice is kept once. 404 for an unknown
    document or code, 400 for a span outside the text or a second code of an exclusive
    theme."""
    with web.project.transaction() as session:
        doc = queries.find_document(session, body.document)
        start, end = whole_words(doc.text, body.start, body.end)
        made = coding_lib.apply_coding(session, doc, start, end, body.code, who, memo=body.memo)
        return records.coding(session, made)


@router.get("/codings/{coding_id}", response_model=schemas.Coding, summary="One coding")
def one_coding(web: Web, seen: Asker, coding_id: CodingId) -> dict[str, Any]:
    with web.project.sessionmaker() as session:
        found = find_coding(session, coding_id)
        ensure_sees(viewer_for(session, seen), found.coder_id, "this coding")
        return records.coding(session, found)


def _mine(session: Session, found: Coding, who: str) -> Coder:
    """The coder ``who``, if they may change the coding ``found``."""
    actor = coding_lib.get_coder(session, who)
    check_may_change(session, actor, found.coder_id, "this coding")
    return actor


@router.patch("/codings/{coding_id}", response_model=schemas.Coding, summary="Recode, memo")
def change(
    web: Web, who: CoderName, coding_id: CodingId, body: schemas.ChangeCoding
) -> dict[str, Any]:
    """Give a coding another code, or set its memo (both logged). Where the coder has that
    code on that span already, the coding merges into that one, which is returned."""
    with web.project.transaction() as session:
        found = find_coding(session, coding_id)
        actor = _mine(session, found, who)
        if body.code is not None:
            found = coding_lib.recode(session, found, body.code, actor)
        if body.memo is not None:
            memos.write_memo(session, "coding", str(found.id), body.memo, who)
        return records.coding(session, found)


@router.delete("/codings/{coding_id}", response_model=schemas.Message, summary="Remove a coding")
def remove(web: Web, who: CoderName, coding_id: CodingId) -> dict[str, str]:
    with web.project.transaction() as session:
        found = find_coding(session, coding_id)
        coding_lib.remove_coding(session, found, _mine(session, found, who))
    return {"message": f"removed coding {coding_id}"}


@router.post("/undo", response_model=schemas.Message, summary="Undo your latest change")
def undo(web: Web, who: CoderName) -> dict[str, str]:
    with web.project.transaction() as session:
        return {"message": undo_last(session, who)}


@router.get("/history", summary="Changes to codings, newest first")
def history(
    web: Web,
    seen: Asker,
    coder: Filter = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 50,
) -> list[dict[str, Any]]:
    """Changes to the codings the asker may see (their own while a blind round is closed)."""
    return records.rows(queries.history(web.project, coder=coder, limit=limit, viewer=seen))


@router.get("/suggestions", response_model=list[schemas.Suggestion], summary="Suggestions")
def suggestions(
    web: Web,
    seen: Asker,
    document: Filter = None,
    code: Filter = None,
    status: Annotated[str, Query(pattern="^(pending|accepted|rejected|all)$")] = "pending",
) -> list[dict[str, Any]]:
    """Suggestions with their evidence (yours while the round is blind), best first."""
    frame = suggesting.suggestions(
        web.project, viewer=seen, document=document, code=code,
        status=None if status == "all" else status,
    )  # fmt: skip
    return records.suggestion_rows(frame)


@router.post(
    "/suggestions/{suggestion_id}/accept",
    response_model=list[schemas.Coding],
    summary="Accept a suggestion",
)
def accept(web: Web, who: CoderName, suggestion_id: SuggestionId) -> list[dict[str, Any]]:
    with web.project.transaction() as session:
        made = suggesting.accept(session, [suggestion_id], who)
        return [records.coding(session, each.coding) for each in made]


@router.post(
    "/suggestions/{suggestion_id}/reject", response_model=schemas.Rejected, summary="Reject one"
)
def reject(web: Web, who: CoderName, suggestion_id: SuggestionId) -> dict[str, int]:
    with web.project.transaction() as session:
        return {"rejected": suggesting.reject(session, [suggestion_id], who)}


@router.get("/memos", response_model=list[schemas.Memo], summary="Memos")
def memo_list(web: Web, seen: Asker) -> list[dict[str, Any]]:
    """The memos the asker may see (their own while a blind round is closed)."""
    return records.rows(memos.memos(web.project, viewer=seen))


@router.post("/memos", response_model=schemas.Memo, status_code=201, summary="Write a memo")
def memo_write(web: Web, who: CoderName, body: schemas.NewMemo) -> dict[str, Any]:
    """A memo on a document or code, a segment (``target`` its document, ``segment`` its
    number), or the memo of a coding (``target`` its id)."""
    with web.project.transaction() as session:
        made = memos.write_memo(
            session, body.target_type, body.target, body.text, who, segment=body.segment
        )
        if body.target_type == "coding":
            return {
                "id": str(made.id), "target_type": "coding", "target": str(made.id),
                "coder": who, "text": body.text, "created_at": None, "updated_at": None,
            }  # fmt: skip
        return {
            "id": str(made.id), "target_type": made.target_type, "target": body.target,
            "coder": who, "text": made.text, "created_at": made.created_at,
            "updated_at": made.updated_at,
        }  # fmt: skip


def _lead(web: Web, who: str | None, action: str) -> None:
    """Agreement and adjudication show everyone's codings: a lead's, or an open round's."""
    with web.project.sessionmaker() as session:
        try:
            reliability.require_lead_or_open_round(session, who, action)
        except QualcodeError as error:
            raise Forbidden(str(error)) from None


def _names(coders: str | None) -> list[str] | None:
    return [n.strip() for n in coders.split(",") if n.strip()] if coders else None


@router.get("/agreement", summary="Agreement between coders (a lead, or an open round)")
def agreement(
    web: Web,
    who: Viewer,
    coders: Filter = None,
    code: Filter = None,
    theme: Filter = None,
    unit: Annotated[str, Query(pattern="^(segment|span)$")] = "segment",
) -> dict[str, Any]:
    """The report of ``qualcode agreement --json``."""
    _lead(web, who, "agreement")
    report = reliability.agreement_table(web.project, _names(coders), code, theme, unit)
    return records.plain(report.to_dict())


@router.get("/adjudication", summary="Disagreements not settled yet (a lead)")
def pending(
    web: Web, who: Viewer, coders: Filter = None, code: Filter = None, theme: Filter = None
) -> list[dict[str, Any]]:
    _lead(web, who, "adjudication")
    return records.rows(adjudicate.pending(web.project, _names(coders), code, theme))


@router.post("/adjudication/settle", response_model=schemas.Settled, summary="Settle one item")
def settle(web: Web, who: CoderName, body: schemas.Settle) -> dict[str, Any]:
    """Take one coder's version, ``both`` or ``neither`` into the consensus coding."""
    _lead(web, who, "adjudication")
    with web.project.transaction() as session:
        done = adjudicate.settle(session, body.key, body.choice, by=who)
    return {"key": done.key, "choice": done.choice, "added": done.added, "removed": done.removed}


@router.post("/adjudication/agreed", response_model=schemas.Copied, summary="Copy agreed codings")
def copy_agreed(web: Web, who: CoderName) -> dict[str, int]:
    """Give the consensus coder the codings the coders agree on."""
    _lead(web, who, "adjudication")
    agreed = adjudicate.agreed(web.project)
    with web.project.transaction() as session:
        return {"copied": adjudicate.copy_agreed(session, agreed)}


@router.get("/quotes", summary="Coded excerpts with attribution")
def quote_list(
    web: Web,
    seen: Asker,
    filters: QuoteFilters,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
) -> list[dict[str, Any]]:
    """Filters as ``qualcode quotes``: ``where=area=Area 3`` (repeatable), and so on."""
    frame = quotes(web.project, viewer=seen, **filters).head(limit)
    return records.rows(frame)


@router.get(
    "/export",
    summary="Coded excerpts as a file to download",
    response_class=FileResponse,
    responses={200: {"content": {t: {} for t in EXPORT_TYPES.values()}}},
)
def export(
    web: Web,
    seen: Asker,
    background: BackgroundTasks,
    filters: QuoteFilters,
    format: Annotated[str, Query(pattern="^(html|md|docx|csv|xlsx)$")] = "html",
    by: Many = [],  # noqa: B006
    redact: bool = True,
) -> FileResponse:
    """What ``qualcode export --format FORMAT`` writes, with the same filters and grouping
    (``by``, repeatable; by default theme, then agency type where excerpts have it); names
    are hidden (``redact.yaml``, speakers by role) unless ``redact=false``."""
    folder = Path(tempfile.mkdtemp(prefix="qualcode-export-"))
    background.add_task(shutil.rmtree, folder, ignore_errors=True)
    [path] = render_export(
        web.project, format, [b for b in by if b.strip()] or None, folder,
        redact=redact, viewer=seen, **filters,
    )  # fmt: skip
    return FileResponse(path, media_type=EXPORT_TYPES[format], filename=path.name)
