"""Errors as HTTP answers: one sentence in ``{"detail": ...}`` for the API, a page for people.

    QualcodeError (qualcode.errors)     -> 400, or by subclass:
     ├── DatabaseProblem                -> 503  busy, read-only, damaged, unreachable
     ├── NotFound                       -> 404  unknown document, code, coding, suggestion
     ├── NotAllowed                     -> 403  another coder's work, a lead's job
     ├── InputError                     -> 422
     ├── ExclusiveConflict (adjudicate) -> 409
     └── WebError (here)                -> its own status
          ├── Forbidden                 -> 403  not yours, not a lead, bad form token
          ├── Conflict                  -> 409
          └── NoCoder                   -> 400  nobody said who is coding

Validation errors of request bodies and parameters become 422 with one line naming
the field. Anything else is a bug: it is logged and answered with a 500 that says so.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from ..adjudicate import ExclusiveConflict
from ..errors import DatabaseProblem, InputError, NotAllowed, NotFound, QualcodeError

log = logging.getLogger("qualcode.web")


class WebError(QualcodeError):
    status = 400


class Forbidden(WebError):
    status = 403


class Conflict(WebError):
    status = 409


class NoCoder(WebError):
    status = 400

    def __init__(self) -> None:
        super().__init__(
            "nobody said who is coding: choose a name on the /coder page, start "
            "`qualcode serve --coder NAME`, or send the header X-Qualcode-Coder"
        )


def status_of(error: QualcodeError) -> int:
    if isinstance(error, WebError):
        return error.status
    if isinstance(error, DatabaseProblem):
        return 503  # the request was fine; the database cannot serve it now
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, NotAllowed):
        return 403
    if isinstance(error, ExclusiveConflict):
        return 409
    if isinstance(error, InputError):
        return 422
    return 400


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api")


def _field(error: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body",))
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg"))


def install(app: FastAPI, render_error: Any) -> None:
    """Register the handlers; ``render_error(request, status, message)`` makes the page."""

    def answer(request: Request, status: int, message: str) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": message}, status_code=status)
        return render_error(request, status, message)

    @app.exception_handler(QualcodeError)
    async def qualcode_error(request: Request, error: QualcodeError) -> Response:
        return answer(request, status_of(error), str(error).splitlines()[0])

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        problems = [_field(e) for e in error.errors()]
        return answer(request, 422, "; ".join(problems) or "invalid request")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        message = error.detail if isinstance(error.detail, str) else "request refused"
        if error.status_code == 404 and message == "Not Found":
            message = f"no page or endpoint at {request.url.path}"
        return answer(request, error.status_code, message)

    @app.exception_handler(Exception)
    async def bug(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        message = f"internal error ({type(error).__name__}): this is a bug in qualcode"
        if _wants_json(request):
            return JSONResponse({"detail": message}, status_code=500)
        return HTMLResponse(f"<p>{message}</p>", status_code=500)
