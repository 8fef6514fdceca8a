"""Who may talk to the server: the token, cross-site request checks, safe headers.

- Every request carries the token of this run: as ``?token=`` once (a page then sets it
  as an HttpOnly, SameSite=Strict cookie and redirects to the same address without it),
  as that cookie, or as ``Authorization: Bearer TOKEN``. Otherwise: 403 and what to do.
- A write (POST, PUT, PATCH, DELETE) authorised by the cookie must prove it comes from
  our own pages. The browser says where a request comes from: ``Sec-Fetch-Site`` (sent by
  every current browser, and no page can forge it) must be ``same-origin``; a browser
  without it must send an ``Origin`` equal to our own (``null``, which a page that hides
  its origin sends, is refused). On top of that the JSON API wants the header
  ``X-Qualcode-CSRF`` with the value pages carry in ``<meta name="qualcode-csrf">``, and
  forms send it as the hidden field ``csrf`` (checked by :func:`check_form`). A request
  with the bearer header needs neither: a browser cannot send that header cross-site.
- ``Host`` must be a name of this server (DNS rebinding): one of ``allowed_hosts`` when
  the settings name any, a loopback address, or the address the connection came in on.
- A team server (``qualcode serve --team``, :class:`TeamMiddleware`) has no token:
  people sign in (``/login``, or a reverse proxy's trusted header) and get a random
  session id in an HttpOnly, SameSite=Strict cookie (Secure over TLS). A request
  without a live session may reach only the sign-in and invitation pages; every write
  needs the same-site proof above and, for the API, the session's own CSRF value; a
  viewer's writes are refused. ``Host`` must be one of the configured public names.
- Every response gets a strict Content-Security-Policy (scripts only from our own
  ``/static``), a referrer only for our own pages (so that their forms name their
  origin), no framing, and a ``Server-Timing`` header with the time the app took, which
  ``bench/web.py`` reads.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import secrets
import socket
import time
from collections.abc import Callable, Iterable
from urllib.parse import urlencode, urlsplit

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URL, Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..accounts.audit import ACTOR
from ..accounts.sessions import Identity, identify, identify_trusted
from ..project import Project
from .errors import Forbidden
from .settings import WebSettings
from .team_live import Identities

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


def route_path(scope: Scope) -> str:
    """The path within the app: without the prefix a reverse proxy serves it under
    (``serve --root-path``), which uvicorn puts in front of ``scope["path"]``."""
    path, root = scope["path"], scope.get("root_path", "")
    return (path[len(root):] or "/") if root and path.startswith(root) else path


def _refuse(scope: Scope, status: int, message: str) -> Response:
    if route_path(scope).startswith("/api"):
        return Response(
            json.dumps({"detail": message}), status_code=status, media_type="application/json"
        )
    return PlainTextResponse(f"{status}: {message}\n", status_code=status)


def _host_name(host: str) -> str:
    """The name in a ``Host`` header, without port, brackets, case or a final dot."""
    try:
        return (urlsplit(f"//{host}").hostname or "").rstrip(".")
    except ValueError:  # a malformed IPv6 literal
        return ""


def _address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        found = ipaddress.ip_address(name)
    except ValueError:
        return None
    mapped = getattr(found, "ipv4_mapped", None)  # ::ffff:192.0.2.1 on a dual-stack socket
    return mapped or found


def host_allowed(settings: WebSettings, host: str, local: str | None) -> bool:
    """Is ``host`` (a ``Host`` header) a name of this server? A loopback address, or the
    address the connection reached (``local``), cannot point elsewhere; other names must
    be in ``settings.allowed_hosts`` (when it is empty, any is accepted)."""
    if not settings.allowed_hosts:
        return True
    name = _host_name(host)
    address = _address(name)
    if address is not None and (address.is_loopback or address == _address(local or "")):
        return True
    return name in {n.casefold().rstrip(".") for n in settings.allowed_hosts}


WILDCARD = {"0.0.0.0", "::", ""}


def host_names(bound: str, extra: Iterable[str] = ()) -> list[str]:
    """The ``Host`` names a server bound to ``bound`` answers: localhost, the bound name,
    this machine's names when it listens on every interface, and ``extra``."""
    names = ["localhost", bound, *extra]
    if bound in WILDCARD:
        hostname = socket.gethostname()
        names += [hostname, socket.getfqdn(), f"{hostname}.local"]
    return list(dict.fromkeys(n.casefold() for n in names if n and n not in WILDCARD))


def guarded(send: Send, started: float, root: str = "") -> Send:
    """``send`` adding the safe headers, and the time taken, to the response; a redirect
    within the app (``Location: /...``) goes under ``root``, the path a reverse proxy
    serves the app under."""

    async def send_guarded(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            location = headers.get("location", "")
            if root and location.startswith("/") and not location.startswith(("//", root + "/")):
                headers["location"] = root + location
            headers.append("Content-Security-Policy", POLICY)
            headers.append("X-Content-Type-Options", "nosniff")
            headers.append("Referrer-Policy", "same-origin")
            headers.append("X-Frame-Options", "DENY")
            if "cache-control" not in headers:
                headers.append("Cache-Control", "no-store")
            spent = (time.perf_counter() - started) * 1000
            headers.append("Server-Timing", f"app;dur={spent:.2f}")
        await send(message)

    return send_guarded


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

        await self.app(scope, receive, guarded(send, started, scope.get("root_path", "")))

    def check(self, scope: Scope) -> Response | None:
        """A response that refuses the request, or None to let it through."""
        request = Request(scope)
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        local = (scope.get("server") or (None,))[0]
        if not host_allowed(self.settings, host, local):
            return _refuse(
                scope, 403,
                f"host {host!r} is not a name of this server: open the address `qualcode "
                f"serve` printed, or start it with --allow-host {_host_name(host) or 'NAME'}",
            )  # fmt: skip
        given = request.query_params.get("token")
        if given is not None and same(given, self.settings.token):
            if request.method == "GET" and not route_path(scope).startswith("/api"):
                return self._welcome(request)
            return None
        bearer = headers.get("authorization", "")
        if bearer[:7].lower() == "bearer " and same(bearer[7:].strip(), self.settings.token):
            return None
        if not same(request.cookies.get(self.settings.token_cookie), self.settings.token):
            return _refuse(scope, 403, NO_TOKEN)
        if request.method in UNSAFE:
            return cross_site(scope, headers, host) or self._csrf(scope, headers)
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

    def _csrf(self, scope: Scope, headers: Headers) -> Response | None:
        if route_path(scope).startswith("/api") and not same(
            headers.get(CSRF_HEADER), self.settings.csrf
        ):
            return _refuse(
                scope,
                403,
                "missing or wrong X-Qualcode-CSRF header: send the value of the page's "
                '<meta name="qualcode-csrf">, or authorise with Authorization: Bearer TOKEN',
            )
        return None


def cross_site(scope: Scope, headers: Headers, host: str) -> Response | None:
    """Refuse a write that a browser says comes from another site's page."""
    site = headers.get("sec-fetch-site")
    origin = headers.get("origin")
    if site is not None:
        foreign = site not in ("same-origin", "none")  # none: the user's own action
    else:
        foreign = origin is not None and urlsplit(origin).netloc.casefold() != host.casefold()
    if foreign:
        source = origin or site
        return _refuse(
            scope, 403,
            f"cross-site request from {source} refused: only this server's own pages "
            "may change the project (open the address `qualcode serve` printed)",
        )  # fmt: skip
    return None


# Reachable without signing in: the sign-in and invitation pages and what they load.
OPEN_PATHS = ("/login", "/invite/", "/static/", "/api/session")
NOT_SIGNED_IN = "sign in first: open /login, or POST /api/session with your name and password"


def identity_of(request: Request) -> Identity | None:
    """Who signed in, on a team server (None elsewhere, or before signing in)."""
    return request.scope.get("state", {}).get("identity")


class TeamMiddleware:
    """A team server's gate: public names only, a live session, same-site writes with the
    session's CSRF value, and no writes by a viewer."""

    def __init__(
        self, app: ASGIApp, settings: WebSettings, project: Project, identities: Identities
    ) -> None:
        self.app = app
        self.settings = settings
        self.project = project
        self.identities = identities
        self.names = {n.casefold().rstrip(".") for n in settings.allowed_hosts}
        # SQLite takes one writer at a time: queue this process's writes here rather than
        # let many wait on the database's lock, where the slowest would time out (503).
        self.one_writer = asyncio.Lock() if project.engine.dialect.name == "sqlite" else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if _host_name(host) not in self.names:
            refusal = _refuse(
                scope, 403,
                f"host {host!r} is not this server's public name: open "
                f"https://{sorted(self.names)[0] if self.names else 'SERVER'}/",
            )  # fmt: skip
            await refusal(scope, receive, send)
            return
        identity = await self.identify(scope, headers)
        scope.setdefault("state", {})["identity"] = identity
        refusal = self.check(scope, headers, host, identity)
        answer = guarded(send, started, scope.get("root_path", ""))
        if refusal is not None:
            await refusal(scope, receive, answer)
            return
        token = ACTOR.set(identity.name if identity else None)
        try:
            if self.one_writer is not None and scope["method"] in UNSAFE:
                async with self.one_writer:
                    await self.app(scope, receive, answer)
            else:
                await self.app(scope, receive, answer)
        finally:
            ACTOR.reset(token)

    async def identify(self, scope: Scope, headers: Headers) -> Identity | None:
        """Who signed in: looked up once every few seconds per session (see
        :class:`~qualcode.web.team_live.Identities`), in a thread of the pool only then."""
        header = self.settings.trusted_user_header
        if header and headers.get(header):
            name = headers[header]
            key, how = f"trusted:{name}", lambda session: identify_trusted(
                session, name, self.settings.token)  # fmt: skip
        else:
            secret = Request(scope).cookies.get(self.settings.session_cookie)
            if not secret:
                return None
            key, how = f"session:{secret}", lambda session: identify(session, secret)
        remembered = self.identities.remembered(key)
        if remembered is not None:
            return remembered[0]
        return await run_in_threadpool(self.identities.get, key, lambda: self._look(how))

    def _look(self, how: Callable[[Session], Identity | None]) -> Identity | None:
        with self.project.sessionmaker() as session:
            return how(session)

    def check(
        self, scope: Scope, headers: Headers, host: str, identity: Identity | None
    ) -> Response | None:
        path, method = route_path(scope), scope["method"]
        public = path.startswith(OPEN_PATHS) or path == "/favicon.ico"
        if identity is None and not public:
            if path.startswith("/api") or method != "GET":
                return _refuse(scope, 401, NOT_SIGNED_IN)
            query = scope.get("query_string", b"").decode("latin-1")
            target = path + (f"?{query}" if query else "")
            return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
        if method not in UNSAFE:
            return None
        refusal = cross_site(scope, headers, host)
        if refusal is not None or identity is None:
            return refusal
        if identity.role == "viewer" and path not in ("/logout", "/api/session"):
            return _refuse(scope, 403, f"{identity.name} is a viewer: a viewer changes nothing")
        if path.startswith("/api") and not same(headers.get(CSRF_HEADER), identity.csrf):
            return _refuse(
                scope, 403,
                "missing or wrong X-Qualcode-CSRF header: send the value of the page's "
                '<meta name="qualcode-csrf"> (or the csrf that POST /api/session answered)',
            )  # fmt: skip
        return None


def csrf_value(request: Request) -> str:
    """What this request's pages and scripts send back on writes."""
    settings: WebSettings = request.app.state.qualcode.settings
    if not settings.team:
        return settings.csrf
    identity = identity_of(request)
    return identity.csrf if identity else request.cookies.get(settings.form_cookie, "")


def check_form(request: Request, value: str | None) -> None:
    """A form's hidden ``csrf`` field must be the value its page carried."""
    expected = csrf_value(request)
    if not expected or not same(value, expected):
        raise Forbidden("this form is out of date or came from another site: reload the page")
