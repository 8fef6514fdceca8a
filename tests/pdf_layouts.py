"""PDFs written with fpdf2 in the layouts the PDF reader must cope with.

Each writer places every line itself (``FPDF.text`` at x, y), so a test knows exactly what
is on each page: running headers and footers, page numbers, words hyphenated at line ends,
two columns, and court-style transcripts with line numbers in the margin. Core fonts only
(no font files needed), so the text is Latin-1: :func:`latin` maps curly quotes and dashes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0  # A4, millimetres
_LATIN = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."})


def latin(text: str) -> str:
    """Text the core fonts can write (curly quotes and dashes made plain)."""
    return text.translate(_LATIN).encode("latin-1", "replace").decode("latin-1")


@dataclass
class Written:
    """A PDF written, and each body line with the page (from 1) it was put on."""

    path: Path
    lines: list[tuple[int, str]]


@dataclass
class Block:
    """A paragraph to typeset; ``heading`` ones are set larger and bold."""

    text: str
    heading: bool = False


class _Writer:
    """Puts lines on pages: columns, running header and footer, page numbers."""

    def __init__(
        self,
        *,
        columns: int = 1,
        header: str | None = None,
        footer: str | None = "Page {page}",
        size: float = 11,
        margin_numbers: bool = False,
        lines_per_page: int | None = None,
    ) -> None:
        self.pdf = FPDF(format="A4", unit="mm")
        self.pdf.set_auto_page_break(False)
        self.columns, self.header, self.footer = columns, header, footer
        self.size, self.margin_numbers = size, margin_numbers
        self.lines_per_page = lines_per_page
        self.leading = size * 0.3528 * 1.45  # points to mm, times line spacing
        left = 30.0 if margin_numbers else 20.0
        gutter = 10.0
        self.width = (PAGE_WIDTH - left - 20.0 - gutter * (columns - 1)) / columns
        self.lefts = [left + i * (self.width + gutter) for i in range(columns)]
        self.top, self.bottom = 30.0, PAGE_HEIGHT - 28.0
        self.column = 0
        self.number = 0
        self.lines: list[tuple[int, str]] = []
        self._new_page()

    def _new_page(self) -> None:
        self.pdf.add_page()
        page = self.pdf.page_no()
        self.pdf.set_font("Helvetica", size=8)
        if self.header:
            self.pdf.text(20, 14, latin(self.header))
        if self.footer:
            footer = self.footer.format(page=page)
            self.pdf.text((PAGE_WIDTH - self.pdf.get_string_width(footer)) / 2, 287, footer)
        self.column, self.y, self.number = 0, self.top, 0

    def _advance(self, height: float) -> None:
        full = self.y + height > self.bottom or (
            self.lines_per_page is not None and self.number >= self.lines_per_page
        )
        if full:
            if self.column + 1 < self.columns:
                self.column, self.y = self.column + 1, self.top
            else:
                self._new_page()

    def line(self, text: str, *, bold: bool = False, size: float | None = None) -> None:
        size = size or self.size
        height = size * 0.3528 * 1.45
        self._advance(height)
        self.pdf.set_font("Helvetica", "B" if bold else "", size)
        self.pdf.text(self.lefts[self.column], self.y + height * 0.7, text)
        self.lines.append((self.pdf.page_no(), text))
        self.number += 1
        if self.margin_numbers:
            self.pdf.set_font("Helvetica", size=8)
            self.pdf.text(18, self.y + height * 0.7, str(self.number))
        self.y += height

    def gap(self) -> None:
        if self.y > self.top:
            self.y += self.leading * 0.8

    def paragraph(self, text: str, *, hyphenate: bool, bold: bool = False, size: float = 0) -> None:
        size = size or self.size
        self.pdf.set_font("Helvetica", "B" if bold else "", size)
        for line in wrap(self.pdf, latin(text), self.width, hyphenate=hyphenate):
            self.line(line, bold=bold, size=size)

    def save(self, path: Path) -> Written:
        self.pdf.output(str(path))
        return Written(path, self.lines)


def wrap(pdf: FPDF, text: str, width: float, *, hyphenate: bool) -> list[str]:
    """Lines of at most ``width`` mm; with ``hyphenate``, a long word that does not fit is
    split at a hyphen, as typesetters do ("govern-" / "ment")."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if pdf.get_string_width(trial) <= width:
            current = trial
            continue
        if hyphenate and len(word) >= 8 and word.isalpha() and current:
            for cut in range(len(word) - 3, 3, -1):
                head = f"{current} {word[:cut]}-"
                if pdf.get_string_width(head) <= width:
                    lines.append(head)
                    current = word[cut:]
                    break
            else:
                lines.append(current)
                current = word
            continue
        if current:
            lines.append(current)
        current = word
    if current:
        lines.append(current)
    return lines


def report_pdf(
    path: Path,
    blocks: Iterable[Block],
    *,
    columns: int = 1,
    header: str | None = "Scoping review of council engagement, 2023",
    hyphenate: bool = True,
    title: str | None = None,
) -> Written:
    """A report: optional full-width title on page 1, then the blocks in ``columns``."""
    writer = _Writer(columns=1, header=header)
    if title:
        writer.paragraph(title, hyphenate=False, bold=True, size=16)
        writer.gap()
    if columns > 1:  # the columns start below the title
        top = writer.y
        writer.columns = columns
        writer.width = (PAGE_WIDTH - 40.0 - 10.0 * (columns - 1)) / columns
        writer.lefts = [20.0 + i * (writer.width + 10.0) for i in range(columns)]
        writer.top = top
    for block in blocks:
        if block.heading:
            writer.gap()
            writer.paragraph(block.text, hyphenate=False, bold=True, size=13)
        else:
            writer.paragraph(block.text, hyphenate=hyphenate)
        writer.gap()
    writer.top = 30.0
    return writer.save(path)


def transcript_pdf(
    path: Path, paragraphs: Iterable[str], *, header: str = "UK Covid-19 Inquiry  12 July 2023"
) -> Written:
    """A court transcript: 25 numbered lines a page, speaker labels where turns start,
    a running header and the page number at the foot. A paragraph written ``## Title`` is
    set as a heading."""
    writer = _Writer(header=header, footer="{page}", margin_numbers=True, lines_per_page=25)
    for text in paragraphs:
        if text.startswith("## "):
            writer.paragraph(text[3:], hyphenate=False, bold=True, size=13)
        else:
            writer.paragraph(text, hyphenate=False)
    return writer.save(path)


def scanned_pdf(path: Path, pages: int = 2) -> Path:
    """Pages that are only a picture (a scan): no text layer at all."""
    from PIL import Image

    image = Image.new("L", (200, 280), 255)
    for x in range(20, 180, 4):
        for y in range(30, 250, 9):
            image.putpixel((x, y), 0)
    pdf = FPDF(format="A4")
    for _ in range(pages):
        pdf.add_page()
        pdf.image(image, x=0, y=0, w=PAGE_WIDTH, h=PAGE_HEIGHT)
    pdf.output(str(path))
    return path


def half_scanned_pdf(path: Path, text: str) -> Path:
    """A page of text, then a page that is only a picture."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.text(20, 30, latin(text))
    text_only = path.with_name("text-" + path.name)
    pdf.output(str(text_only))
    scan = scanned_pdf(path.with_name("scan-" + path.name), pages=1)
    import pypdfium2 as pdfium

    joined, pictures = pdfium.PdfDocument(str(text_only)), pdfium.PdfDocument(str(scan))
    joined.import_pages(pictures)
    joined.save(str(path))
    joined.close()
    pictures.close()
    return path


def encrypted_pdf(path: Path) -> Path:
    """A report that opens only with a password."""
    pdf = FPDF(format="A4")
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.text(20, 30, "Confidential findings")
    pdf.output(str(path))
    return path
