"""Small helpers the tests share (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from qualcode.readers.base import Transcript, Turn


def write(path: Path, text: str) -> Path:
    """Write a UTF-8 file, making its folder; return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def lay_out(turns: list[tuple], name: str = "generated.txt") -> Transcript:
    """A transcript laid out as a reader would: ``(speaker, paragraphs, padded)`` speech
    turns (``padded`` keeps white space inside the spans) and ``("heading"|"note", text)``."""
    text, out = "", []
    for turn in turns:
        if turn[0] in ("heading", "note"):
            kind, body = turn
            start = len(text)
            text += body
            out.append(Turn(None, start, len(text), kind, paragraphs=[(start, len(text))]))
            text += "\n"
            continue
        speaker, paragraphs, padded = turn
        text += f"{speaker}: "
        start, spans = len(text), []
        for i, paragraph in enumerate(paragraphs):
            body = paragraph if padded else paragraph.strip()
            if i:
                text += "\n\n"
            spans.append((len(text), len(text) + len(body)))
            text += body
        out.append(Turn(speaker, start, len(text), paragraphs=spans))
        text += "\n"
    return Transcript(Path(name), text, out)
