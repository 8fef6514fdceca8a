"""pypdfium2 or pdfplumber for the PDF reader? Both read the same PDFs; speed and quality.

PDFs are written with the tests' layouts (tests/pdf_layouts.py) from the real transcripts in
../shared/sample-transcripts: a report in one column and one in two columns (running
header, page numbers, words hyphenated at line ends) and a court transcript with margin line
numbers. For each library's plain text (pypdfium2: ``get_text_range`` of each page,
pdfplumber: ``extract_text`` of each page) and for qualcode's reader, it prints the seconds,
the share of the source's words found in order (difflib over words, after taking out the
running header, page and line numbers, which no source word is), and how many words are
left split by a hyphen.

    .venv/bin/python bench/pdf_libraries.py
"""

from __future__ import annotations

import difflib
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from pdf_layouts import Block, latin, report_pdf, transcript_pdf  # noqa: E402

SAMPLES = ROOT.parent / "shared" / "sample-transcripts"


def pypdfium2_text(path: Path) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    document.close()
    return "\n".join(pages).replace("\ufffe", "-")


def pdfplumber_text(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(path) as document:
        return "\n".join(page.extract_text() or "" for page in document.pages)


def qualcode_text(path: Path) -> str:
    from qualcode.readers import read_transcript

    return read_transcript(path).text


def layouts(folder: Path) -> list[tuple[str, Path, list[str]]]:
    """(name, PDF, the source's words) for each layout."""
    panel = SAMPLES / "ukci-2023-07-12-local-government-associations-panel.txt"
    travellers = SAMPLES / "ukci-2025-01-16-traveller-movement.txt"
    said = [
        latin(p.split(": ", 1)[-1])
        for p in travellers.read_text(encoding="utf-8").split("\n\n")
        if p.strip() and not p.startswith(("#", "["))
    ]
    court = [latin(p) for p in panel.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    court = [p.removeprefix("## ") for p in court]
    made = []
    for columns in (1, 2):
        path = report_pdf(folder / f"report-{columns}.pdf", map(Block, said), columns=columns).path
        made.append((f"report, {columns} column(s)", path, " ".join(said).split()))
    path = transcript_pdf(folder / "court.pdf", court).path
    made.append(("court transcript", path, " ".join(court).split()))
    return made


def quality(source: list[str], text: str) -> tuple[float, int]:
    noise = {"Scoping", "review", "council", "engagement,", "2023", "Page", "UK", "Covid-19"}
    got = [w for w in text.split() if not w.isdigit() and w not in noise]
    want = [w for w in source if w not in noise]
    matcher = difflib.SequenceMatcher(None, want, got, autojunk=False)
    found = sum(block.size for block in matcher.get_matching_blocks())
    split = sum(1 for w in got if w.endswith("-") and w[:-1].isalpha())
    return found / len(want), split


def main() -> None:
    import pdfplumber  # noqa: F401  (each reader loaded before any timing)
    import pypdfium2  # noqa: F401

    import qualcode.readers  # noqa: F401

    readers: list[tuple[str, Callable[[Path], str]]] = [
        ("pypdfium2", pypdfium2_text),
        ("pdfplumber", pdfplumber_text),
        ("qualcode (pypdfium2 + layout)", qualcode_text),
    ]
    with tempfile.TemporaryDirectory(prefix="qualcode-bench-") as tmp:
        for name, path, source in layouts(Path(tmp)):
            print(f"{name}: {path.stat().st_size / 1024:.0f} KiB")
            for label, read in readers:
                started = time.perf_counter()
                text = read(path)
                seconds = time.perf_counter() - started
                share, split = quality(source, text)
                print(
                    f"  {label:30} {seconds:6.2f} s  words in order {share:6.1%}  "
                    f"split words {split}"
                )


if __name__ == "__main__":
    main()
