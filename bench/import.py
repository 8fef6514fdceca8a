"""How fast does import run next to spaCy alone, and how much memory does it take?

Generates ``--files`` transcripts of ``--words`` words each (deterministic, English-
looking, ``Speaker: text`` turns with paragraphs), imports them into a fresh SQLite
project through the public API as ``qualcode import`` does, then runs the reference:
``nlp.pipe`` of the same pipeline, with the same pipes switched off, over the same
files. The import runs first and its peak memory is read before the reference runs,
so the reference cannot inflate it. The last line printed is a JSON summary.

``--pdf`` runs the PDF reader instead: ``--files`` PDFs of about 30 pages (reports in one
and two columns and court transcripts, written with fpdf2 from the same generated text;
``--distinct`` of them different, the rest copies), read with ``read_transcript`` as the
import does, against the reference of pypdfium2 alone taking each page's text from the same
files: open each file, load each page and its text page, take the page's whole text
(``get_text_range``), close them. The reader does that same work and, beyond it, asks PDFium
for the text boxes, some characters' boxes and font sizes, the page sizes and labels, then
lays the text out in Python. Each side runs three times, alternately, and the fastest run of
each counts (wall and CPU time, each with its ratio; the load average is printed beside them).

    .venv/bin/python bench/import.py --files 50 --words 2000
    .venv/bin/python bench/import.py --pdf --files 100
    nohup .venv/bin/python bench/import.py > /tmp/bench_import.log 2>&1 &
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from words import COMMON, vocabulary

from qualcode import import_files, init_project
from qualcode.importing import auto_workers
from qualcode.nlp import build_pipeline, segmentation_disabled

SPEAKERS = ["Facilitator", "Jo", "Priya", "Dev", "Maureen", "Kelvin", "Ms Okafor"]


def transcript_text(rng: random.Random, vocab: list[str], words: int) -> str:
    """``words`` words of turns and paragraphs; frequent words follow a Zipf-like curve."""
    weights = [1 / (rank + 1) for rank in range(len(vocab))]
    pool = rng.choices(vocab, weights, k=words)
    out: list[str] = []
    used = 0
    speaker = None
    while used < words:
        speaker = rng.choice([s for s in SPEAKERS if s != speaker])
        paragraphs = []
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            sentences = []
            for _ in range(rng.randint(1, 6)):
                if used >= words:
                    break
                n = min(rng.randint(4, 24), words - used)
                sentence = [
                    rng.choice(COMMON) if rng.random() < 0.45 else pool[used + i] for i in range(n)
                ]
                used += n
                for i in range(1, n - 1):
                    if rng.random() < 0.06:
                        sentence[i] += ","
                sentence[0] = sentence[0].capitalize()
                sentences.append(" ".join(sentence) + rng.choice(".....?!"))
            if sentences:
                paragraphs.append(" ".join(sentences))
        out.append(f"{speaker}: " + "\n\n".join(paragraphs))
    return "\n\n".join(out) + "\n"


def write_transcripts(folder: Path, files: int, words: int, seed: int) -> list[Path]:
    vocab = vocabulary(random.Random(seed))
    paths = []
    for index in range(files):
        path = folder / f"interview-{index:05d}.txt"
        path.write_text(transcript_text(random.Random(seed * 1_000_003 + index), vocab, words))
        paths.append(path)
    return paths


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_import(root: Path, folder: Path, workers: int) -> tuple[float, int, str]:
    """Import as the CLI does: open the project, call import_files once, close."""
    started = time.perf_counter()
    with init_project(root) as project:
        report = import_files(project, [folder], workers=workers)
        pipeline = project.settings()["pipeline"]
    seconds = time.perf_counter() - started
    if report.failed:
        raise SystemExit(f"import failed: {[r.message for r in report.failed[:3]]}")
    return seconds, sum(r.segments for r in report.results), pipeline


def run_reference(paths: list[Path], pipeline: str) -> tuple[float, int, list[str]]:
    """spaCy alone: the same pipeline and pipes, one Doc per file, read from disk.

    A new instance of the pipeline, so the reference starts as cold as the import did
    (no vocabulary or tokenizer cache left over from it).
    """
    nlp = build_pipeline(pipeline)
    disabled = segmentation_disabled(nlp)
    texts: Iterator[str] = (path.read_text(encoding="utf-8") for path in paths)
    started = time.perf_counter()
    tokens = 0
    for doc in nlp.pipe(texts, disable=disabled):
        tokens += len(doc)
    return time.perf_counter() - started, tokens, disabled


def write_pdfs(folder: Path, files: int, distinct: int, seed: int) -> list[Path]:
    """``distinct`` PDFs of about 30 pages in three layouts, copied up to ``files``."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from pdf_layouts import Block, report_pdf, transcript_pdf

    vocab = vocabulary(random.Random(seed))
    made = []
    for index in range(distinct):
        text = transcript_text(random.Random(seed * 7919 + index), vocab, 11_500)
        paragraphs = text.strip().split("\n\n")
        path = folder / f"source-{index:03d}.pdf"
        if index % 3 == 2:
            transcript_pdf(path, paragraphs[: len(paragraphs) // 2])
        else:
            body = [Block(p.split(": ", 1)[-1]) for p in paragraphs]
            report_pdf(path, body, columns=1 + index % 3, title=f"Report {index}")
        made.append(path)
    paths = list(made)
    for index in range(distinct, files):
        paths.append(folder / f"copy-{index:03d}.pdf")
        shutil.copy(made[index % distinct], paths[-1])
    return paths


def pdf_library_alone(paths: list[Path]) -> tuple[float, float, int]:
    """pypdfium2 by itself: open each file, take every page's text (wall and CPU seconds,
    characters)."""
    import pypdfium2 as pdfium

    started, cpu = time.perf_counter(), time.process_time()
    characters = 0
    for path in paths:
        document = pdfium.PdfDocument(str(path))
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            characters += len(textpage.get_text_range())
            textpage.close()
            page.close()
        document.close()
    return time.perf_counter() - started, time.process_time() - cpu, characters


def pdf_reader(paths: list[Path]) -> tuple[float, float, int]:
    """qualcode's reader: layout, pages, turns, as the import reads each file (wall and CPU
    seconds, pages)."""
    from qualcode.readers import read_transcript

    started, cpu = time.perf_counter(), time.process_time()
    pages = sum(read_transcript(path).attributes["pages"] for path in paths)
    return time.perf_counter() - started, time.process_time() - cpu, pages


def pdf_run(files: int, distinct: int, seed: int) -> None:
    with tempfile.TemporaryDirectory(prefix="qualcode-bench-") as tmp:
        started = time.perf_counter()
        paths = write_pdfs(Path(tmp), files, distinct, seed)
        seconds = time.perf_counter() - started
        print(f"generated {files} PDFs ({distinct} distinct) in {seconds:.1f} s")
        library_s = library_cpu = reader_s = reader_cpu = float("inf")
        for _ in range(3):
            seconds, cpu, characters = pdf_library_alone(paths)
            library_s, library_cpu = min(library_s, seconds), min(library_cpu, cpu)
            seconds, cpu, pages = pdf_reader(paths)
            reader_s, reader_cpu = min(reader_s, seconds), min(reader_cpu, cpu)
        print(
            f"pypdfium2 alone: {library_s:.2f} s ({library_cpu:.2f} s CPU) for {pages:,} pages "
            f"({characters:,} characters)"
        )
        print(
            f"qualcode PDF reader: {reader_s:.2f} s ({reader_cpu:.2f} s CPU), "
            f"{pages / reader_s:,.0f} pages/s"
        )
        ratio, cpu_ratio = reader_s / library_s, reader_cpu / library_cpu
        print(f"reader / library: wall {ratio:.2f}, CPU {cpu_ratio:.2f} (target <= 2)")
        load = os.getloadavg()[0]
        print(f"load average {load:.1f} on {os.cpu_count()} cores")
    summary = {
        "pdf_files": files,
        "pages": pages,
        "library_s": round(library_s, 2),
        "reader_s": round(reader_s, 2),
        "library_cpu_s": round(library_cpu, 2),
        "reader_cpu_s": round(reader_cpu, 2),
        "ratio": round(ratio, 3),
        "cpu_ratio": round(cpu_ratio, 3),
        "load": round(load, 1),
    }
    print(json.dumps(summary))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000, help="transcripts to generate")
    parser.add_argument("--words", type=int, default=9000, help="words per transcript")
    parser.add_argument("--seed", type=int, default=7, help="seed of the text generator")
    parser.add_argument("--pdf", action="store_true", help="time the PDF reader instead")
    parser.add_argument("--distinct", type=int, default=12, help="--pdf: PDFs not copies")
    args = parser.parse_args(argv)
    if args.pdf:
        pdf_run(args.files, min(args.distinct, args.files), args.seed)
        return

    with tempfile.TemporaryDirectory(prefix="qualcode-bench-") as tmp:
        folder = Path(tmp) / "transcripts"
        folder.mkdir()
        started = time.perf_counter()
        paths = write_transcripts(folder, args.files, args.words, args.seed)
        size = sum(p.stat().st_size for p in paths) / 2**20
        print(
            f"generated {args.files} files x {args.words} words ({size:.1f} MiB) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        words = args.files * args.words
        rss_before = peak_rss_mib()

        workers = auto_workers(args.files)
        import_s, segments, pipeline = run_import(Path(tmp) / "project", folder, workers)
        import_peak = peak_rss_mib()
        worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"import as the CLI runs it ({workers} spaCy worker process): {import_s:.1f} s, "
            f"{words / import_s:,.0f} words/s, {segments:,} segments, peak RSS "
            f"{import_peak:.0f} MiB (before import {rss_before:.0f} MiB), "
            f"worker peak RSS {worker_peak:.0f} MiB"
        )
        db = Path(tmp) / "project" / "qualcode.db"
        print(f"database: {db.stat().st_size / 2**20:.1f} MiB")
        single_s, _, _ = run_import(Path(tmp) / "project-single", folder, 0)
        print(
            f"import in one process (--workers 0): {single_s:.1f} s, "
            f"{words / single_s:,.0f} words/s"
        )

        reference_s, tokens, disabled = run_reference(paths, pipeline)
        reference_peak = peak_rss_mib()
        print(
            f"reference nlp.pipe ({pipeline}, disabled {disabled}): "
            f"{reference_s:.1f} s, {words / reference_s:,.0f} words/s, {tokens:,} tokens, "
            f"peak RSS so far {reference_peak:.0f} MiB"
        )
        ratio = reference_s / import_s
        print(
            f"import speed / reference speed = {ratio:.2f} (target >= 0.5); "
            f"in one process {reference_s / single_s:.2f}"
        )
    summary = {
        "files": args.files,
        "words": words,
        "import_words_per_s": round(words / import_s),
        "reference_words_per_s": round(words / reference_s),
        "ratio": round(ratio, 3),
        "workers": workers,
        "import_one_process_words_per_s": round(words / single_s),
        "ratio_one_process": round(reference_s / single_s, 3),
        "peak_rss_mib": round(import_peak, 1),
        "peak_rss_worker_mib": round(worker_peak, 1),
        "peak_rss_with_reference_mib": round(reference_peak, 1),
        "import_s": round(import_s, 2),
        "reference_s": round(reference_s, 2),
        "segments": segments,
    }
    print(json.dumps(summary))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
