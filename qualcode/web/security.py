"""Who may talk to the server: the token, cross-site request checks, safe headers.

- Every request carries the token of this run: as ``?token=`` once (a page then sets it
  as an HttpOnly, SameSite=Strict cookie and redirects to the same address without it),
  as that cookie, or as ``Authorization: Bearer TOKEN``. Otherwise: 403 and what to do.
- A write (POST, PUT, PATCH, DELETE) authorised by the cookie must prove it comes from
  our own pages: an ``Origin`` other than our own is refused, and the JSON API wants the
  header ``X-Qualcode-CSRF`` with the value pages carry in ``<meta name="qualcode-csrf">``
  (forms send it as the hidden field ``csrf``, checked by :func:`check_form`). A request
  with the bearer header needs neither: a browser cannot send that header cross-site.
- ``Host`` must be one of ``allowed_hosts`` when the settings name any (DNS rebinding).
- Every response gets a strict Content-Security-Policy (scripts only from our own
  ``/static``), no referrer, no framing, and a ``Server-Timing`` header with the time the
  app took, which ``bench/web.py`` reads.
"""

from __future__ import annotations

import json
import secrets
import time
from urllib.parse import urlencode, urlsplit

from starlette.datastructures import URL, Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import Forbidden
from .settings import WebSettings

CSRF_HEADER = "x-qualcode-csrf"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'; object-src 'none'"
)
NO_TOKEN = (
    "this qualcode server needs its token: open the address that `qualcode serve` printed "
    "(it ends in ?token=...), or send the header Authorization: Bearer TOKEN"
)


def same(given: str | None, expected: str) -> bool:
    return given is not None and secrets.compare_digest(given.encode(), expected.encode())


def _refuse(scope: Scope, status: int, message: str) -> Response:
    if scope["path"].startswith("/api"):
        return Response(
            json.dumps({"detail": message}), status_code=status, media_type="application/json"
        )
    return PlainTextResponse(f"{status}: {message}\n", status_code=status)


def _host_name(host: str) -> str:
    return urlsplit(f"//{host}").hostname or ""


class TokenMiddleware:
    """Refuse requests without the token; guard writes against other sites."""

    def __init__(self, app: ASGIApp, settings: WebSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        refusal = self.check(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append("Content-Security-Policy", POLICY)
                headers.append("X-Content-Type-Options", "nosniff")
                headers.append("Referrer-Policy", "no-referrer")
                headers.append("X-Frame-Options", "DENY")
                if "cache-control" not in headers:
                    headers.append("Cache-Control", "no-store")
                spent = (time.perf_counter() - started) * 1000
                headers.append("Server-Timing", f"app;dur={spent:.2f}")
            await send(message)

        await self.app(scope, receive, timed)

    def check(self, scope: Scope) -> Response | None:
        """A response that refuses the request, or None to let it through."""
        request = Request(scope)
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if self.settings.allowed_hosts and _host_name(host) not in self.settings.allowed_hosts:
            return _refuse(scope, 403, f"host {host!r} is not this server's; use its address")
        given = request.query_params.get("token")
        if given is not None and same(given, self.settings.token):
            if request.method == "GET" and not scope["path"].startswith("/api"):
                return self._welcome(request)
            return None
        bearer = headers.get("authorization", "")
        if bearer[:7].lower() == "bearer " and same(bearer[7:].strip(), self.settings.token):
            return None
        if not same(request.cookies.get(self.settings.token_cookie), self.settings.token):
            return _refuse(scope, 403, NO_TOKEN)
        if request.method in UNSAFE:
            return self._cross_site(scope, headers, host)
        return None

    def _welcome(self, request: Request) -> Response:
        """Keep the token in a cookie and send the browser on without it in the address."""
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
        target = URL(path=request.url.path, query=urlencode(query))
        response = RedirectResponse(str(target), status_code=303)
        response.set_cookie(
            self.settings.token_cookie, self.settings.token, httponly=True, samesite="strict"
        )
        return response

    def _cross_site(self, scope: Scope, headers: Headers, host: str) -> Response | None:
        origin = headers.get("origin")
        if origin is not None and urlsplit(origin).netloc != host:
            return _refuse(scope, 403, f"cross-site request from {origin} refused")
        if scope["path"].startswith("/api") and not same(
            headers.get(CSRF_HEADER), self.settings.csrf
        ):
            return _refuse(
                scope,
                403,
                "missing or wrong X-Qualcode-CSRF header: send the value of the page's "
                '<meta name="qualcode-csrf">, or authorise with Authorization: Bearer TOKEN',
            )
        return None


def check_form(settings: WebSettings, value: str | None) -> None:
    """A form's hidden ``csrf`` field must be this run's value."""
    if not same(value, settings.csrf):
        raise Forbidden("this form is out of date or came from another site: reload the page")
