"""Blind coding, route by route: while the round is closed, a coder sees and changes only
their own work, through every CLI command and every route of the web app.

Two coders, 李明 (A) and 王芳 (B), have coded the same transcripts blind, and the project
has a lead. Each CLI command and each web route is run as A, and as someone who did not
say who they are. A's output must hold nothing of B's work (codings and their ids,
memos, quotes, counts, suggestions) and B's work must be as it was; the nameless asker
sees no coder's work at all. How each command and route is exercised is written in the
tables below: a command or route that the tables do not name fails the test, so a new
one cannot slip past (see qualcode/visibility.py for the rule).
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import shutil
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from qualcode import init_project, load_codebook, open_project, sync_codebook
from qualcode.cli import cli
from qualcode.coding import code_segment, find_code, find_segment, get_coder, recode
from qualcode.importing import import_files
from qualcode.memos import write_memo
from qualcode.models import Coder, Coding, Memo, Suggestion
from qualcode.project import Project
from qualcode.queries import find_document
from qualcode.suggest.store import Found, store_suggestions
from qualcode.team import assign, set_round
from qualcode.visibility import round_is_open
from qualcode.web import WebSettings, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx versions
    from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO.parent / "shared" / "sample-transcripts"
A, B, LEAD = "李明", "王芳", "lee"
DOC_A = "area-2-interview-council-officer.txt"  # both code it; A's quotes come from here
DOC_B = "area-6-interview-headteacher.txt"  # only B has codings here
SECRET_A, SECRET_B = "SECRETA", "SECRETB"  # in every memo and evidence of A's, of B's
TOKEN = "visibility-token"
NEW_TRANSCRIPT = SAMPLES / "ukci-2025-01-16-traveller-movement.txt"


# --- the project: two coders who coded blind, and a lead -------------------------------------


@dataclass
class Work:
    """What one coder did, and the strings that would betray it in someone's output."""

    coding_ids: list[str] = field(default_factory=list)
    suggestion_id: int = 0
    quotes: list[str] = field(default_factory=list)  # pieces of the texts they coded

    def markers(self, name: str, secret: str, *, quotes: bool) -> list[str]:
        found = [*self.coding_ids, secret]
        return [*found, name, *self.quotes] if quotes else found


@dataclass
class Blind:
    """A copy of the blind project, for one command or route."""

    project: Project
    root: Path
    a: Work
    b: Work

    @property
    def b_coding(self) -> str:
        return self.b.coding_ids[0]


def _piece(text: str) -> str:
    """A stretch of plain words of a quote: it survives HTML, CSV and XML escaping."""
    words = re.findall(r"[A-Za-z]+(?: [A-Za-z]+){3,}", text)
    return max(words, key=len)


def _build(root: Path) -> tuple[Work, Work]:
    shutil.copy(REPO / "codebook.yaml", root / "codebook.yaml")
    a, b = Work(), Work()
    with init_project(root) as project:
        with project.transaction() as session:
            sync_codebook(session, load_codebook(root / "codebook.yaml"))
        report = import_files(project, [REPO / "transcripts" / DOC_A, REPO / "transcripts" / DOC_B])
        assert not report.failed, [r.message for r in report.failed]
        with project.transaction() as session:
            get_coder(session, LEAD, role="lead")
            assign(session, [DOC_A, DOC_B], [A, B])
            for ordinal in (4, 5):
                made = code_segment(session, DOC_A, ordinal, "Trust", A, memo=f"{SECRET_A} why")
                a.coding_ids.append(str(made.id))
                a.quotes.append(_piece(find_document(session, DOC_A).text[made.start : made.end]))
            for ordinal in (4, 5, 8):
                made = code_segment(session, DOC_B, ordinal, "Respect", B, memo=f"{SECRET_B} why")
                b.coding_ids.append(str(made.id))
                b.quotes.append(_piece(find_document(session, DOC_B).text[made.start : made.end]))
            b.coding_ids.append(str(code_segment(session, DOC_A, 4, "Trust", B).id))
            for who, secret, doc in ((A, SECRET_A, DOC_A), (B, SECRET_B, DOC_B)):
                write_memo(session, "document", doc, f"{secret} document memo", who)
                write_memo(session, "segment", doc, f"{secret} segment memo", who, segment=2)
                write_memo(session, "code", "Respect", f"{secret} code memo", who)
            for work, who, secret, doc, code in ((a, A, SECRET_A, DOC_A, "Trust"),
                                                 (b, B, SECRET_B, DOC_B, "Respect")):  # fmt: skip
                found = Found(find_segment(session, doc, 9).id, str(find_code(session, code).id),
                              0.9, "rules", {"note": f"{secret} evidence"})  # fmt: skip
                store_suggestions(session, who, [found])
                work.suggestion_id = session.scalars(
                    select(Suggestion.id).join(Coder, Suggestion.coder_id == Coder.id)
                    .where(Coder.name == who)
                ).one()  # fmt: skip
    return a, b


@pytest.fixture(scope="module")
def blind_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Work, Work]:
    root = tmp_path_factory.mktemp("blind")
    a, b = _build(root)
    return root, a, b


@pytest.fixture
def blind(blind_template: tuple[Path, Work, Work], tmp_path: Path) -> Iterator[Blind]:
    source, a, b = blind_template
    root = tmp_path / "study"
    shutil.copytree(source, root)
    with open_project(root) as project:
        yield Blind(project, root, a, b)


def work_of(project: Project, name: str) -> dict[str, Any]:
    """Everything of one coder's that others must not change."""
    with project.sessionmaker() as session:
        coder_id = session.scalars(select(Coder.id).where(Coder.name == name)).one()
        codings = session.execute(
            select(Coding.id, Coding.code_id, Coding.start, Coding.end, Coding.memo)
            .where(Coding.coder_id == coder_id).order_by(Coding.id)
        ).all()  # fmt: skip
        memos = session.execute(
            select(Memo.id, Memo.text).where(Memo.coder_id == coder_id).order_by(Memo.id)
        ).all()
        suggestions = session.execute(
            select(Suggestion.id, Suggestion.status).where(Suggestion.coder_id == coder_id)
        ).all()
    return {"codings": codings, "memos": memos, "suggestions": suggestions}


def readable(data: bytes) -> str:
    """A file's text, also from inside .docx and .xlsx (zip archives of XML)."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return data.decode("utf-8", "replace")


# --- how each CLI command is exercised ---------------------------------------------------------


@dataclass
class Run:
    """One command line (after ``qualcode --project ROOT``, with QUALCODE_CODER=NAME).

    ``quotes``: the output shows coded texts, so the other coder's quotes and name must not
    appear in it. ``files``: output files to read as well. ``check``: more to assert on
    the output for this asker (``None`` for the nameless one).
    """

    args: Callable[[Blind], list[str]]
    quotes: bool = False
    files: Callable[[Blind], list[Path]] = lambda _b: []
    check: Callable[[Blind, str, str | None], None] | None = None


@dataclass
class NotRun:
    """A command that is not run here, and why its ground is covered elsewhere."""

    reason: str


def _counts_in_codebook(blind: Blind, output: str, who: str | None) -> None:
    themes = json.loads(output)["themes"]
    flat = {}
    todo = list(themes)
    while todo:
        node = todo.pop()
        flat[node["name"]] = node["codings"]
        todo.extend(node["codes"])
    assert (flat["Respect"], flat["Trust"]) == ((0, 2) if who else (0, 0))


def _counts_in_status(blind: Blind, output: str, who: str | None) -> None:
    counts = json.loads(output)["counts"]
    assert (counts["codings"], counts["suggestions"]) == ((2, 1) if who else (0, 0))


def _own_suggestion_model(blind: Blind, output: str, who: str | None) -> None:
    if who is None:
        return  # refused: nobody said whose model it is
    report = json.loads(output)
    assert report["model"]["codings"] <= 2  # learnt from A's two codings, never B's


def _codings_csv(blind: Blind) -> list[str]:
    path = blind.root / "b-rows.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["document", "segment", "code", "coder", "memo"])
        writer.writerow([DOC_B, 9, "Respect", B, "written by someone else"])
    return ["codings", "import", str(path)]


OUT = "out"

CLI_TABLE: dict[str, Run | NotRun] = {
    "accept": Run(lambda b: ["accept", str(b.b.suggestion_id)]),
    "adjudicate": Run(lambda b: ["adjudicate", "--code", "Trust", "--take", B]),
    "agreement": Run(lambda b: ["agreement", "--json"]),
    "assign": Run(lambda b: ["assign", DOC_A, "--coders", A]),
    "audit": Run(lambda b: ["audit", "--json"], quotes=True),
    "backup": NotRun("it copies the database file whole, as cp would: whoever runs it holds "
                     "the file (blindness outside a team server is no access control)"),
    "db copy": NotRun("it copies the database whole, as backup does"),
    "assignments": Run(lambda b: ["assignments", "--json"]),
    "code": Run(lambda b: ["code", DOC_B, "10", "Respect"]),
    "codebook check": Run(lambda b: ["codebook", "check"]),
    "codebook export": Run(  # the codebook file, no coder's work
        lambda b: ["codebook", "export", "--format", "md", "--out", str(b.root / OUT / "cb.md")],
        files=lambda b: [b.root / OUT / "cb.md"],
    ),
    "codebook import": Run(  # a file in, a file out: the database is not read
        lambda b: ["codebook", "import", str(Path(__file__).resolve().parents[2] / "shared"
                   / "refi-qda" / "samples" / "minimal.qdc"), "--out", str(b.root / OUT / "i.yaml")]
    ),  # fmt: skip
    "codebook merge": Run(lambda b: ["codebook", "merge", "Respect", "Trust"]),
    "codebook show": Run(lambda b: ["codebook", "show", "--json"], check=_counts_in_codebook),
    "codebook split": Run(
        lambda b: ["codebook", "split", "Respect", "Trust", "--containing", b.b.quotes[0]]
    ),
    "codebook sync": Run(lambda b: ["codebook", "sync", "--json"]),
    "coder": Run(lambda b: ["coder", A]),
    "codings": Run(lambda b: ["codings", "--json"], quotes=True),
    "codings export": Run(
        lambda b: ["codings", "export", str(b.root / OUT / "codings.csv")],
        quotes=True,
        files=lambda b: [b.root / OUT / "codings.csv"],
    ),
    "codings import": Run(_codings_csv),
    "documents": Run(lambda b: ["documents", "--json"]),
    "edit": NotRun("it opens $EDITOR on a document's text (no coder's work); "
                   "tests/test_revisions.py drives it"),
    "export": Run(
        lambda b: ["export", "--out", str(b.root / OUT), *[f"--format={f}" for f in
                   ("html", "md", "csv", "xlsx", "docx")]],  # fmt: skip
        quotes=True,
        files=lambda b: sorted((b.root / OUT).glob("*")),
    ),
    "history": Run(lambda b: ["history", "--json"], quotes=True),
    "import": Run(lambda b: ["import", str(NEW_TRANSCRIPT)]),
    "init": Run(lambda b: ["init"]),
    "memo": Run(lambda b: ["memo", "coding", b.b_coding, "A writes over B's memo"]),
    "memos": Run(lambda b: ["memos", "--json"], quotes=True),
    "quotes": Run(lambda b: ["quotes", "--json"], quotes=True),
    "reject": Run(lambda b: ["reject", str(b.b.suggestion_id)]),
    "revert": Run(lambda b: ["revert", DOC_A, "1"]),  # at revision 1: refused, nothing moves
    "review": Run(lambda b: ["review"], quotes=True),
    "revisions": Run(lambda b: ["revisions", DOC_A]),
    "round": Run(lambda b: ["round", "open", "--coder", A],
                 check=lambda b, output, who: _round_still_closed(b)),  # fmt: skip
    "segments": Run(lambda b: ["segments", DOC_A, "--json"]),
    "serve": NotRun("it starts a server; every route it serves is in WEB_TABLE"),
    "status": Run(lambda b: ["status", "--json"], check=_counts_in_status),
    "suggest": Run(lambda b: ["suggest", "--json"], check=_own_suggestion_model),
    "suggestions": Run(lambda b: ["suggestions", "--status", "all", "--json"], quotes=True),
    "uncode": Run(lambda b: ["uncode", DOC_B, "4", "Respect"]),
    "undo": Run(lambda b: ["undo"]),
    "user add": Run(lambda b: ["user", "add", "someone", "--role", "lead"]),
    "user disable": Run(lambda b: ["user", "disable", B]),
    "user list": Run(lambda b: ["user", "list", "--json"]),
    "user reset": Run(lambda b: ["user", "reset", B]),
    "user role": Run(lambda b: ["user", "role", A, "lead"]),
}


def cli_commands() -> set[str]:
    """Every command a user can run: leaf commands, and groups that run on their own."""
    found = set()

    def walk(group: click.Group, path: tuple[str, ...]) -> None:
        for name, command in group.commands.items():
            here = (*path, name)
            if isinstance(command, click.Group):
                if command.invoke_without_command:
                    found.add(" ".join(here))
                walk(command, here)
            else:
                found.add(" ".join(here))

    walk(cli, ())
    return found


# --- how each web route is exercised -----------------------------------------------------------


@dataclass
class Call:
    """One request (or a few) to a route; their bodies are the output checked."""

    send: Callable[[TestClient, Blind], list[Any]]
    quotes: bool = False
    check: Callable[[Blind, str, str | None], None] | None = None


def _get(path: str, **params: Any) -> Callable[[TestClient, Blind], list[Any]]:
    return lambda client, b: [client.get(path.format(b=b), params=params)]


def _csrf(client: TestClient) -> str:
    """The value forms send: the run's, or on a team server the session's."""
    return getattr(client, "qualcode_csrf", None) or client.app.state.qualcode.settings.csrf


def _progress_is_own(blind: Blind, output: str, who: str | None) -> None:
    for row in json.loads(output):
        assert {p["coder"] for p in row["progress"]} <= ({who} if who else set())


def _counts_in_api(blind: Blind, output: str, who: str | None) -> None:
    counts = {row["name"]: row["codings"] for row in json.loads(output)}
    assert (counts["Respect"], counts["Trust"]) == ((0, 2) if who else (0, 0))


def _round_still_closed(blind: Blind) -> None:
    with blind.project.sessionmaker() as session:
        assert not round_is_open(session)  # only a lead opens it


def _own_rank_model(blind: Blind, output: str, who: str | None) -> None:
    """The codes ranked for a selection come from the asker's own model (A's two codings,
    never B's); nobody in particular is refused, and a team's viewer (no codings of their
    own while the round is closed) gets codes no model learnt."""
    from qualcode.models import Setting
    from qualcode.suggest import scope_for
    from qualcode.suggest.saved import SETTING_PREFIX

    if who is None:
        refused = "nobody said" in output or "who is coding" in output.lower()
        assert refused or {row["method"] for row in json.loads(output)} <= {None, "rules"}
        return
    assert json.loads(output)[0]["rank"] == 1
    with blind.project.sessionmaker() as session:
        scope = scope_for(session, who)
        assert scope.coder == who
        assert session.get(Setting, SETTING_PREFIX + scope.key).value["codings"] <= 2


EXPORT_FORMATS = ("html", "md", "csv", "xlsx", "docx")

WEB_TABLE: dict[tuple[str, str], Call] = {
    ("GET", "/api/openapi.json"): Call(_get("/api/openapi.json")),
    ("GET", "/api/me"): Call(_get("/api/me")),
    ("GET", "/api/documents"): Call(_get("/api/documents"), check=_progress_is_own),
    ("GET", "/api/documents/{document}"): Call(_get(f"/api/documents/{DOC_A}")),
    ("GET", "/api/documents/{document}/segments"): Call(_get(f"/api/documents/{DOC_A}/segments")),
    ("GET", "/api/documents/{document}/codings"): Call(
        _get(f"/api/documents/{DOC_B}/codings"), quotes=True
    ),
    ("GET", "/api/codes"): Call(_get("/api/codes"), check=_counts_in_api),
    ("GET", "/api/codings"): Call(_get("/api/codings"), quotes=True),
    ("POST", "/api/codings"): Call(
        lambda c, b: [c.post("/api/codings", json={"document": DOC_A, "start": 0, "end": 40,
                                                   "code": "Trust"})]  # fmt: skip
    ),
    ("GET", "/api/codings/{coding_id}"): Call(_get("/api/codings/{b.b_coding}")),
    ("PATCH", "/api/codings/{coding_id}"): Call(
        lambda c, b: [c.patch(f"/api/codings/{b.b_coding}", json={"code": "Trust", "memo": "x"})]
    ),
    ("DELETE", "/api/codings/{coding_id}"): Call(
        lambda c, b: [c.delete(f"/api/codings/{b.b_coding}")]
    ),
    ("POST", "/api/undo"): Call(lambda c, b: [c.post("/api/undo")]),
    ("GET", "/api/history"): Call(_get("/api/history"), quotes=True),
    ("GET", "/api/suggestions"): Call(_get("/api/suggestions", status="all"), quotes=True),
    ("POST", "/api/suggestions/{suggestion_id}/accept"): Call(
        lambda c, b: [c.post(f"/api/suggestions/{b.b.suggestion_id}/accept")]
    ),
    ("POST", "/api/suggestions/{suggestion_id}/reject"): Call(
        lambda c, b: [c.post(f"/api/suggestions/{b.b.suggestion_id}/reject")]
    ),
    ("GET", "/api/memos"): Call(_get("/api/memos"), quotes=True),
    ("POST", "/api/memos"): Call(
        lambda c, b: [c.post("/api/memos", json={"target_type": "coding", "target": b.b_coding,
                                                 "text": "A writes over B's memo"})]  # fmt: skip
    ),
    ("GET", "/api/agreement"): Call(_get("/api/agreement")),
    ("GET", "/api/adjudication"): Call(_get("/api/adjudication")),
    ("POST", "/api/adjudication/settle"): Call(
        lambda c, b: [c.post("/api/adjudication/settle", json={"key": "x", "choice": B})]
    ),
    ("POST", "/api/adjudication/agreed"): Call(lambda c, b: [c.post("/api/adjudication/agreed")]),
    ("GET", "/api/quotes"): Call(_get("/api/quotes"), quotes=True),
    ("GET", "/api/export"): Call(
        lambda c, b: [c.get("/api/export", params={"format": f}) for f in EXPORT_FORMATS],
        quotes=True,
    ),
    ("GET", "/"): Call(_get("/")),
    ("GET", "/coder"): Call(_get("/coder")),
    ("POST", "/coder"): Call(
        lambda c, b: [c.post("/coder", data={"name": A, "csrf": _csrf(c), "next": "/quotes"},
                             follow_redirects=False)]  # fmt: skip
    ),
    ("GET", "/documents"): Call(_get("/documents")),
    ("GET", "/documents/{document}"): Call(_get(f"/documents/{DOC_B}")),
    ("GET", "/quotes"): Call(_get("/quotes"), quotes=True),
    ("GET", "/agreement"): Call(_get("/agreement")),
    ("GET", "/agreement/report"): Call(_get("/agreement/report")),
    ("GET", "/adjudicate"): Call(_get("/adjudicate")),
    ("GET", "/review"): Call(_get("/review"), quotes=True),
    ("GET", "/api/review"): Call(_get("/api/review"), quotes=True),
    ("POST", "/api/review/{item}/place"): Call(
        lambda c, b: [c.post("/api/review/00000000/place", json={"candidate": 1})]
    ),
    ("POST", "/api/review/{item}/drop"): Call(lambda c, b: [c.post("/api/review/00000000/drop")]),
    ("POST", "/api/documents/{document}/correct"): Call(  # B's codings are there: refused
        lambda c, b: [c.post(f"/api/documents/{DOC_B}/correct",
                             json={"start": 0, "end": 0, "text": "A writes here. "})]
    ),  # fmt: skip
    ("POST", "/adjudicate/settle"): Call(
        lambda c, b: [c.post("/adjudicate/settle", data={"key": "x", "choice": B,
                                                         "csrf": _csrf(c)})]  # fmt: skip
    ),
    ("POST", "/adjudicate/agreed"): Call(
        lambda c, b: [c.post("/adjudicate/agreed", data={"csrf": _csrf(c)})]
    ),
    ("POST", "/adjudicate/reopen"): Call(
        lambda c, b: [c.post("/adjudicate/reopen", data={"key": "x", "csrf": _csrf(c)})]
    ),
    ("POST", "/round"): Call(
        lambda c, b: [c.post("/round", data={"action": "open", "csrf": _csrf(c)})],
        check=lambda b, output, who: _round_still_closed(b),
    ),
    ("MOUNT", "/static"): Call(_get("/static/qualcode.css")),
    ("POST", "/api/codebook"): Call(
        lambda c, b: [c.post("/api/codebook", json=DEFINE_RESPECT)],
    ),
    ("GET", "/api/search"): Call(
        _get("/api/search", q="the", code="Respect"), check=lambda b, out, who: _no_hits(out)
    ),
    ("POST", "/api/search/code"): Call(
        lambda c, b: [c.post("/api/search/code", json={"q": "the", "code": "Trust",
                                                       "filter_code": ["Respect"]})],  # fmt: skip
        check=lambda b, output, who: _no_hits(output),
    ),
    ("GET", "/search"): Call(_get("/search", q="the", code="Respect")),
    ("GET", "/memos"): Call(_get("/memos"), quotes=True),
    ("GET", "/api/documents/{document}/media"): Call(_get(f"/api/documents/{DOC_B}/media")),
    ("GET", "/api/documents/{document}/memos"): Call(
        _get(f"/api/documents/{DOC_B}/memos"), quotes=True
    ),
    ("GET", "/api/documents/{document}/rank"): Call(  # B's Respect passage, ranked for A
        _get(f"/api/documents/{DOC_B}/rank", start=0, end=400), check=_own_rank_model
    ),
    ("PATCH", "/api/memos/{memo_id}"): Call(
        lambda c, b: [c.patch(f"/api/memos/{_memo_of(b, B)}", json={"text": "A writes here"})]
    ),
}


def _memo_of(blind: Blind, name: str) -> str:
    """The id of the segment memo ``name`` wrote."""
    with blind.project.sessionmaker() as session:
        return str(session.scalars(
            select(Memo.id).join(Coder, Memo.coder_id == Coder.id)
            .where(Coder.name == name, Memo.target_type == "segment")
        ).one())  # fmt: skip


DEFINE_RESPECT = {"action": "define", "code": "Respect", "definition": "Taken seriously."}


def _no_hits(output: str) -> None:
    """Only B coded Respect: filtering by it finds nothing for anyone else (and nobody in
    particular codes nothing)."""
    answer = json.loads(output)
    assert answer in ({"total": 0, "hits": []}, {"coded": 0}) or "nobody said" in output, output


def web_routes(app: Any) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, pages and mounts included."""
    found = set()

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if hasattr(route, "original_router"):  # an included router
                walk(route.original_router.routes)
            elif hasattr(route, "routes") and not hasattr(route, "methods"):
                found.add(("MOUNT", route.path))
            else:
                found.update((m, route.path) for m in route.methods if m != "HEAD")

    walk(app.routes)
    return found


# --- the tests -----------------------------------------------------------------------------------


def test_every_command_and_route_is_in_the_tables(project):
    assert cli_commands() == set(CLI_TABLE), "add the new command to CLI_TABLE"
    app = create_app(project, WebSettings(token=TOKEN, coder=A))
    routes = web_routes(app)
    assert routes == set(WEB_TABLE), "add the new route to WEB_TABLE"
    documented = {(m.upper(), p) for p, ops in app.openapi()["paths"].items() for m in ops}
    assert documented <= routes  # the OpenAPI routes are among those enumerated


def _cli_output(blind: Blind, entry: Run, who: str | None) -> str:
    (blind.root / OUT).mkdir(exist_ok=True)
    result = CliRunner().invoke(
        cli, ["--project", str(blind.root), *entry.args(blind)],
        env={"QUALCODE_CODER": who, "QUALCODE_DB": None},  # as a coder sets it (README)
    )  # fmt: skip
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    texts = [result.output]
    texts += [readable(path.read_bytes()) for path in entry.files(blind) if path.is_file()]
    return "\n".join(texts)


def _web_output(blind: Blind, entry: Call, who: str | None) -> str:
    app = create_app(blind.project, WebSettings(token=TOKEN, coder=who))
    client = TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"})
    responses = entry.send(client, blind)
    for response in responses:
        assert response.status_code < 500, response.text
    return "\n".join(readable(response.content) for response in responses)


def _assert_blind(blind: Blind, output: str, *, quotes: bool, who: str | None) -> None:
    hidden = blind.b.markers(B, SECRET_B, quotes=quotes)
    if who is None:  # nobody said who: no coder's work at all
        hidden += blind.a.markers(A, SECRET_A, quotes=quotes)
    leaked = [marker for marker in hidden if marker in output]
    assert not leaked, f"{leaked} in {output[:2000]}"


@pytest.mark.parametrize("command", sorted(CLI_TABLE))
def test_a_blind_coder_sees_and_changes_only_their_own_work_in_the_cli(blind, command):
    entry = CLI_TABLE[command]
    if isinstance(entry, NotRun):
        pytest.skip(entry.reason)
    before = work_of(blind.project, B)
    output = _cli_output(blind, entry, A)
    _assert_blind(blind, output, quotes=entry.quotes, who=A)
    assert work_of(blind.project, B) == before
    if entry.check:
        entry.check(blind, output, A)


@pytest.mark.parametrize("command", sorted(CLI_TABLE))
def test_nobody_sees_any_coders_work_in_the_cli_while_the_round_is_closed(blind, command):
    entry = CLI_TABLE[command]
    if isinstance(entry, NotRun):
        pytest.skip(entry.reason)
    output = _cli_output(blind, entry, None)
    _assert_blind(blind, output, quotes=entry.quotes, who=None)
    if entry.check:
        entry.check(blind, output, None)


@pytest.mark.parametrize("route", sorted(WEB_TABLE), ids=" ".join)
def test_a_blind_coder_sees_and_changes_only_their_own_work_on_the_web(blind, route):
    entry = WEB_TABLE[route]
    before = work_of(blind.project, B)
    output = _web_output(blind, entry, A)
    _assert_blind(blind, output, quotes=entry.quotes, who=A)
    assert work_of(blind.project, B) == before
    if entry.check:
        entry.check(blind, output, A)


@pytest.mark.parametrize("route", sorted(WEB_TABLE), ids=" ".join)
def test_nobody_sees_any_coders_work_on_the_web_while_the_round_is_closed(blind, route):
    entry = WEB_TABLE[route]
    output = _web_output(blind, entry, None)
    _assert_blind(blind, output, quotes=entry.quotes, who=None)
    if entry.check:
        entry.check(blind, output, None)


# --- the rule itself, and what the tables cannot show ----------------------------------------


def _codings_as(blind: Blind, who: str | None) -> list[str]:
    result = CliRunner().invoke(
        cli, ["--project", str(blind.root), "codings", "--json"], env={"QUALCODE_CODER": who}
    )
    assert result.exit_code == 0, result.output
    return sorted({row["coder"] for row in json.loads(result.output)})


def test_everyone_sees_everyones_work_once_the_lead_opens_the_round(blind):
    assert (_codings_as(blind, A), _codings_as(blind, None)) == ([A], [])
    assert _codings_as(blind, LEAD) == sorted([A, B])
    with blind.project.transaction() as session:
        set_round(session, LEAD, open_=True)
    assert _codings_as(blind, A) == _codings_as(blind, None) == sorted([A, B])


def test_a_project_with_one_coder_hides_nothing_from_nobody_in_particular(example_project):
    with example_project.transaction() as session:
        code_segment(session, "area-1-mapping-workshop.md", 4, "Trust", "solo")
    result = CliRunner().invoke(cli, ["--project", str(example_project.root), "codings", "--json"],
                                env={"QUALCODE_CODER": None})  # fmt: skip
    assert [row["coder"] for row in json.loads(result.output)] == ["solo"]


def test_a_lead_splits_and_merges_every_coders_codings(blind):
    runner = CliRunner()
    env = {"QUALCODE_CODER": LEAD}
    root = ["--project", str(blind.root)]
    split = runner.invoke(cli, [*root, "codebook", "split", "Respect", "Trust", "--containing",
                                blind.b.quotes[0]], env=env)  # fmt: skip
    assert split.output == "1 coding(s) moved from Respect to Trust\n"
    merged = runner.invoke(cli, [*root, "codebook", "merge", "Respect", "Trust"], env=env)
    assert merged.output.startswith("2 coding(s) moved from Respect to Trust")


def test_a_coder_sees_the_leads_changes_to_their_codings_in_history(blind):
    with blind.project.transaction() as session:
        lead = get_coder(session, LEAD)
        recode(session, session.get_one(Coding, uuid.UUID(blind.a.coding_ids[0])), "Respect", lead)
    history = CliRunner().invoke(cli, ["--project", str(blind.root), "history", "--json"],
                                 env={"QUALCODE_CODER": A})  # fmt: skip
    entries = json.loads(history.output)
    assert entries[0]["coder"] == LEAD and entries[0]["code"] == "Respect"
    assert {entry["coder"] for entry in entries} == {A, LEAD}


def test_a_name_without_ascii_letters_is_remembered_by_the_browser(blind):
    app = create_app(blind.project, WebSettings(token=TOKEN))
    client = TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"})
    chosen = client.post("/coder", data={"name": A, "csrf": _csrf(client)}, follow_redirects=False)
    assert chosen.status_code == 303
    assert client.get("/api/me").json()["coder"] == A
    assert {row["coder"] for row in client.get("/api/codings").json()} == {A}


def test_coders_whose_names_have_no_ascii_letters_get_a_model_each(blind):
    folders = {}
    for who in (A, B):
        result = CliRunner().invoke(cli, ["--project", str(blind.root), "suggest", "--json"],
                                    env={"QUALCODE_CODER": who})  # fmt: skip
        assert result.exit_code == 0, result.output
        model = json.loads(result.output)["model"]
        folders[who] = model["path"]
        assert model["codings"] == len(work_of(blind.project, who)["codings"])
    assert folders[A] != folders[B]
    assert len(list((blind.root / ".qualcode" / "models").iterdir())) == 2


def _nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, but for the bodies of ``if TYPE_CHECKING:`` (never run)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *_nodes(child)])
            continue
        yield node
        yield from _nodes(node)


def _imports(path: Path, module: str, modules: set[str]) -> set[str]:
    """The qualcode modules ``module`` imports, at the top or inside functions
    (``from . import x`` imports the module x, not its package)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in _nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                found.add(name if (name := f"{base}.{alias.name}") in modules else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found & modules - {module}


def test_the_modules_of_coding_import_each_other_in_no_circle():
    """coding, queries, team, memos, visibility and lookup once imported each other round
    in a circle; now visibility and lookup sit below the others. No module outside
    qualcode.readers (whose registry and readers know each other by design) is in a cycle."""
    root = REPO / "qualcode"
    modules = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {name: _imports(path, name, set(modules)) for name, path in modules.items()}

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            here = todo.pop()
            for there in graph[here]:
                if there == goal:
                    return True
                if there not in seen:
                    seen.add(there)
                    todo.append(there)
        return False

    circles = [name for name in graph if not name.startswith("qualcode.readers")
               and reaches(name, name)]  # fmt: skip
    assert circles == []
