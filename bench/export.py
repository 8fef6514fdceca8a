"""How long do exports of 100,000 coded excerpts take, in HTML, Markdown and XLSX?

Builds a fresh SQLite project: the repository's codebook synced through the public API,
then documents, speakers, segments and codings *bulk-inserted* with
``session.execute(insert(Model), rows)`` (the import path has its own benchmark,
``bench/import.py``; going through spaCy here would only slow the set-up). Texts are
English-like turns ``Name: sentence. sentence.`` that mention speakers and places, and
the project has a ``redact.yaml``, so redaction does its real work. Each export is one
``render_export`` call, timed from the query to the closed file, and shows passages
(codings of one code that overlap or touch are merged, so there are fewer than codings).
The last line printed is a JSON summary.

    .venv/bin/python bench/export.py --excerpts 2000
    nohup .venv/bin/python bench/export.py > /tmp/bench_export.log 2>&1 &
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from qualcode import init_project, load_codebook, sync_codebook
from qualcode.export import render_export
from qualcode.models import Code, Coder, Coding, Document, Segment, Speaker
from qualcode.quotes import quotes

REPO = Path(__file__).resolve().parent.parent
PER_DOCUMENT = 100
FIRST = ["Jo", "Priya", "Dev", "Maureen", "Kelvin", "Ruth", "Osman", "Clare", "Nadia", "Yusuf"]
LAST = ["Okafor", "Bloggs", "Patel", "Marrowby", "Pennicott", "Ridd", "Starling", "Cottrell"]
PLACES = ["Meadowbank", "Sorrel Court", "Harrowfield", "Tanner Row", "Greyhill", "Ashby Vale"]
AGENCIES = ["community", "local authority", "housing association", "health agency", "school"]
METHODS = ["workshop", "interview", "facilitated conversation"]
VOCABULARY = """
the of and to a in that it is was we for on you be with as at have are this not but they
from or an there were one do all their has would will what if can when so more about up out
some could into than then council partnership housing school agency residents meeting
relationship trust funding worker chair officer plan money people area local community
table menu years time language results power confidence skills
"""
WORDS = VOCABULARY.split()
REDACT_YAML = """\
places:
  Meadowbank: "[Big Local area]"
  Sorrel Court: "[street]"
  Harrowfield: "[estate]"
  Tanner Row: "[street]"
  Greyhill: "[Big Local area]"
  Ashby Vale: "[Big Local area]"
organisations:
  - Greyhill Homes
  - Meadowbank Primary
"""


def sentence(rng: random.Random, names: list[str]) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 22))]
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), rng.choice(names + PLACES))
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


class Rows:
    """Rows for bulk inserts, with the integer ids a database would give."""

    def __init__(self, rng: random.Random, codes: list[uuid.UUID], coders: list[uuid.UUID]):
        self.rng, self.codes, self.coders = rng, codes, coders
        self.documents: list[dict] = []
        self.speakers: list[dict] = []
        self.segments: list[dict] = []
        self.codings: list[dict] = []

    def speaker(self, doc_id: uuid.UUID, label: str) -> int:
        agency = "researcher" if label == "Facilitator" else self.rng.choice(AGENCIES)
        attributes = {"role": f"{agency} member", "agency_type": agency}
        self.speakers.append({"id": len(self.speakers) + 1, "document_id": doc_id,
                              "label": label, "attributes": attributes})  # fmt: skip
        return len(self.speakers)

    def document(self, number: int, codings: int) -> None:
        """One transcript of 60 turns; ``codings`` of its segments coded (10% twice)."""
        rng, doc_id = self.rng, uuid.uuid4()
        people = ["Facilitator", *{f"{rng.choice(FIRST)} {rng.choice(LAST)}": 0 for _ in "abcd"}]
        ids = {label: self.speaker(doc_id, label) for label in people}
        parts: list[str] = []
        spans: list[tuple[int, int, int]] = []
        offset = 0
        for turn in range(60):
            label = people[turn % len(people)]
            prefix = f"[00:{turn:02d}:00] {label}: "
            parts.append(prefix)
            offset += len(prefix)
            for k in range(rng.randint(1, 4)):
                text = ("" if k == 0 else " ") + sentence(rng, people[1:])
                parts.append(text)
                start, offset = offset + (0 if k == 0 else 1), offset + len(text)
                self.segments.append({
                    "id": len(self.segments) + 1, "document_id": doc_id, "ordinal": len(spans) + 1,
                    "speaker_id": ids[label], "start": start, "end": offset,
                    "time_start": turn * 60.0, "time_end": turn * 60.0 + 59,
                })  # fmt: skip
                spans.append((len(self.segments), start, offset))
            parts.append("\n\n")
            offset += 2
        text = "".join(parts)
        area = f"Area {number % 150 + 1}"
        self.documents.append({
            "id": doc_id, "name": f"{area.lower().replace(' ', '-')}-doc-{number:05d}.md",
            "source_path": f"transcripts/doc-{number:05d}.md", "format": "md",
            "content_hash": uuid.uuid4().hex, "text": text, "word_count": len(text.split()),
            "attributes": {"title": f"Workshop {number}", "area": area,
                           "method": rng.choice(METHODS), "date": "2021-07-14"},
        })  # fmt: skip
        chosen = rng.sample(spans, min(len(spans), codings - codings // 10))
        chosen += rng.sample(chosen, codings - len(chosen))  # a second code on some
        made: set[tuple[int, uuid.UUID, uuid.UUID]] = set()
        for seg_id, start, end in chosen:
            code, coder = rng.choice(self.codes), rng.choice(self.coders)
            while (seg_id, code, coder) in made:  # a span has a code from a coder once
                code = rng.choice(self.codes)
            made.add((seg_id, code, coder))
            self.codings.append({
                "id": uuid.uuid4(), "document_id": doc_id, "start": start, "end": end,
                "segment_id": seg_id, "code_id": code, "coder_id": coder, "origin": "manual",
                "created_at": datetime.now(UTC),
            })  # fmt: skip


def build(root: Path, excerpts: int, seed: int = 7) -> None:
    """A project with ``excerpts`` codings, 100 per document, on segments of named turns."""
    project = init_project(root)
    (root / "redact.yaml").write_text(REDACT_YAML, encoding="utf-8")
    with project.transaction() as session:
        sync_codebook(session, load_codebook(REPO / "codebook.yaml"))
    with project.transaction() as session:
        codes = list(session.scalars(select(Code.id).where(Code.parent_id.is_not(None))))
        coders = [uuid.uuid4(), uuid.uuid4()]
        session.execute(insert(Coder), [{"id": c, "name": f"coder{i}"}
                                        for i, c in enumerate(coders, 1)])  # fmt: skip
        rows = Rows(random.Random(seed), codes, coders)
        for number, first in enumerate(range(0, excerpts, PER_DOCUMENT)):
            rows.document(number, min(PER_DOCUMENT, excerpts - first))
        session.execute(insert(Document), rows.documents)
        session.execute(insert(Speaker), rows.speakers)
        session.execute(insert(Segment), rows.segments)
        for i in range(0, len(rows.codings), 20000):
            session.execute(insert(Coding), rows.codings[i : i + 20000])
    project.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--excerpts", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="Build the project here and keep it.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp) / "bench"
        root.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        build(root, args.excerpts)
        built = time.perf_counter() - started
        print(f"built a project of {args.excerpts} coded excerpts in {built:.1f} s", flush=True)
        from qualcode import open_project

        results: dict[str, float | int] = {"excerpts": args.excerpts}
        cpus: dict[str, float] = {}
        load = os.getloadavg()[0]  # other work on the machine slows every figure below
        with open_project(root) as project:
            started = time.perf_counter()
            count = len(quotes(project))
            results["query_s"] = round(time.perf_counter() - started, 2)
            assert count == args.excerpts, count
            said: list[str] = []
            for fmt in ("html", "md", "xlsx"):
                started, cpu = time.perf_counter(), time.process_time()
                (path,) = render_export(project, fmt, out=root / "exports", report=said.append)
                results[f"{fmt}_s"] = round(time.perf_counter() - started, 2)
                cpus[f"{fmt}_cpu_s"] = round(time.process_time() - cpu, 2)
                size = path.stat().st_size / 1e6
                print(f"{fmt}: {results[f'{fmt}_s']} s ({cpus[f'{fmt}_cpu_s']} s of CPU), "
                      f"{size:.1f} MB", flush=True)  # fmt: skip
    # Exports show passages: codings of a code that overlap or touch are merged.
    results["passages"] = int(said[-1].rsplit("(", 1)[1].split()[0])
    results.update(cpus)  # CPU time: what the machine's other work cannot inflate much
    results["load_before"] = round(load, 2)
    print(json.dumps(results))


if __name__ == "__main__":
    sys.exit(main())
