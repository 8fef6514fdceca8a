"""How fast is a Word transcript read, next to the same words as a .txt file?

Writes one transcript of ``--words`` words (the generator of ``bench/import.py``) twice:
as ``Speaker: text`` plain text, and as a .docx made with python-docx the way a typist
would lay it out (a bold ``Name:`` run at the start of each turn, the words in a plain
run, a heading now and then). Times ``read_transcript`` on each, best of ``--repeat``,
and prints the ratio. The last line printed is a JSON summary.

    .venv/bin/python bench/docx_vs_txt.py --words 50000
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import tempfile
import time
from pathlib import Path

import docx
from words import vocabulary

from qualcode.readers import read_transcript

import_bench = importlib.import_module("import")  # bench/import.py, a keyword as a name


def write_docx(text: str, path: Path) -> None:
    """Each ``Name: words`` paragraph as a bold label run and a plain run."""
    document = docx.Document()
    for number, paragraph in enumerate(text.strip().split("\n\n")):
        if number % 200 == 0:
            document.add_heading(f"Part {number // 200 + 1}", level=2)
        name, sep, rest = paragraph.partition(": ")
        para = document.add_paragraph()
        if sep and name in import_bench.SPEAKERS:
            para.add_run(name + ":").bold = True
            para.add_run(" " + rest)
        else:
            para.add_run(paragraph)
    document.save(str(path))


def best_of(repeat: int, paths: list[Path]) -> list[tuple[float, int]]:
    """Fastest of ``repeat`` reads of each file, and its number of turns. The files are
    read in turn within each round, so a busy machine slows them alike."""
    times: list[list[float]] = [[] for _ in paths]
    turns = [0 for _ in paths]
    for _ in range(repeat):
        for index, path in enumerate(paths):
            started = time.perf_counter()
            transcript = read_transcript(path)
            times[index].append(time.perf_counter() - started)
            turns[index] = len(transcript.turns)
    return [(min(t), n) for t, n in zip(times, turns, strict=True)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=50_000, help="words in the transcript")
    parser.add_argument("--repeat", type=int, default=15, help="reads of each file; best counts")
    parser.add_argument("--seed", type=int, default=7, help="seed of the text generator")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    text = import_bench.transcript_text(rng, vocabulary(random.Random(args.seed)), args.words)
    with tempfile.TemporaryDirectory(prefix="qualcode-bench-") as tmp:
        txt, word = Path(tmp) / "t.txt", Path(tmp) / "t.docx"
        txt.write_text(text, encoding="utf-8")
        write_docx(text, word)
        (txt_s, txt_turns), (docx_s, docx_turns) = best_of(args.repeat, [txt, word])
        sizes = {p.suffix: p.stat().st_size / 2**10 for p in (txt, word)}
    ratio = docx_s / txt_s
    print(f".txt  {sizes['.txt']:,.0f} KiB: {txt_s * 1000:,.0f} ms, {txt_turns:,} turns")
    print(f".docx {sizes['.docx']:,.0f} KiB: {docx_s * 1000:,.0f} ms, {docx_turns:,} turns")
    print(f".docx read time / .txt read time = {ratio:.2f} (best of {args.repeat})")
    summary = {
        "words": args.words,
        "txt_ms": round(txt_s * 1000, 1),
        "docx_ms": round(docx_s * 1000, 1),
        "ratio": round(ratio, 2),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
