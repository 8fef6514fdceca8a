"""How fast is agreement: the statistic alone, and a whole project's report?

1. Statistics. A seeded coders × units matrix of category codes with a share of values
   missing (NaN); nominal alpha on that same matrix with
   ``qualcode.agreement.krippendorff_alpha`` and ``krippendorff.alpha``: one warm-up run
   each, then the median of ``--repeats`` runs, the two taking turns. The script fails
   if the alphas differ, so a fast wrong answer cannot pass. Target: ours / theirs <= 1.5.
2. Project. A fresh SQLite project of ``--documents`` transcripts with ``--segments``
   segments each, ``--codes`` codes in themes of ten (one theme exclusive), and
   ``--project-coders`` coders who each code every document assigned to them (one in ten
   documents goes to two coders only) from a shared "true" coding with noise: passages
   missed, passages added, span ends moved. The rows are bulk inserted
   (``session.execute(insert(Model), rows)``), not imported, so that building the project
   takes seconds; then ``reliability.agreement_table`` is timed (median of
   ``--report-repeats``) with ``--resamples`` bootstrap resamples (default 1,000) for the
   intervals of every alpha and kappa, and the coder × coder, consensus, confused-codes
   and coincidence tables. Target: under 20 s for 60 codes, 300 documents, 3 coders.

The last line printed is a JSON summary: ``ours_s``, ``krippendorff_s``, ``ratio``,
``report_s`` (wall), ``report_cpu_s`` (CPU time of this process: on a shared machine
the wall time grows with the load, the CPU time hardly) and the sizes.

    .venv/bin/python bench/agreement.py
    .venv/bin/python bench/agreement.py --coders 5 --units 100000 --missing 0.1 --documents 300
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np
from sqlalchemy import insert

from qualcode import init_project
from qualcode.agreement import krippendorff_alpha
from qualcode.models import Assignment, Code, Coder, Coding, Document, Segment, Speaker
from qualcode.project import Project
from qualcode.reliability import agreement_table

WORDS = (  # noqa: SIM905  (one string reads better than 39 quoted words)
    "the council partnership housing school agency residents meeting relationship trust "
    "funding worker chair officer plan money people area local community table menu years "
    "time we they said would could when about more what there their with from have been"
).split()


# --- 1. the statistic -----------------------------------------------------------------


def reliability_data(
    coders: int, units: int, categories: int, missing: float, seed: int
) -> np.ndarray:
    """Coders × units of codes 0..categories-1, each value missing with chance ``missing``."""
    rng = np.random.default_rng(seed)
    data = rng.integers(0, categories, size=(coders, units)).astype(float)
    data[rng.random(data.shape) < missing] = np.nan
    return data


def median_seconds(runs: list[Callable[[], Any]], repeats: int) -> list[tuple[float, Any]]:
    """Per run, (median wall time over ``repeats``, value), after one warm-up each.

    The runs take turns within each repeat, so a machine busy with other work slows
    them alike and the ratio stays fair.
    """
    values = [run() for run in runs]
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for run, taken in zip(runs, times, strict=True):
            start = time.perf_counter()
            run()
            taken.append(time.perf_counter() - start)
    return [(statistics.median(t), v) for t, v in zip(times, values, strict=True)]


def bench_statistics(args: argparse.Namespace) -> dict[str, Any]:
    data = reliability_data(args.coders, args.units, args.categories, args.missing, args.seed)
    (ours_s, ours), (theirs_s, theirs) = median_seconds(
        [
            lambda: krippendorff_alpha(data).value,
            lambda: float(
                krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
            ),
        ],
        args.repeats,
    )
    print(
        f"nominal alpha, {args.coders} coders × {args.units} units, "
        f"{args.missing:.0%} missing, {args.categories} categories (seed {args.seed})"
    )
    print(f"  qualcode      {ours_s * 1000:8.2f} ms  alpha = {ours:.12f}")
    print(f"  krippendorff  {theirs_s * 1000:8.2f} ms  alpha = {theirs:.12f}")
    print(f"  ratio (ours / theirs, median of {args.repeats}): {ours_s / theirs_s:.3f}")
    if abs(ours - theirs) > 1e-9:
        sys.exit(f"the two alphas differ: {ours!r} != {theirs!r}")
    return {
        "coders": args.coders,
        "units": args.units,
        "ours_s": round(ours_s, 6),
        "krippendorff_s": round(theirs_s, 6),
        "ratio": round(ours_s / theirs_s, 4),
    }


# --- 2. a project's report ------------------------------------------------------------


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 22))]
    return " ".join(words).capitalize() + "."


def build_project(root: Path, args: argparse.Namespace) -> tuple[Project, dict[str, int]]:
    """A project of generated transcripts, codes and noisy codings, bulk inserted."""
    rng = random.Random(args.seed)
    project = init_project(root)
    codes, themes = [], []
    for t in range((args.codes + 9) // 10):
        theme = {"id": uuid.uuid4(), "name": f"Theme {t + 1}", "slug": f"theme-{t + 1}",
                 "parent_id": None, "position": len(codes), "exclusive": t == 0}  # fmt: skip
        themes.append(theme)
        codes.append(theme)
        for k in range(min(10, args.codes - 10 * t)):
            codes.append({"id": uuid.uuid4(), "name": f"Code {t + 1}.{k + 1}",
                          "slug": f"code-{t + 1}-{k + 1}", "parent_id": theme["id"],
                          "position": len(codes), "exclusive": False})  # fmt: skip
    leaves = [c for c in codes if c["parent_id"] is not None]
    exclusive = [c["id"] for c in leaves if c["parent_id"] == themes[0]["id"]]
    coders = [{"id": uuid.uuid4(), "name": f"coder{k + 1}", "role": "coder"}
              for k in range(args.project_coders)]  # fmt: skip
    docs, speakers, segments, assignments, codings = [], [], [], [], []
    for d in range(args.documents):
        doc_id, lines, offset = uuid.uuid4(), [], 0
        names = [f"Speaker {k}" for k in range(4)]
        speaker_ids = [d * 4 + k + 1 for k in range(4)]
        speakers += [{"id": i, "document_id": doc_id, "label": n}
                     for i, n in zip(speaker_ids, names, strict=True)]  # fmt: skip
        spans = []
        for ordinal in range(1, args.segments + 1):
            who = rng.randrange(4)
            prefix = f"{names[who]}: "
            text = sentence(rng)
            start = offset + len(prefix)
            spans.append((start, start + len(text)))
            segments.append({"document_id": doc_id, "ordinal": ordinal, "start": start,
                             "end": start + len(text), "speaker_id": speaker_ids[who]})  # fmt: skip
            lines.append(prefix + text)
            offset += len(prefix) + len(text) + 1
        text = "\n".join(lines)
        docs.append({"id": doc_id, "name": f"doc-{d:04d}.txt", "source_path": f"doc-{d:04d}.txt",
                     "format": "txt", "content_hash": uuid.uuid4().hex, "text": text,
                     "word_count": len(text.split())})  # fmt: skip
        team = coders if d % 10 else rng.sample(coders, 2)
        assignments += [{"document_id": doc_id, "coder_id": c["id"]} for c in team]
        codings += noisy_codings(rng, doc_id, spans, leaves, exclusive, team, args)
    with project.transaction() as session:
        for model, rows in [
            (Code, codes),
            (Coder, coders),
            (Document, docs),
            (Speaker, speakers),
            (Segment, segments),
            (Assignment, assignments),
            (Coding, codings),
        ]:
            session.execute(insert(model), rows)  # fmt: skip
    sizes = {"documents": len(docs), "segments": len(segments), "codes": len(leaves),
             "coders": len(coders), "codings": len(codings)}  # fmt: skip
    return project, sizes


def noisy_codings(
    rng: random.Random,
    doc_id: uuid.UUID,
    spans: list[tuple[int, int]],
    leaves: list[dict[str, Any]],
    exclusive: list[uuid.UUID],
    team: list[dict[str, Any]],
    args: argparse.Namespace,
) -> list[dict[str, Any]]:
    """A shared "true" coding of the document, which each coder follows with mistakes."""
    truth = []
    for _ in range(args.passages):
        first = rng.randrange(len(spans))
        last = min(first + rng.choice((0, 0, 0, 1, 2)), len(spans) - 1)
        truth.append((rng.choice(leaves)["id"], first, last))
    rows, seen = [], set()  # the database keeps one coding per place, code and coder
    for coder in team:
        mine = [t for t in truth if rng.random() > args.miss]
        extra = int(args.passages * args.miss)
        mine += [(rng.choice(leaves)["id"], s, s) for s in rng.sample(range(len(spans)), extra)]
        for code_id, first, last in mine:
            if code_id in exclusive and rng.random() < 0.2:
                code_id = rng.choice(exclusive)  # the wrong type of relationship
            start, end = spans[first][0], spans[last][1]
            if rng.random() < 0.3:  # a sloppier selection: half the last sentence
                end = max(start + 1, end - (spans[last][1] - spans[last][0]) // 2)
            if (start, end, code_id, coder["id"]) in seen:
                continue
            seen.add((start, end, code_id, coder["id"]))
            rows.append({"id": uuid.uuid4(), "document_id": doc_id, "start": start, "end": end,
                         "segment_id": None, "code_id": code_id, "coder_id": coder["id"],
                         "origin": "import"})  # fmt: skip
    return rows


def bench_report(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        project, sizes = build_project(Path(folder), args)
        built = time.perf_counter() - start
        print(
            f"\nproject: {sizes['documents']} documents, {sizes['segments']} segments, "
            f"{sizes['codes']} codes, {sizes['coders']} coders, {sizes['codings']} codings "
            f"(bulk inserted with session.execute(insert(Model), rows) in {built:.1f} s)"
        )
        times, cpu = [], []
        for _ in range(args.report_repeats):
            start, used = time.perf_counter(), time.process_time()
            report = agreement_table(project, resamples=args.resamples, seed=args.seed)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - used)
        project.close()
    pooled = report.pooled
    median, median_cpu = statistics.median(times), statistics.median(cpu)
    print(
        f"  reliability.agreement_table, {args.resamples} bootstrap resamples: {median:.2f} s "
        f"wall, {median_cpu:.2f} s CPU (median of {args.report_repeats}; wall runs "
        f"{', '.join(f'{t:.2f}' for t in times)}; load average {os.getloadavg()[0]:.1f}); "
        f"target 20 s, ratio {median / 20:.2f}"
    )
    print(
        f"  pooled alpha 95% CI {pooled['alpha_low']:.3f} to {pooled['alpha_high']:.3f}, "
        f"kappa SE {pooled['kappa_se']:.4f}"
        if args.resamples
        else "  no intervals (--resamples 0)"
    )
    print(
        f"  pooled alpha {pooled['alpha']:.3f}, {report.kappa_statistic} {pooled['kappa']:.3f}, "
        f"median alpha per code {pooled['median_alpha']:.3f}, "
        f"{pooled['disagreements']} disagreements, {len(report.per_code)} variables"
    )
    return {
        "report_s": round(median, 4),
        "report_cpu_s": round(median_cpu, 4),
        "resamples": args.resamples,
        "report": sizes,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    stats = parser.add_argument_group("the statistic")
    stats.add_argument("--coders", type=int, default=5)
    stats.add_argument("--units", type=int, default=100_000)
    stats.add_argument("--categories", type=int, default=5)
    stats.add_argument("--missing", type=float, default=0.1, help="share of values missing")
    stats.add_argument("--repeats", type=int, default=5)
    report = parser.add_argument_group("the project report")
    report.add_argument("--documents", type=int, default=300)
    report.add_argument("--segments", type=int, default=100, help="segments per document")
    report.add_argument("--codes", type=int, default=60)
    report.add_argument("--project-coders", type=int, default=3)
    report.add_argument("--passages", type=int, default=40, help="true codings per document")
    report.add_argument("--miss", type=float, default=0.2, help="share a coder misses or adds")
    report.add_argument("--report-repeats", type=int, default=3)
    report.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    summary = bench_statistics(args) | bench_report(args)
    print(json.dumps(summary, separators=(",", ":")))


if __name__ == "__main__":
    main()
