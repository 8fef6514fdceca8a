"""What every reader returns: a transcript's stored text, its turns and its attributes.

A reader turns one file into a :class:`Transcript`. ``Transcript.text`` is what the
database stores; every offset below is a Python ``str`` index into it, so
``text[turn.start:turn.end]`` is exactly what the speaker said (no label, no time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass
class Cue:
    """A stretch of a turn whose time is known (a subtitle cue or a timed line)."""

    start: int
    end: int
    time_start: float | None
    time_end: float | None


@dataclass
class Turn:
    """One speaker's uninterrupted speech, or a heading / stage note of nobody's.

    ``start``/``end`` bound the spoken text only (labels and time stamps lie outside).
    ``paragraphs`` splits that span where the source had paragraph breaks; it always
    covers [start, end) in order. ``speaker`` is the canonical label (aliases resolved)
    and is ``None`` for headings and notes (``kind`` says which).
    """

    speaker: str | None
    start: int
    end: int
    kind: str = "speech"  # "speech" | "heading" | "note"
    time_start: float | None = None
    time_end: float | None = None
    paragraphs: list[tuple[int, int]] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)


@dataclass
class Transcript:
    """A file read into memory: stored text, turns, and what is known about it."""

    path: Path
    text: str
    turns: list[Turn]
    attributes: dict[str, Any] = field(default_factory=dict)
    speakers: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # e.g. "decoded as cp1252"
    # The file read, when ``path`` only names the document: a survey respondent's document
    # (``reps-R017.xlsx``) comes from the sheet (``reps.xlsx``).
    source: Path | None = None

    @property
    def origin(self) -> Path:
        """The file this transcript was read from."""
        return self.source or self.path


class Reader(Protocol):
    """One per file format; registered by suffix in ``qualcode.readers``.

    ``unlabelled_speaker`` names who speaks the paragraphs (or cues) that carry no speaker
    label; without it they continue the speaker before them.
    """

    suffixes: tuple[str, ...]

    def read(self, path: Path, *, unlabelled_speaker: str | None = None) -> Transcript: ...
