"""Pages for people: documents, a transcript to code, quotes, agreement, adjudication.

Each page asks the library for what it shows (through ``views``) and renders a
template; the transcript page's script then talks to the JSON API. The few forms
(choosing a coder, settling a disagreement) carry the run's CSRF value and are each
one transaction.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from .. import adjudicate, memos, queries, reliability, team
from .. import suggest as suggesting
from ..errors import QualcodeError
from ..quotes import quotes
from ..suggest.held import held_back
from ..visibility import round_is_open, viewer_for
from . import media, records, views
from .context import Filter, Many, QuoteFilters, Viewer, Web
from .security import check_form

router = APIRouter(include_in_schema=False)


def _ask(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/coder?next={quote(target)}", status_code=303)


def _safe_next(target: str) -> str:
    """Only our own paths: never send a browser elsewhere after a form."""
    return target if target.startswith("/") and not target.startswith("//") else "/documents"


@router.get("/")
def home(who: Viewer) -> Response:
    return RedirectResponse("/documents" if who else "/coder", status_code=303)


@router.get("/coder", response_class=HTMLResponse)
def coder_page(request: Request, web: Web, next: str = "/documents") -> Response:  # noqa: A002
    return web.page(request, "coder.html", next=_safe_next(next))


@router.post("/coder")
def choose_coder(
    request: Request,
    web: Web,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/documents",  # noqa: A002
) -> Response:
    """Remember who codes in this browser (a cookie), for this run's port."""
    check_form(request, csrf)
    response = RedirectResponse(_safe_next(next), status_code=303)
    if web.settings.coder is None:  # percent-encoded: a cookie holds no 李明 as such
        response.set_cookie(
            web.settings.coder_cookie, quote(name.strip(), safe=""), httponly=True,
            samesite="strict",
        )  # fmt: skip
    return response


@router.get("/documents", response_class=HTMLResponse)
def documents(request: Request, web: Web, who: Viewer, where: Many = []) -> Response:  # noqa: B006
    if who is None:
        return _ask(request)
    wanted = views.parse_where(where)
    frame = queries.documents(web.project)
    rows = views.documents_table(
        web.project, web.spans, who, {k: set(v) for k, v in wanted.items()},
        team.assignments(web.project),
    )  # fmt: skip
    chosen = {key: values[0] for key, values in wanted.items()}
    return web.page(
        request, "documents.html", rows=rows, total=len(frame), chosen=chosen,
        attributes=views.attribute_values(frame), sees_everyone=_sees_everyone(web, who),
    )  # fmt: skip


def _sees_everyone(web: Web, who: str) -> bool:
    with web.project.sessionmaker() as session:
        return viewer_for(session, who).sees_everyone


@router.get("/documents/{document}", response_class=HTMLResponse)
def transcript(request: Request, web: Web, who: Viewer, document: str) -> Response:
    """A transcript to read and code, with the codebook beside it."""
    if who is None:
        return _ask(request)
    shown = views.transcript(web.project, document)
    playable = media.recording_of(web.project.root, Path(shown.source)) is not None
    turns = web.turns.html(
        shown, playable,
        lambda: web.templates.get_template("web/turns.html").render(doc=shown, media=playable),
    )  # fmt: skip
    with web.project.sessionmaker() as session:
        seen = viewer_for(session, who)  # resolved once: the calls below are handed it
        codings = records.page_codings(session, uuid.UUID(shown.id), seen)
    pending = suggesting.suggestions(web.project, viewer=seen, document=shown.id)
    held = held_back(web.project, who, shown.id)  # by the precision cut-off, last run
    themes = views.codebook(web.project)
    notes = memos.document_memos(web.project, shown.id, viewer=seen)
    data = {
        "document": {"id": shown.id, "name": shown.name, "length": shown.length},
        "coder": who,
        "codes": {
            c.id: {"name": c.name, "colour": c.colour, "slug": c.slug}
            for c in views.flat(themes) + themes
        },
        "codings": codings,
        "suggestions": records.suggestion_rows(pending),
        "held_back": held,
        "notes": records.rows(notes[notes["target_type"] == "segment"]),
    }
    return web.page(
        request, "transcript.html", doc=shown, themes=themes, data=data,
        keys=views.flat(themes)[:9],
        notes=records.rows(notes[notes["target_type"] == "document"]),
        sees_everyone=seen.sees_everyone, media=playable, turns=Markup(turns),
    )  # fmt: skip


@router.get("/quotes", response_class=HTMLResponse)
def quote_page(
    request: Request,
    web: Web,
    who: Viewer,
    filters: QuoteFilters,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    group: Filter = None,
    matrix: Filter = None,
) -> Response:
    """The quotes query as a page (paged, grouped by code or an attribute), a code x
    attribute matrix whose cells open their quotes, and buttons to download them."""
    if who is None:
        return _ask(request)
    frame = quotes(web.project, viewer=who, **filters)
    kept = [(k, v) for k, v in request.query_params.multi_items() if v and k != "page"]
    query = urlencode([(k, v) for k, v in kept if k not in ("group", "matrix")], doseq=True)
    themes = views.codebook(web.project)
    size = web.settings.quote_limit
    shown = frame.iloc[(page - 1) * size : page * size]
    if group and group in shown.columns:
        shown = shown.sort_values(group, kind="stable", key=lambda c: c.astype(str))
    return web.page(
        request, "quotes.html", excerpts=records.rows(shown), total=len(frame), limit=size,
        page=page, pages=max(1, -(-len(frame) // size)), here=urlencode(kept, doseq=True),
        query=query, themes=themes, codes=views.flat(themes), chosen=filters,
        where=filters["where"] or {}, group=group or "", matrix_by=matrix or "",
        matrix=views.matrix(frame, matrix) if matrix else None,
        colours={c.name: c.colour for c in [*themes, *views.flat(themes)]},
        attributes=views.attribute_values(queries.documents(web.project)),
        formats=["html", "md", "docx", "csv", "xlsx"],
    )  # fmt: skip


def _lead_page(request: Request, web: Web, who: str | None, action: str) -> Response | None:
    """The page saying why not, unless ``who`` is a lead or the round is open."""
    try:
        with web.project.sessionmaker() as session:
            reliability.require_lead_or_open_round(session, who, action)
    except QualcodeError as error:
        return web.page(request, "error.html", status=403, status_code=403, message=str(error))
    return None


def _names(coders: str | None) -> list[str] | None:
    return [n.strip() for n in coders.split(",") if n.strip()] if coders else None


@router.get("/agreement", response_class=HTMLResponse)
def agreement(
    request: Request, web: Web, who: Viewer, coders: Filter = None, code: Filter = None,
    theme: Filter = None,
) -> Response:  # fmt: skip
    """The agreement table and the disagreements, for a lead."""
    if who is None:
        return _ask(request)
    refusal = _lead_page(request, web, who, "agreement")
    if refusal is not None:
        return refusal
    report = reliability.agreement_table(web.project, _names(coders), code, theme)
    data = records.plain(report.to_dict())
    with web.project.sessionmaker() as session:
        lead, round_open = viewer_for(session, who).lead, round_is_open(session)
    return web.page(
        request, "agreement.html", report=data, disagreements=records.rows(report.disagreements),
        query=urlencode([(k, v) for k, v in request.query_params.multi_items() if v]),
        lead=lead, round_open=round_open,
    )  # fmt: skip


@router.post("/round")
def round_form(
    request: Request,
    web: Web,
    who: Viewer,
    action: Annotated[str, Form(pattern="^(open|close)$")],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """A lead opens the round (everyone sees everyone's codings) or closes it again."""
    check_form(request, csrf)
    if who is None:
        return RedirectResponse("/coder?next=/agreement", status_code=303)
    with web.project.transaction() as session:
        team.set_round(session, who, open_=action == "open")
    return RedirectResponse("/agreement", status_code=303)


@router.get("/agreement/report", response_class=HTMLResponse)
def agreement_report(
    request: Request, web: Web, who: Viewer, coders: Filter = None, code: Filter = None,
    theme: Filter = None,
) -> Response:  # fmt: skip
    """The self-contained report of ``qualcode agreement --html``."""
    refusal = _lead_page(request, web, who, "agreement")
    if refusal is not None:
        return refusal
    report = reliability.agreement_table(web.project, _names(coders), code, theme)
    return HTMLResponse(reliability.render_html(report, reliability.report_title(web.project)))


@router.get("/adjudicate", response_class=HTMLResponse)
def adjudication(request: Request, web: Web, who: Viewer, code: Filter = None) -> Response:
    """Each disagreement with every coder's version, and buttons to settle it."""
    if who is None:
        return _ask(request)
    refusal = _lead_page(request, web, who, "adjudication")
    if refusal is not None:
        return refusal
    items, done = adjudicate.worklist(web.project, code=code)
    coders = list(items.attrs.get("coders", []))
    return web.page(
        request, "adjudicate.html", items=records.rows(items.drop(columns=["coders"])),
        coders=coders, code=code or "", settled=records.rows(done),
    )  # fmt: skip


@router.post("/adjudicate/settle")
def settle(
    request: Request,
    web: Web,
    who: Viewer,
    key: Annotated[str, Form(max_length=200)],
    choice: Annotated[str, Form(max_length=255)],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_form(request, csrf)
    refusal = _lead_page(request, web, who, "adjudication")
    if refusal is not None:
        return refusal
    with web.project.transaction() as session:
        adjudicate.settle(session, key, choice, by=who)
    return RedirectResponse("/adjudicate", status_code=303)


@router.post("/adjudicate/agreed")
def agreed(request: Request, web: Web, who: Viewer, csrf: Annotated[str, Form()] = "") -> Response:
    check_form(request, csrf)
    refusal = _lead_page(request, web, who, "adjudication")
    if refusal is not None:
        return refusal
    rows = adjudicate.agreed(web.project)
    with web.project.transaction() as session:
        adjudicate.copy_agreed(session, rows, by=who)
    return RedirectResponse("/adjudicate", status_code=303)


@router.post("/adjudicate/reopen")
def reopen(
    request: Request,
    web: Web,
    who: Viewer,
    key: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Open a settled item again: it is pending, and the consensus loses its codings."""
    check_form(request, csrf)
    refusal = _lead_page(request, web, who, "adjudication")
    if refusal is not None:
        return refusal
    with web.project.transaction() as session:
        adjudicate.reopen(session, key, by=who)
    return RedirectResponse("/adjudicate", status_code=303)
