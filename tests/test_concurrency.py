"""Eight writers at once, each a process of its own on a real database (a SQLite file, a
PostgreSQL server): the same coding sent eight times is stored once, a new coder's name
used by eight writers makes one coder, and every writer is answered without an error."""

from __future__ import annotations

import multiprocessing
import threading
import warnings

from sqlalchemy import func, select

from qualcode import open_project, queries
from qualcode.coding import apply_coding, code_segment
from qualcode.models import Coder, Coding, CodingLog
from qualcode.web import WebSettings, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx versions
    from fastapi.testclient import TestClient

WRITERS = 8
DOC = "area-1-mapping-workshop.md"
TOKEN = "t"


def _write(root, url, barrier, answers, ordinal, coder):
    """One writer: open the project, wait for the others, code ``ordinal`` as ``coder``."""
    try:
        with open_project(root, url) as project:
            segment = queries.segments(project, DOC).set_index("ordinal").loc[ordinal]
            barrier.wait(timeout=60)
            with project.transaction() as session:
                made = apply_coding(session, DOC, segment.start, segment.end, "Trust", coder)
                answers.put(("ok", str(made.id)))
    except Exception as error:  # noqa: BLE001  (the test reports what any writer met)
        answers.put(("error", f"{type(error).__name__}: {error}"))


def write_at_once(project, jobs: list[tuple[int, str]]) -> list[tuple[str, str]]:
    """Run one process per (segment ordinal, coder), all released together."""
    context = multiprocessing.get_context("fork")
    barrier, answers = context.Barrier(len(jobs)), context.Queue()
    workers = [
        context.Process(
            target=_write, args=(project.root, project.url, barrier, answers, ordinal, coder)
        )
        for ordinal, coder in jobs
    ]
    for worker in workers:
        worker.start()
    results = [answers.get(timeout=180) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    return results


def count(project, *what) -> int:
    with project.sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(*what))


def test_the_same_coding_sent_by_eight_writers_at_once_is_stored_once(small_project):
    with small_project.transaction() as session:
        code_segment(session, DOC, 2, "Respect", "ana")  # ana exists before the race
    results = write_at_once(small_project, [(3, "ana")] * WRITERS)
    assert [status for status, _ in results] == ["ok"] * WRITERS, results
    assert len({coding_id for _, coding_id in results}) == 1
    assert count(small_project, Coding) == 2
    with small_project.sessionmaker() as session:
        adds = session.scalar(
            select(func.count()).select_from(CodingLog).where(CodingLog.action == "add")
        )
    assert adds == 2  # one per coding stored, not one per writer


def test_a_new_coder_named_by_eight_writers_at_once_is_one_coder(small_project):
    results = write_at_once(small_project, [(ordinal, "newcomer") for ordinal in range(3, 11)])
    assert [status for status, _ in results] == ["ok"] * WRITERS, results
    assert count(small_project, Coder) == 1
    frame = queries.codings(small_project)
    assert sorted(frame.segment) == list(range(3, 11)) and set(frame.coder) == {"newcomer"}


def test_eight_browsers_coding_at_once_are_all_answered(small_project):
    """The web app: eight requests at once by a coder it has not met, half of them the
    same coding; every one gets its 201."""
    app = create_app(small_project, WebSettings(token=TOKEN))
    spans = queries.segments(small_project, DOC).set_index("ordinal")
    # The bodies are made before the threads start: pandas' lazy index is not thread-safe.
    bodies = [
        {"document": DOC, "start": int(spans.start[ordinal]), "end": int(spans.end[ordinal]),
         "code": "Trust"}
        for ordinal in (3 + i % 4 for i in range(WRITERS))
    ]  # fmt: skip
    barrier, answers = threading.Barrier(WRITERS), []

    def post(body: dict) -> None:
        headers = {"Authorization": f"Bearer {TOKEN}", "X-Qualcode-Coder": "li"}
        client = TestClient(app, headers=headers, raise_server_exceptions=False)
        barrier.wait(timeout=60)
        answers.append(client.post("/api/codings", json=body).status_code)

    threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert answers == [201] * WRITERS
    assert count(small_project, Coder) == 1 and count(small_project, Coding) == 4
