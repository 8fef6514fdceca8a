"""What every route gets: the open project, the settings, the templates, and who asks.

The coder is fixed by ``qualcode serve --coder NAME``; otherwise it is the one chosen
on the ``/coder`` page (a cookie), or, for scripts, the header ``X-Qualcode-Coder``.
On a team server it is the account signed in, and nothing else.
What they may see is :mod:`qualcode.visibility`'s to decide: routes hand the library
:data:`Asker` (the name, or NOBODY), never None, which would mean everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import Depends, Query, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..lookup import by_id
from ..models import Coding
from ..project import Project
from ..visibility import NOBODY, Who
from .errors import NoCoder
from .security import csrf_value, identity_of
from .settings import WebSettings
from .views import RenderedTurns, SegmentSpans, quote_filters

CODER_HEADER = "x-qualcode-coder"


@dataclass
class WebState:
    """One per app: the project it serves and what it keeps between requests."""

    project: Project
    settings: WebSettings
    templates: Jinja2Templates
    spans: SegmentSpans = field(default_factory=SegmentSpans)
    turns: RenderedTurns = field(default_factory=RenderedTurns)  # the transcript page's

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> Any:
        """Render ``web/<name>`` with what every page needs (coder, CSRF value, nav)."""
        base = {
            "coder": viewer(request),
            "fixed_coder": self.settings.coder is not None or self.settings.team,
            "csrf": csrf_value(request),
            "project_name": self.project.root.name,
            "identity": identity_of(request),
        }
        return self.templates.TemplateResponse(
            request, f"web/{name}", {**base, **context}, status_code=status
        )


async def state(request: Request) -> WebState:
    """The app's state. The dependencies here are ``async``, though they do no I/O:
    FastAPI runs a plain function in a thread of the pool, and each such hop costs a
    request time and CPU under load (a page or an apply waits its turn for the GIL)."""
    return request.app.state.qualcode


def viewer(request: Request) -> str | None:
    """Who is asking, if anyone said: the fixed coder, the header, or the cookie (both
    percent-encoded UTF-8 where the name is not ASCII, as HTTP headers must be)."""
    settings: WebSettings = request.app.state.qualcode.settings
    if settings.team:
        identity = identity_of(request)
        return identity.name if identity else None
    if settings.coder:
        return settings.coder
    named = request.headers.get(CODER_HEADER) or request.cookies.get(settings.coder_cookie)
    named = unquote(named or "").strip()
    return named[:100] or None


async def asker(request: Request) -> Who:
    """Who asks, for what they may see: the coder's name, else NOBODY."""
    return viewer(request) or NOBODY


async def asking(request: Request) -> str | None:
    """:func:`viewer` as a dependency."""
    return viewer(request)


async def coder(request: Request) -> str:
    """Who is coding: required for every write."""
    name = viewer(request)
    if name is None:
        raise NoCoder()
    return name


Web = Annotated[WebState, Depends(state)]
Viewer = Annotated[str | None, Depends(asking)]
Asker = Annotated[Who, Depends(asker)]

# Query parameters shared by the pages and the API.
Filter = Annotated[str | None, Query(max_length=255)]
Many = Annotated[list[str], Query(max_length=50)]


async def quote_query(
    code: Many = [],  # noqa: B006
    theme: Many = [],  # noqa: B006
    coder: Many = [],  # noqa: B006
    where: Many = [],  # noqa: B006
    text: Filter = None,
    cooccurs_with: Many = [],  # noqa: B006
) -> dict[str, Any]:
    """The filters of ``qualcode quotes`` from a query string, for every quotes endpoint."""
    return quote_filters(code, theme, coder, where, text, cooccurs_with)


QuoteFilters = Annotated[dict[str, Any], Depends(quote_query)]
CoderName = Annotated[str, Depends(coder)]


def find_coding(session: Session, ref: str) -> Coding:
    """A coding by its id, or a clear 404."""
    found = by_id(session, Coding, ref)
    if found is None:
        raise NotFound(f"no coding {ref!r} in this project (see GET /api/codings)")
    return found
