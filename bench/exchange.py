"""How fast are `export --format qdpx` and `import X.qdpx` on a large project, and how much
memory do they take?

Builds a project of ``--files`` generated transcripts (``--words`` words each, as
bench/import.py writes them), 60 codes in 6 themes, and ``--codings`` codings by three
coders on random sentence spans (a tenth with a memo); then times the export of the whole
project to a .qdpx, and its import into a fresh project (segmentation with spaCy
included), each in a process of its own so that its peak memory (max RSS) is its own.
CPU time (of the process and its spaCy worker) is printed beside wall time: on a machine
busy with other work it says what a quiet one would take.
Targets (issue 10): each direction under 30 s, under 1 GiB. The last line is JSON.

    .venv/bin/python bench/exchange.py                 # 300 files, 100,000 codings
    .venv/bin/python bench/exchange.py --files 30 --codings 5000
    .venv/bin/python bench/exchange.py --keep /tmp/ex   # build once, time again and again
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

TARGET_SECONDS = 30.0
TARGET_BYTES = 1 << 30


def build(root: Path, files: int, words: int, codings: int, seed: int) -> dict[str, int]:
    """The source project: transcripts imported, codebook synced, codings inserted."""
    from sqlalchemy import select

    from qualcode import import_files, init_project, load_codebook, sync_codebook
    from qualcode.importing import auto_workers
    from qualcode.models import Code, Coder, Coding, Segment

    generator = importlib.import_module("import")  # bench/import.py writes the transcripts
    folder = root / "transcripts"
    folder.mkdir(parents=True)
    generator.write_transcripts(folder, files, words, seed)
    themes = []
    for t in range(6):
        codes = "".join(
            f"      - name: Code {t}.{c}\n        definition: what code {t}.{c} means\n"
            for c in range(9)
        )
        themes.append(f"  - name: Theme {t}\n    description: theme {t}\n    codes:\n{codes}")
    (root / "codebook.yaml").write_text("title: Bench\nthemes:\n" + "".join(themes))
    rng = random.Random(seed)
    with init_project(root) as project:
        with project.transaction() as session:
            sync_codebook(session, load_codebook(root / "codebook.yaml"))
        report = import_files(project, [folder], workers=auto_workers(files))
        assert not report.failed, report.failed[0].message
        with project.transaction() as session:
            code_ids = list(session.scalars(select(Code.id)))
            coders = [Coder(id=uuid.uuid4(), name=n) for n in ("ana", "ben", "chidi")]
            session.add_all(coders)
            session.flush()
            segments = session.execute(
                select(Segment.id, Segment.document_id, Segment.start, Segment.end)
            ).all()
            rows, seen = [], set()
            while len(rows) < codings:
                seg_id, doc_id, start, end = rng.choice(segments)
                key = (doc_id, start, end, rng.choice(code_ids), rng.choice(coders).id)
                if key in seen:
                    continue
                seen.add(key)
                rows.append(
                    {
                        "id": uuid.uuid4(),
                        "document_id": doc_id,
                        "start": start,
                        "end": end,
                        "segment_id": seg_id,
                        "code_id": key[3],
                        "coder_id": key[4],
                        "origin": "manual",
                        "created_at": datetime.now(UTC),
                        "memo": f"memo {len(rows)}" if rng.random() < 0.1 else None,
                    }
                )
            session.execute(Coding.__table__.insert(), rows)
    return {"files": files, "codes": len(code_ids), "codings": len(rows)}


def step(kind: str, root: Path, qdpx: Path) -> None:
    """One direction, in this process: print seconds and peak RSS as JSON."""
    from qualcode import init_project, open_project

    began = time.perf_counter()
    if kind == "export":
        from qualcode.exchange import write_qdpx

        with open_project(root) as project:
            counts = write_qdpx(project, qdpx)
    else:
        from qualcode.exchange.qdpx_import import import_qdpx

        with init_project(root) as project:
            report = import_qdpx(project, qdpx)
            counts = {
                "documents": len(report.documents_added),
                "codings": report.codings_added,
                "unplaced": len(report.unplaced),
            }
    seconds = time.perf_counter() - began
    mine, workers = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    cpu = sum(u.ru_utime + u.ru_stime for u in (mine, workers))  # wall time on a quiet machine
    peak = mine.ru_maxrss * 1024  # Linux: kilobytes
    figures = {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "peak_bytes": peak}
    print(json.dumps({**figures, "worker_peak_bytes": workers.ru_maxrss * 1024, **counts}))


def run(kind: str, root: Path, qdpx: Path) -> dict:
    command = [sys.executable, __file__, "--step", kind, "--root", str(root), "--qdpx", str(qdpx)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--codings", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument(
        "--keep", type=Path, help="build the project in this folder once, and reuse it after"
    )
    parser.add_argument("--step", choices=("export", "import"), help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--qdpx", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        step(args.step, args.root, args.qdpx)
        return
    with tempfile.TemporaryDirectory(prefix="qualcode-bench-exchange-") as folder:
        source = (args.keep or Path(folder)) / "source"
        target, qdpx = Path(folder) / "target", Path(folder) / "x.qdpx"
        built_file = source / "built.json"
        if built_file.exists():
            built = json.loads(built_file.read_text())
        else:
            began = time.perf_counter()
            built = build(source, args.files, args.words, args.codings, args.seed)
            print(f"built {built} in {time.perf_counter() - began:.1f} s")
            built_file.write_text(json.dumps(built))
        exported = run("export", source, qdpx)
        imported = run("import", target, qdpx)
        size = qdpx.stat().st_size
    summary = {"project": built, "qdpx_bytes": size, "export": exported, "import": imported}
    for kind, figures in (("export", exported), ("import", imported)):
        within = figures["seconds"] < TARGET_SECONDS and figures["peak_bytes"] < TARGET_BYTES
        print(
            f"{kind}: {figures['seconds']:.1f} s ({figures['seconds'] / TARGET_SECONDS:.2f} of the "
            f"30 s target; CPU time {figures['cpu_seconds']:.1f} s, load average "
            f"{os.getloadavg()[0]:.1f}), peak {figures['peak_bytes'] / 2**20:.0f} MiB "
            f"({figures['peak_bytes'] / TARGET_BYTES:.2f} of 1 GiB): "
            + ("within target" if within else "OVER TARGET")
        )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
