"""Simulated coders against a real team server: shared by tests/test_team_concurrency.py
and bench/team.py.

:func:`build` makes a team project (one generated transcript, the example codebook, a
lead and N coder accounts) on any database URL; :func:`serving` runs `qualcode serve
--team` on it in a process of its own; :func:`run` lets N coders, each in a thread with
its own session, apply, recode and remove codings (and now and then load the transcript
page) through the API for a while, with a pause between actions as a person makes; and
:func:`check` compares what the database holds with every acknowledged write.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select

from qualcode import init_project, load_codebook, queries, sync_codebook
from qualcode.accounts import users
from qualcode.importing import import_files
from qualcode.models import Coder, Coding

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "a long load password"
DOC = "load.md"
WORDS = [
    "council", "partnership", "residents", "trust", "funding", "meeting", "officer", "school",
    "housing", "health", "relationship", "community", "agency", "respect", "money", "plan",
]  # fmt: skip


@dataclass
class Team:
    root: Path
    url: str
    coders: list[str]
    segments: list[tuple[int, int]]
    codes: list[str]


def build(root: Path, url: str, coders: int, segments: int, seed: int = 7) -> Team:
    """A project with one transcript of ``segments`` sentences and ``coders`` accounts."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    turns = []
    for turn in range(segments // 2):
        said = " ".join(" ".join(rng.choices(WORDS, k=rng.randint(8, 16))).capitalize() + "."
                        for _ in range(2))  # fmt: skip
        turns.append(f"{'Q' if turn % 2 == 0 else 'A'}: {said}\n")
    (root / DOC).write_text("\n".join(turns), encoding="utf-8")
    names = [f"coder{k:02d}" for k in range(coders)]
    with init_project(root, url) as project:
        with project.transaction() as session:
            sync_codebook(session, load_codebook(REPO / "codebook.yaml"))
        report = import_files(project, [root / DOC])
        assert not report.failed, report.failed
        with project.transaction() as session:
            for name, role in [("lead", "lead"), *((n, "coder") for n in names)]:
                users.redeem(session, users.add_user(session, name, role, by="lead"), PASSWORD)
        rows = queries.segments(project, DOC)
        frame = queries.codes(project)
        exclusive = set(frame[frame.exclusive].name)
        leaves = [c.name for c in frame.itertuples()
                  if c.depth >= 1 and not c.exclusive and c.parent not in exclusive]  # fmt: skip
    spans = [(int(r.start), int(r.end)) for r in rows.itertuples()]
    return Team(root, url, names, spans, leaves)


@contextmanager
def team_server(
    root: Path, *options: str, db: str | None = None
) -> Iterator[tuple[str, subprocess.Popen, str]]:
    """`qualcode serve --team OPTIONS` in a process of its own: the line it printed first,
    the process, and the base URL of the port it bound."""
    where = ["--db", db] if db else []
    command = [sys.executable, "-m", "qualcode", "--project", str(root), *where, "serve",
               "--team", "--port", "0", "--no-browser", *options]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline().strip()
        line = ""
        while "serving" not in line:
            line = server.stderr.readline()
            assert line, "the server stopped"
        port = re.search(r":(\d+);", line)[1]
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                httpx.get(f"{base}/login", timeout=10)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield first, server, base
    finally:
        server.terminate()
        server.communicate(timeout=30)


@contextmanager
def serving(team: Team, workers: int = 1) -> Iterator[tuple[str, int]]:
    """A team server on the team's database; yields its base URL and process id."""
    with team_server(team.root, "--workers", str(workers), db=team.url) as (_, server, base):
        yield base, server.pid


@dataclass
class Outcome:
    """What the coders saw: statuses, times (ms) and what each holds by the server's word."""

    statuses: dict[int, int] = field(default_factory=dict)
    apply_ms: list[float] = field(default_factory=list)
    page_ms: list[float] = field(default_factory=list)
    held: dict[str, dict[str, str]] = field(default_factory=dict)  # coder -> coding id -> code
    trails: dict[str, list[str]] = field(default_factory=dict)  # coder -> their writes, in order
    actions: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, status: int) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.actions += 1
            if status >= 500:
                self.errors.append(str(status))


def _coder(base: str, team: Team, name: str, start: threading.Barrier, until: list[float],
           pause: float, seed: int, outcome: Outcome, document: str) -> None:  # fmt: skip
    rng = random.Random(seed)
    held: dict[str, str] = {}
    trail: list[str] = []
    client = httpx.Client(base_url=base, timeout=120)
    answer = client.post("/api/session", json={"name": name, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers["X-Qualcode-CSRF"] = answer.json()["csrf"]
    start.wait()  # everyone signed in: the clock starts now
    while time.perf_counter() < until[0]:
        time.sleep(rng.uniform(0, 2 * pause))
        roll = rng.random()
        if roll < 0.1:
            started = time.perf_counter()
            page = client.get(f"/documents/{document}")
            outcome.page_ms.append((time.perf_counter() - started) * 1000)
            outcome.count(page.status_code)
        elif roll < 0.25 and held:
            target = rng.choice(sorted(held))
            gone = client.delete(f"/api/codings/{target}")
            outcome.count(gone.status_code)
            trail.append(f"DELETE {target}: {gone.status_code}")
            if gone.status_code == 200:
                del held[target]
        elif roll < 0.4 and held:
            target, code = rng.choice(sorted(held)), rng.choice(team.codes)
            changed = client.patch(f"/api/codings/{target}", json={"code": code})
            outcome.count(changed.status_code)
            trail.append(f"PATCH {target} to {code}: {changed.status_code} {changed.text}")
            if changed.status_code == 200:  # the coding, or its twin that had that code
                kept = changed.json()
                del held[target]
                held[kept["id"]] = kept["code"]
        else:
            start, end = rng.choice(team.segments)
            body = {"document": DOC, "start": start, "end": end, "code": rng.choice(team.codes)}
            started = time.perf_counter()
            made = client.post("/api/codings", json=body)
            outcome.apply_ms.append((time.perf_counter() - started) * 1000)
            outcome.count(made.status_code)
            trail.append(f"POST {start}-{end} {body['code']}: {made.status_code} {made.text}")
            if made.status_code == 201:
                held[made.json()["id"]] = made.json()["code"]
    client.close()
    with outcome.lock:
        outcome.held[name] = held
        outcome.trails[name] = trail


def run(
    base: str, team: Team, seconds: float, pause: float = 0.5,
    at_start: Callable[[], None] = lambda: None,
) -> Outcome:  # fmt: skip
    """Every coder at once for ``seconds``; ``pause``: the mean wait between actions.
    ``at_start`` is called once every coder has signed in, just before the clock starts."""
    outcome = Outcome()
    lead = httpx.get(f"{base}/api/documents", timeout=60)  # 401: only to wake the server
    assert lead.status_code == 401
    until = [0.0]

    def clock() -> None:
        at_start()
        until[0] = time.perf_counter() + seconds

    start = threading.Barrier(len(team.coders), action=clock)
    threads = [threading.Thread(target=_coder, args=(base, team, name, start, until, pause, k,
                                                     outcome, DOC))  # fmt: skip
               for k, name in enumerate(team.coders)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def check(team: Team, outcome: Outcome) -> None:
    """Every acknowledged write is there, nothing else is, and no coding is doubled."""
    from qualcode import open_project

    assert outcome.errors == [], outcome.statuses
    with open_project(team.root, team.url) as project, project.sessionmaker() as session:
        for name in team.coders:
            stored = dict(session.execute(
                select(Coding.id, Coding.code_id).join(Coder, Coding.coder_id == Coder.id)
                .where(Coder.name == name)
            ).all())  # fmt: skip
            kept, acknowledged = {str(k) for k in stored}, set(outcome.held[name])
            wrong = kept ^ acknowledged
            assert not wrong, (
                f"{name}: stored but not acknowledged {sorted(kept - acknowledged)}, "
                f"acknowledged but not stored {sorted(acknowledged - kept)}; their writes:\n"
                + "\n".join(line for line in outcome.trails[name] if any(i in line for i in wrong))
            )
        doubled = session.execute(
            select(Coding.document_id, Coding.start, Coding.end, Coding.code_id, Coding.coder_id)
            .group_by(Coding.document_id, Coding.start, Coding.end, Coding.code_id,
                      Coding.coder_id).having(func.count() > 1)
        ).all()  # fmt: skip
        assert doubled == []


def cpu_seconds(pid: int | None) -> float:
    """CPU time (user + system) used so far by process ``pid`` and all it started, read
    from /proc (0 where there is no /proc, or no such process)."""
    if pid is None:
        return 0.0
    parents, used = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended meanwhile
            continue
        child = int(stat.parent.name)
        parents[child] = int(fields[1])
        used[child] = int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    tree, todo = set(), [pid]
    while todo:
        current = todo.pop()
        tree.add(current)
        todo.extend(p for p, parent in parents.items() if parent == current and p not in tree)
    return sum(used.get(p, 0) for p in tree) / os.sysconf("SC_CLK_TCK")


def percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times) or [float("nan")]
    return {"n": len(times), "p50": round(statistics.median(ordered), 1),
            "p95": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1)}  # fmt: skip
