"""Checks every reader test makes: the offsets of a Transcript are honest.

Use :func:`check_turns` on each transcript a test reads, then compare :func:`spoken`
with what the file says.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import InputError
from qualcode.readers import read_transcript
from qualcode.readers.base import Transcript

KINDS = {"speech", "heading", "note"}


def check_turns(transcript: Transcript) -> Transcript:
    """Assert the reader contract of ``qualcode.readers.base`` and return the transcript.

    Each turn's span is non-empty and stripped, turns are in text order and never overlap,
    paragraphs and cues lie inside their turn in order, speech does not start with its own
    label, headings and notes have no speaker, and every speaker is in ``speakers``.
    """
    text = transcript.text
    previous_end = 0
    for turn in transcript.turns:
        said = text[turn.start : turn.end]
        assert said and said == said.strip(), f"turn span not stripped: {said!r}"
        assert turn.start >= previous_end, f"turn overlaps the one before: {said[:40]!r}"
        previous_end = turn.end
        assert turn.kind in KINDS
        if turn.kind != "speech":
            assert turn.speaker is None
        if turn.speaker is not None:
            assert turn.speaker in transcript.speakers
            assert not said.startswith((f"{turn.speaker}:", "**", ":")), said[:40]
        _check_inside(text, turn.start, turn.end, turn.paragraphs, exact_cover=True)
        _check_inside(text, turn.start, turn.end, [(c.start, c.end) for c in turn.cues])
    return transcript


def _check_inside(
    text: str, start: int, end: int, spans: list[tuple[int, int]], exact_cover: bool = False
) -> None:
    if exact_cover:
        assert spans, "a turn lists its paragraphs"
        assert spans[0][0] == start and spans[-1][1] == end
    position = start
    for a, b in spans:
        assert position <= a < b <= end
        assert text[a:b] == text[a:b].strip()
        position = b


def spoken(transcript: Transcript) -> list[tuple[str | None, str]]:
    """(speaker or kind, text) for each turn: speech by speaker, "#" headings, "[]" notes."""
    marks = {"heading": "#", "note": "[]"}
    return [
        (
            turn.speaker if turn.kind == "speech" else marks[turn.kind],
            transcript.text[turn.start : turn.end],
        )
        for turn in transcript.turns
    ]


def paragraphs(transcript: Transcript, index: int) -> list[str]:
    """The paragraph texts of one turn."""
    turn = transcript.turns[index]
    return [transcript.text[a:b] for a, b in turn.paragraphs]


def write_text(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``folder/name`` in the given encoding, exactly (no newline changes)."""
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def error_of(path: Path) -> str:
    """The one-line error reading ``path`` gives, without the file name it starts with."""
    with pytest.raises(InputError) as caught:
        read_transcript(path)
    message = str(caught.value)
    assert "\n" not in message
    return message.removeprefix(f"{path}")
