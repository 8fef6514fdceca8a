"""How fast the web app answers on a long transcript: rendering its page, applying a code;
and how fast search answers over many transcripts.

Builds a project with one transcript of 2,000 segments and 5,000 codings (bulk inserts),
then times, over 200 requests each, the server's time (its ``Server-Timing`` header) to
render the transcript page (its coding stripes are drawn by the browser from the same
data) and to apply one coding through the JSON API. Then builds 300 transcripts of
10,000 words (3 million words, sentences drawn from the example transcripts, bulk
inserts) and times ``GET /api/search`` (first page of 50 hits, best first, with the
count) for a few queries, after the search index is made once. The last line printed
is a JSON object. Targets: page under 200 ms, apply under 30 ms, search under 200 ms
(medians; the p90 is printed too). ``*_cpu_ms`` is the CPU time of the whole process per
request (server and test client: the server's share is less), which a busy machine
does not stretch as it stretches the server's wall time; ``load_average`` says how busy
the machine was.

    .venv/bin/python bench/web.py [--segments 2000] [--codings 5000] [--requests 200]
        [--transcripts 300] [--words 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path

from sqlalchemy import insert

from qualcode import init_project, load_codebook, queries, sync_codebook
from qualcode.coding import get_coder
from qualcode.importing import import_files
from qualcode.models import Coding
from qualcode.web import WebSettings, create_app
from qualcode.web.app import calm_garbage_collector

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parent.parent
TOKEN = "bench"
WORDS = [
    "council", "partnership", "residents", "trust", "funding", "meeting", "officer", "school",
    "housing", "health", "relationship", "community", "agency", "respect", "language", "money",
    "plan", "board", "volunteers", "estate",
]  # fmt: skip


def transcript(segments: int, rng: random.Random) -> str:
    """Turns of two sentences each, alternating speakers: two segments per turn."""
    lines = ["---", "title: Bench transcript", "area: Area 0", "method: interview", "---"]
    for turn in range(segments // 2):
        speaker = "Q" if turn % 2 == 0 else "A"
        sentences = [" ".join(rng.choices(WORDS, k=rng.randint(8, 18))).capitalize() + "."
                     for _ in range(2)]  # fmt: skip
        lines.append(f"{speaker}: {' '.join(sentences)}\n")
    return "\n".join(lines) + "\n"


def build(root: Path, segments: int, codings: int, rng: random.Random) -> tuple:
    project = init_project(root)
    with project.transaction() as session:
        sync_codebook(session, load_codebook(REPO / "codebook.yaml"))
    (root / "bench.md").write_text(transcript(segments, rng), encoding="utf-8")
    report = import_files(project, [root / "bench.md"])
    assert not report.failed, report.failed
    rows = queries.segments(project, "bench.md")
    codes = queries.codes(project)
    leaves = [c for c in codes.itertuples() if c.depth >= 1 and not c.exclusive]
    leaves = [c for c in leaves if not codes[codes.name == c.parent].exclusive.any()]
    with project.transaction() as session:
        coder = get_coder(session, "ana")
        doc_id = queries.find_document(session, "bench.md").id
        pairs = rng.sample(range(len(rows) * len(leaves)), codings)
        values = []
        for pair in pairs:
            seg = rows.iloc[pair % len(rows)]
            code = leaves[pair // len(rows)]
            values.append({
                "id": uuid.uuid4(), "document_id": doc_id, "start": int(seg.start),
                "end": int(seg.end), "segment_id": int(seg.id), "code_id": uuid.UUID(code.id),
                "coder_id": coder.id, "origin": "manual",
            })  # fmt: skip
        session.execute(insert(Coding), values)
    return project, rows, leaves


QUERIES = ["council trust", "funding", '"community centre"', "resid*", "housing association"]


def corpus(root: Path, transcripts: int, words: int, rng: random.Random) -> object:
    """A project of ``transcripts`` documents of about ``words`` words each, made of
    sentences from the example transcripts, inserted in bulk (no segmentation run)."""
    import hashlib
    import re

    from qualcode.models import Document, Segment

    sentences = [
        s.strip()
        for path in sorted((REPO / "transcripts").glob("*.md"))
        for s in re.split(r"(?<=[.?!])\s+", path.read_text(encoding="utf-8"))
        if 4 <= len(s.split()) <= 40 and ":" not in s and not s.startswith(("#", "-"))
    ]
    project = init_project(root)
    for first in range(0, transcripts, 50):
        documents, segments = [], []
        for n in range(first, min(first + 50, transcripts)):
            doc_id, parts, spans, count = uuid.uuid4(), [], [], 0
            position = 0
            while count < words:
                sentence = rng.choice(sentences)
                spans.append((position, position + len(sentence)))
                parts.append(sentence)
                position += len(sentence) + 1
                count += len(sentence.split())
            text = " ".join(parts)
            documents.append({
                "id": doc_id, "name": f"t{n:04d}.txt", "source_path": f"t{n:04d}.txt",
                "format": "txt", "content_hash": hashlib.sha256(text.encode()).hexdigest(),
                "text": text, "word_count": count, "attributes": {"area": f"Area {n % 7}"},
            })  # fmt: skip
            segments.extend(
                {"document_id": doc_id, "ordinal": k + 1, "start": a, "end": b}
                for k, (a, b) in enumerate(spans)
            )
        with project.transaction() as session:
            session.execute(insert(Document), documents)
            session.execute(insert(Segment), segments)
    return project


def search_figures(args: argparse.Namespace, rng: random.Random) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        project = corpus(Path(folder), args.transcripts, args.words, rng)
        words = int(queries.documents(project)["words"].sum())
        print(f"built {args.transcripts} transcripts, {words} words in "
              f"{time.perf_counter() - started:.1f}s", file=sys.stderr)  # fmt: skip
        client = TestClient(
            create_app(project, WebSettings(token=TOKEN, coder="ana")),
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        started = time.perf_counter()
        first = client.get("/api/search", params={"q": "trust"})
        index_s = time.perf_counter() - started
        assert first.status_code == 200, first.text
        times, cpu, hits = [], [], {}
        for _ in range(max(1, args.requests // len(QUERIES))):
            for query in QUERIES:
                c0 = time.process_time()
                response = client.get("/api/search", params={"q": query})
                cpu.append((time.process_time() - c0) * 1000)
                times.append(server_ms(response))
                hits[query] = response.json()["total"]
        project.close()
    return {
        "search_transcripts": args.transcripts,
        "search_words": words,
        "search_index_s": round(index_s, 1),
        "search_hits": hits,
        "search_ms": summary(times),
        "search_cpu_ms": summary(cpu),
        "search_target_ms": 200,
    }


def server_ms(response) -> float:
    header = response.headers["server-timing"]
    return float(header.split("dur=")[1])


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median": round(statistics.median(ordered), 2),
        "p90": round(ordered[int(len(ordered) * 0.9) - 1], 2),
        "max": round(ordered[-1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=2000)
    parser.add_argument("--codings", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--transcripts", type=int, default=300)
    parser.add_argument("--words", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        project, rows, leaves = build(Path(folder), args.segments, args.codings, rng)
        print(f"built {len(rows)} segments, {args.codings} codings in "
              f"{time.perf_counter() - started:.1f}s", file=sys.stderr)  # fmt: skip
        app = create_app(project, WebSettings(token=TOKEN, coder="ana"))
        client = TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"})
        calm_garbage_collector()  # as `qualcode serve` does before it serves
        doc = client.get("/api/documents").json()[0]["id"]
        page, apply, wall, cpu = [], [], [], []
        for _ in range(args.requests):
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(f"/documents/{doc}")
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            assert response.status_code == 200
            page.append(server_ms(response))
        for k in range(args.requests):
            seg = rows.iloc[(k * 7) % len(rows)]
            start = int(seg.start) + 1 + k % 5
            body = {"document": doc, "start": start, "end": int(seg.end), "code": leaves[0].id}
            response = client.post("/api/codings", json=body)
            assert response.status_code == 201, response.text
            apply.append(server_ms(response))
        size = len(client.get(f"/documents/{doc}").content)
        project.close()
    result = {
        "segments": len(rows),
        "codings": args.codings,
        "requests": args.requests,
        "page_ms": summary(page),
        "page_wall_ms": summary(wall),
        "page_cpu_ms": summary(cpu),
        "page_bytes": size,
        "apply_ms": summary(apply),
        "page_target_ms": 200,
        "apply_target_ms": 30,
    }
    result |= search_figures(args, rng)
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    result["ok"] = (
        statistics.median(page) < 200 and statistics.median(apply) < 30
        and result["search_ms"]["median"] < 200
    )  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
