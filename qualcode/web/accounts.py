"""A team server's own routes: signing in and out, invitations, users and the audit log
for a lead, and live notices of changes (server-sent events).

Included only by ``qualcode serve --team`` (``create_app`` with ``WebSettings(team=True)``);
:class:`~qualcode.web.security.TeamMiddleware` has let each request through, knows who
signed in (``identity_of``) and has checked the same-site proof of every write; forms
check their ``csrf`` field here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from ..accounts import sessions, users
from ..accounts.models import AuditEntry
from ..accounts.report import audit
from ..accounts.sessions import Identity
from ..accounts.tokens import new_secret
from ..errors import NotAllowed, QualcodeError
from ..models import CodingLog, Setting
from ..visibility import ROUND_KEY
from . import records, schemas
from .context import Web
from .errors import Forbidden, WebError
from .security import check_form, identity_of
from .team_live import Notices

router = APIRouter()
EVERY = 1.0  # seconds between looks for changes on SQLite: a lead's page follows within two
HEARTBEAT = 15.0
LONGEST = 300.0  # a stream ends after this; the browser's EventSource opens another


class TooMany(WebError):
    status = 429


class Credentials(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1024)


class SignedIn(BaseModel):
    name: str
    role: str
    csrf: str = Field(description="Send it as X-Qualcode-CSRF on every write.")


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: Literal["lead", "coder", "viewer"] = "coder"


class Invited(BaseModel):
    name: str
    role: str
    link: str = Field(description="The one-time invitation link (shown once).")


def lead(request: Request, action: str) -> Identity:
    identity = identity_of(request)
    if identity is None or identity.role != "lead":
        raise Forbidden(f"only a lead {action}")
    return identity


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _sign_in(web: Web, request: Request, name: str, password: str) -> tuple[str, Identity]:
    from ..accounts.throttle import TooManyTries

    failed = None
    try:
        with web.project.transaction() as session:
            try:
                secret = sessions.sign_in(session, name, password, _address(request),
                                          web.settings.session_hours)  # fmt: skip
            except NotAllowed as error:  # the failure is counted: keep the transaction
                failed = str(error)
    except TooManyTries as error:
        raise TooMany(str(error)) from None
    if failed is not None:
        raise SignInFailed(failed)
    with web.project.sessionmaker() as session:
        identity = sessions.identify(session, secret)
    assert identity is not None
    return secret, identity


class SignInFailed(WebError):
    status = 401


def _set_session(web: Web, request: Request, response: Response, secret: str) -> None:
    response.set_cookie(
        web.settings.session_cookie, secret, httponly=True, samesite="strict",
        secure=web.settings.https or request.url.scheme == "https",
        max_age=web.settings.session_hours * 3600,
    )  # fmt: skip


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/documents"


def _form_page(web: Web, request: Request, name: str, status: int = 200, **context: Any) -> Any:
    """A page with a form and no session yet: its CSRF value rides in a cookie as well."""
    secret = request.cookies.get(web.settings.form_cookie) or new_secret()
    request.state.form_csrf = secret
    response = web.page(request, name, status=status, form_csrf=secret, **context)
    response.set_cookie(web.settings.form_cookie, secret, httponly=True, samesite="strict",
                        secure=web.settings.https or request.url.scheme == "https")  # fmt: skip
    return response


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, web: Web, next: str = "/documents") -> Response:  # noqa: A002
    return _form_page(web, request, "login.html", next=_safe_next(next), error=None)


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    web: Web,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    password: Annotated[str, Form(min_length=1, max_length=1024)],
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/documents",  # noqa: A002
) -> Response:
    check_form(request, csrf)
    try:
        secret, _ = _sign_in(web, request, name, password)
    except (SignInFailed, TooMany) as error:
        return _form_page(web, request, "login.html", status=error.status,
                          next=_safe_next(next), error=str(error))  # fmt: skip
    response = RedirectResponse(_safe_next(next), status_code=303)
    _set_session(web, request, response, secret)
    return response


def _sign_out(web: Web, request: Request) -> None:
    with web.project.transaction() as session:
        sessions.sign_out(session, request.cookies.get(web.settings.session_cookie))
    request.app.state.identities.forget()  # other workers: PostgreSQL tells them


@router.post("/logout", include_in_schema=False)
def logout(request: Request, web: Web, csrf: Annotated[str, Form()] = "") -> Response:
    check_form(request, csrf)
    _sign_out(web, request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(web.settings.session_cookie)
    return response


@router.get("/invite/{secret}", response_class=HTMLResponse, include_in_schema=False)
def invitation(request: Request, web: Web, secret: str) -> Response:
    with web.project.sessionmaker() as session:
        account = users.account_of_link(session, secret)
        return _form_page(web, request, "invite.html", account=account, secret=secret,
                          error=None)  # fmt: skip


@router.post("/invite/{secret}", include_in_schema=False)
def accept_invitation(
    request: Request,
    web: Web,
    secret: str,
    password: Annotated[str, Form(min_length=1, max_length=1024)],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Set the password, then sign in at once."""
    check_form(request, csrf)
    try:
        with web.project.transaction() as session:
            name = users.redeem(session, secret, password).name
    except NotAllowed:
        raise
    except QualcodeError as error:  # a password too short: say so on the same form
        with web.project.sessionmaker() as session:
            account = users.account_of_link(session, secret)
            return _form_page(web, request, "invite.html", status=400, account=account,
                              secret=secret, error=str(error))  # fmt: skip
    signed, _ = _sign_in(web, request, name, password)
    response = RedirectResponse("/documents", status_code=303)
    _set_session(web, request, response, signed)
    return response


@router.post("/api/session", response_model=SignedIn, summary="Sign in", tags=["api"])
def api_sign_in(request: Request, web: Web, body: Credentials) -> JSONResponse:
    """Sign in for a script: the session cookie is set, and ``csrf`` is what every write
    must send as ``X-Qualcode-CSRF``. 401 for a wrong name or password, 429 while
    failures make the next try wait."""
    secret, identity = _sign_in(web, request, body.name, body.password)
    response = JSONResponse({"name": identity.name, "role": identity.role, "csrf": identity.csrf})
    _set_session(web, request, response, secret)
    return response


@router.delete("/api/session", response_model=schemas.Message, summary="Sign out", tags=["api"])
def api_sign_out(request: Request, web: Web) -> JSONResponse:
    _sign_out(web, request)
    response = JSONResponse({"message": "signed out"})
    response.delete_cookie(web.settings.session_cookie)
    return response


# --- users and the audit log, for a lead --------------------------------------------------------


def _add(web: Web, request: Request, name: str, role: str) -> dict[str, str]:
    by = lead(request, "adds users").name
    with web.project.transaction() as session:
        secret = users.add_user(session, name, role, by=by)
        link = users.link_url(session, secret)
    return {"name": name.strip(), "role": role, "link": link}


@router.get("/api/users", summary="Accounts (a lead)", tags=["api"])
def api_users(request: Request, web: Web) -> list[dict[str, Any]]:
    lead(request, "lists users")
    return records.rows(users.users(web.project))


@router.post("/api/users", response_model=Invited, status_code=201, summary="Add a user (a lead)",
             tags=["api"])  # fmt: skip
def api_add_user(request: Request, web: Web, body: NewUser) -> dict[str, str]:
    """Make an account; the answer holds its one-time invitation link."""
    return _add(web, request, body.name, body.role)


def _users_page(web: Web, request: Request, invited: dict[str, str] | None) -> Response:
    """The accounts, and the link just made (shown once)."""
    people = records.rows(users.users(web.project))
    return web.page(request, "users.html", people=people, invited=invited)


@router.get("/users", response_class=HTMLResponse, include_in_schema=False)
def users_page(request: Request, web: Web) -> Response:
    lead(request, "manages users")
    return _users_page(web, request, None)


@router.post("/users", include_in_schema=False)
def add_user(
    request: Request,
    web: Web,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    role: Annotated[str, Form(pattern="^(lead|coder|viewer)$")] = "coder",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_form(request, csrf)
    return _users_page(web, request, _add(web, request, name, role))


@router.post("/users/{name}/{action}", include_in_schema=False)
def change_user(
    request: Request,
    web: Web,
    name: str,
    action: Literal["disable", "reset"],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_form(request, csrf)
    by = lead(request, "manages users").name
    invited = None
    with web.project.transaction() as session:
        if action == "disable":
            users.disable(session, name, by=by)
        else:
            link = users.link_url(session, users.reset(session, name, by=by))
            invited = {"name": name, "role": "", "link": link}
    request.app.state.identities.forget()
    return _users_page(web, request, invited)


@router.get("/api/audit", summary="Who changed what (a lead)", tags=["api"])
def api_audit(
    request: Request, web: Web, limit: Annotated[int, Query(ge=1, le=10_000)] = 500
) -> list[dict[str, Any]]:
    """Changes to codings, codebook, assignments, rounds and users, newest first."""
    lead(request, "reads the audit log")
    return records.rows(audit(web.project, limit))


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(request: Request, web: Web) -> Response:
    lead(request, "reads the audit log")
    return web.page(request, "audit.html", entries=records.rows(audit(web.project, 500)))


# --- live notices ------------------------------------------------------------------------------


def _mark(web: Web) -> list[Any]:
    """What changes when anyone codes, assigns, opens the round or manages users."""
    with web.project.sessionmaker() as session:
        return [
            session.scalar(select(func.max(CodingLog.id))),
            session.scalar(select(func.max(AuditEntry.id))),
            (session.get(Setting, ROUND_KEY) or Setting(value=False)).value,
        ]


@router.get("/api/events", summary="Notices of changes (a lead; server-sent events)",
            tags=["api"], response_class=StreamingResponse)  # fmt: skip
async def events(request: Request, web: Web) -> StreamingResponse:
    """``text/event-stream``: an event ``change`` within a second or two of any change
    to codings, assignments, the round or users, from any server worker or command. It
    says only that something changed: a lead's page then fetches itself again. On
    PostgreSQL the stream waits for the database's notice (``LISTEN``); on SQLite it
    looks at the database every second."""
    lead(request, "follows changes live")
    notices: Notices = request.app.state.notices
    woken = notices.subscribe() if notices.listening else None

    async def changed() -> None:
        """Until something may have changed: a notice, or a second gone by."""
        if woken is None:
            await asyncio.sleep(EVERY)
            return
        with contextlib.suppress(TimeoutError):  # quiet for long: time for a heartbeat
            await asyncio.wait_for(woken.wait(), HEARTBEAT)
        woken.clear()

    async def stream() -> AsyncIterator[str]:
        last = await run_in_threadpool(_mark, web)
        yield "retry: 2000\n\n"
        loop = asyncio.get_running_loop()
        quiet, ends = loop.time(), loop.time() + LONGEST
        try:
            while loop.time() < ends and not await request.is_disconnected():
                await changed()
                now = await run_in_threadpool(_mark, web)
                if now != last:
                    last, quiet = now, loop.time()
                    yield f"event: change\ndata: {json.dumps(now, default=str)}\n\n"
                elif loop.time() - quiet >= HEARTBEAT:
                    quiet = loop.time()
                    yield ": still here\n\n"
        finally:
            if woken is not None:
                notices.unsubscribe(woken)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
