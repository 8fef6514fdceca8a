"""The app factory: one FastAPI app over one open project.

Pages are Jinja templates (``templates/web/``) that a project may override: a file of
the same name in a ``--template-dir`` or in the project's ``templates/web/`` wins, and
may extend the packaged one as ``{% extends "default:web/base.html" %}``. Scripts and
styles ship in ``static/``: nothing is fetched from the internet.
"""

from __future__ import annotations

import gc
from pathlib import Path

import jinja2
from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from ..project import Project
from . import accounts, api, errors, pages
from .context import WebState
from .revisions import router as revision_routes
from .security import TeamMiddleware, TokenMiddleware
from .settings import WebSettings
from .team_live import Identities, Notices
from .workbench import router as workbench_routes

HERE = Path(__file__).resolve().parent
PACKAGED = HERE / "templates"
STATIC = HERE / "static"


def templates(project: Project, settings: WebSettings) -> Jinja2Templates:
    """User templates first, then the packaged ones (also reachable as ``default:``)."""
    dirs = [*map(Path, settings.template_dirs), project.root / "templates"]
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader([d for d in dirs if d.is_dir()]),
            jinja2.PrefixLoader({"default": jinja2.FileSystemLoader(PACKAGED)}, delimiter=":"),
            jinja2.FileSystemLoader(PACKAGED),
        ]
    )
    env = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.policies["json.dumps_kwargs"] = {}  # not sorted: a page's 5,000 codings dump 3 x faster
    return Jinja2Templates(env=env, context_processors=[root_of])


def root_of(request: Request) -> dict[str, str]:
    """``root``: the path a reverse proxy serves the app under (``serve --root-path``),
    which every link, form, script and style of a page starts with."""
    return {"root": request.scope.get("root_path", "")}


def create_app(project: Project, settings: WebSettings | None = None) -> FastAPI:
    """The web app of ``project``: pages for people, a JSON API for scripts.

    >>> app = create_app(open_project("."), WebSettings(coder="ana"))
    >>> uvicorn.run(app, host="127.0.0.1", port=8765)   # what `qualcode serve` does
    """
    settings = settings or WebSettings()
    app = FastAPI(
        title="qualcode",
        summary="Qualitative coding of transcripts: the JSON API of `qualcode serve`.",
        description=(
            "Every request carries the token `qualcode serve` printed: "
            "`Authorization: Bearer TOKEN`. Writes are done as the coder of the run "
            "(`--coder`), or the one named in the header `X-Qualcode-Coder`."
        ),
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI and ReDoc load their scripts from a CDN: not offline
        redoc_url=None,
    )
    state = WebState(project, settings, templates(project, settings))
    app.state.qualcode = state

    def render_error(request: Request, status: int, message: str):  # noqa: ANN202
        return state.page(request, "error.html", status=status, status_code=status, message=message)

    errors.install(app, render_error)
    if settings.team:  # people sign in: see security.TeamMiddleware
        app.include_router(accounts.router)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(workbench_routes)
    app.include_router(revision_routes)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if settings.team:
        identities = Identities()  # each worker's own, forgotten at PostgreSQL's word
        app.state.identities = identities
        app.state.notices = Notices(project.engine, identities.forget)
        app.router.on_startup.append(app.state.notices.start)
        app.router.on_shutdown.append(app.state.notices.stop)
        app.add_middleware(TeamMiddleware, settings=settings, project=project,
                           identities=identities)  # fmt: skip
    else:
        app.add_middleware(TokenMiddleware, settings=settings)
    _describe_security(app, settings.team)
    return app


SETTINGS_ENV = "QUALCODE_WEB_WORKER"


def from_environment() -> FastAPI:
    """The app of one of several server processes (`qualcode serve --workers N`): the
    project and settings the parent put in the environment, as JSON."""
    import json
    import os

    from ..project import open_project

    given = json.loads(os.environ[SETTINGS_ENV])
    settings = WebSettings(**given["settings"])
    settings.template_dirs = [Path(d) for d in settings.template_dirs]
    app = create_app(open_project(given["root"], given["db"]), settings)
    import_spacy_now()
    calm_garbage_collector()
    return app


def import_spacy_now() -> None:
    """Import spaCy (and its English tokenizer) before serving. Requests run in threads,
    and two threads importing spaCy for the first time at once (a codebook check beside
    a ranking) can each find the other's modules half made and fail."""
    import importlib

    importlib.import_module("spacy.matcher")  # spaCy, and the rules' matchers
    importlib.import_module("spacy.lang.en")


def calm_garbage_collector() -> None:
    """Tune the collector for a long-running server (``qualcode serve`` calls this once the
    app is built). The process holds many long-lived objects (pandas, SQLAlchemy, the
    app); with the default thresholds a full collection scans them all every few
    requests and costs more than rendering a long transcript. Freeze what exists now and
    collect the young generation less often, as ``import_files`` does while importing.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _describe_security(app: FastAPI, team: bool) -> None:
    """Tell OpenAPI that every operation needs the bearer token (a team server: the
    session cookie that ``POST /api/session`` sets)."""
    original = app.openapi
    scheme = (
        {"type": "apiKey", "in": "cookie", "name": "qualcode_session_PORT"}
        if team else {"type": "http", "scheme": "bearer"}
    )  # fmt: skip

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = original()
            schema.setdefault("components", {})["securitySchemes"] = {"token": scheme}
            schema["security"] = [{"token": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
