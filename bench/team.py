"""A team server under load: 32 coders apply, recode and remove codings through the API
for 60 s, and now and then load a 2,000-segment transcript page; against PostgreSQL with
2 server workers, then SQLite with 1.

Each simulated coder waits 0 to 2 s (1 s on average) between actions, as a person does.
Prints, per database, the actions per second, p50 and p95 of applying a coding and of
loading the page (as the client sees them, in ms), with the ratio to the issue's targets
(p95 under 100 ms for a coding and 300 ms for the page), the CPU time the server
processes (and PostgreSQL's) spent per action once every coder had signed in (an Argon2
check each, not an action), the highest load average seen (the machine may be shared)
and the CPU time of a fixed Python loop run just before (the speed of a shared virtual
machine varies by up to half from one minute to the next, and the figures with it), then
checks that every
acknowledged write is in the database and none is doubled. The last line is JSON.

    .venv/bin/python bench/team.py [--coders 32] [--seconds 60] [--segments 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the load driver the concurrency tests share

from postgres import running_server, server_binaries  # noqa: E402
from team_load import build, check, cpu_seconds, percentiles, run, serving  # noqa: E402

TARGETS = {"apply": 100.0, "page": 300.0}


def speed_probe() -> float:
    """CPU seconds of the same ten million additions: how fast the machine is just now."""
    started, total = time.process_time(), 0
    for number in range(10_000_000):
        total += number
    return round(time.process_time() - started, 2)


def measure(label: str, url: str, root: Path, args: argparse.Namespace, workers: int,
            database_pid: int | None = None) -> dict:  # fmt: skip
    team = build(root, url, args.coders, args.segments)
    probe = speed_probe()
    with serving(team, workers=workers) as (base, server_pid):
        load, before = os.getloadavg()[0], []
        outcome = run(base, team, seconds=args.seconds, pause=args.pause,  # after the sign-ins
                      at_start=lambda: before.extend(map(cpu_seconds, (server_pid, database_pid))))
        after = (cpu_seconds(server_pid), cpu_seconds(database_pid))
        load = max(load, os.getloadavg()[0])
    check(team, outcome)
    apply, page = percentiles(outcome.apply_ms), percentiles(outcome.page_ms)
    per_action = [round((a - b) / max(outcome.actions, 1) * 1000, 1)
                  for a, b in zip(after, before, strict=True)]
    result = {
        "database": label, "workers": workers, "coders": args.coders,
        "actions_per_s": round(outcome.actions / args.seconds, 1),
        "apply_ms": apply, "page_ms": page, "statuses": outcome.statuses,
        "apply_p95_vs_target": round(apply["p95"] / TARGETS["apply"], 2),
        "page_p95_vs_target": round(page["p95"] / TARGETS["page"], 2),
        "server_cpu_ms_per_action": per_action[0], "database_cpu_ms_per_action": per_action[1],
        "load_average": round(load, 2), "speed_probe_s": probe,
    }  # fmt: skip
    print(f"{label} ({workers} worker(s), {args.coders} coders, {args.seconds:.0f} s): "
          f"{result['actions_per_s']} actions/s; apply p50 {apply['p50']} p95 {apply['p95']} ms "
          f"(x{result['apply_p95_vs_target']} of 100 ms); page p50 {page['p50']} p95 "
          f"{page['p95']} ms (x{result['page_p95_vs_target']} of 300 ms); CPU per action: "
          f"server {per_action[0]} ms, database {per_action[1]} ms; load average up to "
          f"{load:.1f}; speed probe {probe} s; every write present, none doubled, no 5xx",
          file=sys.stderr)  # fmt: skip
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coders", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--segments", type=int, default=2000)
    parser.add_argument("--pause", type=float, default=1.0, help="mean seconds between actions")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        if not args.skip_postgres and server_binaries() is not None:
            with running_server(durable=True) as server:  # each commit flushed to disk
                results.append(measure("postgresql", server.database(), Path(folder) / "pg",
                                       args, workers=2, database_pid=server.pid()))  # fmt: skip
        sqlite = Path(folder) / "sqlite"
        results.append(measure("sqlite", f"sqlite:///{sqlite / 'qualcode.db'}", sqlite, args,
                               workers=1))  # fmt: skip
    print(json.dumps(results))


if __name__ == "__main__":
    main()
