"""Subtitle transcripts (.vtt WebVTT, .srt SubRip), as Teams, Zoom and Otter export them.

**Speakers** come from ``<v Jo Bloggs>`` voice spans (Teams) or a ``Jo Bloggs:`` prefix on the
cue text (Zoom, Otter), the prefix judged by the label rule of :mod:`qualcode.readers.text`.
A cue without a speaker continues the previous speaker; cues before any speaker form a
turn with ``speaker=None``. Consecutive cues of one speaker merge into one turn, keeping
each cue's time and span in ``turn.cues``.

**Whisper's word times** (``--word_timestamps True --highlight_words True``) come
as a cue per word that repeats its segment's text with that word underlined
(``Hello <u>there</u> my friend.``), and cues for the pauses between words without an
underline. Such a run of cues with one text is read as the segment once, with the time of
each underlined word kept as a cue of its own.

**Stored text**: one paragraph per turn, ``Speaker: cue text cue text``, turns separated by
a blank line. A cue's text is its lines joined by a space, with tags removed and entities
such as ``&amp;`` decoded; the label stays outside the turn span (turns of nobody have none).

We parse the format here rather than with webvtt-py: it is a handful of rules, and doing it
ourselves lets errors name the line (webvtt-py's do not, and it skips malformed cues
silently unless strict), keeps milliseconds, and handles two voices in one cue.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import InputError
from qualcode.readers.base import Cue, Transcript, Turn
from qualcode.readers.encoding import decode
from qualcode.readers.frontmatter import SpeakerBook
from qualcode.readers.text import LabelRule, match_label

_VTT_TIME = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_SRT_TIME = r"\d+:\d{1,2}:\d{2}[,.]\d{1,3}"
_VTT_TIMING = re.compile(rf"[ \t]*({_VTT_TIME})[ \t]+-->[ \t]+({_VTT_TIME})(?:[ \t].*)?")
_SRT_TIMING = re.compile(rf"[ \t]*({_SRT_TIME})[ \t]*-->[ \t]*({_SRT_TIME})(?:[ \t].*)?")
_VTT_HEADER = re.compile(r"WEBVTT(?:[ \t].*)?")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?[ \t]+([^>]*)>")
_TAG = re.compile(r"</?[^\s<>][^<>]*>")
_UNDERLINED = re.compile(r"<u>(.*?)</u>", re.DOTALL)


@dataclass
class _Piece:
    """A cue's text, or the part of it one voice speaks, with the cue's times."""

    voice: str | None
    text: str
    start: float
    end: float
    # timed words inside ``text`` (Whisper's underlined word): start, end, seconds
    words: list[tuple[int, int, float, float]] = field(default_factory=list)


def parse_timestamp(value: str) -> float:
    """Seconds in ``hh:mm:ss.ttt`` or ``mm:ss.ttt`` (SubRip writes a comma before the ms)."""
    seconds = 0.0
    for part in value.replace(",", ".").split(":"):
        seconds = seconds * 60 + float(part)
    return round(seconds, 3)


class SubtitleReader:
    """Reads .vtt and .srt files into turns with cue times."""

    suffixes: tuple[str, ...] = (".vtt", ".srt")

    def read(self, path: Path, *, unlabelled_speaker: str | None = None) -> Transcript:
        """Parse the cues, find their speakers, and merge runs of one speaker into turns.

        ``unlabelled_speaker`` speaks the cues that name nobody (by default they continue
        the speaker before them)."""
        text, note = decode(path, path.read_bytes())
        blocks = _blocks(text)
        if path.suffix.lower() == ".vtt":
            pieces = _vtt_pieces(path, blocks)
        else:
            pieces = _srt_pieces(path, blocks)
        if not pieces:
            raise InputError(path, "has no cues with text", hint="Check that it is the transcript")
        pieces = _whisper_segments(pieces)
        book = SpeakerBook()
        stored, turns = _turns(pieces, book, unlabelled_speaker)
        return Transcript(path, stored, turns, {}, book.speakers, [note] if note else [])


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    """Runs of non-blank lines, each line with its number in the file."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _vtt_pieces(path: Path, blocks: list[list[tuple[int, str]]]) -> list[_Piece]:
    number, first = blocks[0][0]
    if not _VTT_HEADER.fullmatch(first) or number != 1:
        raise InputError(
            path,
            "the first line is not WEBVTT",
            line=1,
            hint="A WebVTT file starts with a line reading WEBVTT; if this is a SubRip "
            "file (numbered cues), rename it to .srt",
        )
    for number, line in blocks[0][1:]:
        if "-->" in line:
            raise InputError(
                path,
                "cue starts inside the WEBVTT header",
                line=number,
                hint="Put a blank line between the header and the first cue",
            )
    pieces: list[_Piece] = []
    for block in blocks[1:]:
        if block[0][1].startswith(("NOTE", "STYLE", "REGION")) and "-->" not in block[0][1]:
            continue
        pieces.extend(_cue(path, block, _VTT_TIMING, "00:01:02.500 --> 00:01:05.000"))
    return pieces


def _srt_pieces(path: Path, blocks: list[list[tuple[int, str]]]) -> list[_Piece]:
    if blocks[0][0][1].startswith("WEBVTT"):
        raise InputError(path, "this is a WebVTT file", line=1, hint="Rename it to .vtt")
    pieces: list[_Piece] = []
    for block in blocks:
        if block[0][1].strip().isdigit():
            block = block[1:] or block
        pieces.extend(_cue(path, block, _SRT_TIMING, "00:01:02,500 --> 00:01:05,000"))
    return pieces


def _cue(
    path: Path, block: list[tuple[int, str]], timing: re.Pattern[str], example: str
) -> list[_Piece]:
    """The pieces of one cue block: an optional id line, the timing line, the text lines."""
    at = 0 if "-->" in block[0][1] or len(block) == 1 else 1
    number, line = block[at]
    if "-->" not in line:
        raise InputError(
            path,
            "cue has no timing line",
            line=block[0][0],
            hint=f"Each cue needs a line such as {example}, after an optional cue number or id; "
            "a blank line ends a cue",
        )
    found = timing.fullmatch(line)
    if not found:
        raise InputError(
            path,
            f'bad cue timing "{line.strip()}"',
            line=number,
            hint=f"Write it as start --> end, for example {example}",
        )
    start, end = parse_timestamp(found[1]), parse_timestamp(found[2])
    if end < start:
        raise InputError(
            path, "cue ends before it starts", line=number, hint="Swap or correct the two times"
        )
    payload = "\n".join(text for _, text in block[at + 1 :])
    pieces = [_Piece(voice, text, start, end) for voice, text in _voices(payload) if text]
    underlined = _UNDERLINED.search(payload)
    if underlined and len(pieces) == 1:
        before = _clean(payload[: underlined.start()])
        word = _clean(underlined[1])
        offset = len(before) + (1 if before and payload[underlined.start() - 1].isspace() else 0)
        if word and pieces[0].text[offset : offset + len(word)] == word:
            pieces[0].words.append((offset, offset + len(word), start, end))
    return pieces


def _whisper_segments(pieces: list[_Piece]) -> list[_Piece]:
    """Whisper's cues of one segment (its text repeated, a word underlined in each) as one
    piece, from the first cue's start to the last one's end, with the words' times."""
    if not any(piece.words for piece in pieces):
        return pieces
    merged: list[_Piece] = []
    for piece in pieces:
        last = merged[-1] if merged else None
        if last is not None and (last.text, last.voice) == (piece.text, piece.voice) and (
            not piece.words or not last.words or piece.words[0][0] > last.words[-1][0]
        ):  # the same segment, its underline moving on
            last.end = piece.end
            last.words += piece.words
        else:
            merged.append(_Piece(piece.voice, piece.text, piece.start, piece.end, piece.words))
    return merged


def _voices(payload: str) -> list[tuple[str | None, str]]:
    """Split cue text at ``<v Name>`` spans; text before the first one has no voice."""
    parts: list[tuple[str | None, str]] = []
    voice, position = None, 0
    for found in _VOICE.finditer(payload):
        parts.append((voice, _clean(payload[position : found.start()])))
        voice, position = " ".join(found[1].split()) or None, found.end()
    parts.append((voice, _clean(payload[position:])))
    return parts


def _clean(text: str) -> str:
    """Cue text without tags, entities decoded, lines joined by single spaces."""
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def _turns(
    pieces: list[_Piece], book: SpeakerBook, unlabelled: str | None = None
) -> tuple[str, list[Turn]]:
    """Stored text and merged turns; a piece without a speaker is ``unlabelled``'s, or
    continues the last one."""
    prefixes = [None if p.voice else match_label(p.text) for p in pieces]
    rule = LabelRule(book, (label.name for label in prefixes if label))
    parts: list[str] = []
    length = 0
    turns: list[Turn] = []
    speaker: str | None = None
    for piece, label in zip(pieces, prefixes, strict=True):
        text = piece.text
        if piece.voice:
            speaker = book.resolve(piece.voice)
        elif label and (accepted := rule.accept(label.name)):
            speaker, text = accepted, text[label.end :]
        elif unlabelled:
            speaker = book.resolve(unlabelled)
        if not text:
            continue
        if not turns or turns[-1].speaker != speaker:
            head = ("\n\n" if parts else "") + (f"{speaker}: " if speaker else "")
            parts.append(head)
            length += len(head)
            turns.append(Turn(speaker, length, length, time_start=piece.start))
        else:
            parts.append(" ")
            length += 1
        turn = turns[-1]
        cut = len(piece.text) - len(text)  # a label taken off the front
        words = [(a - cut, b - cut, t0, t1) for a, b, t0, t1 in piece.words if a >= cut]
        for a, b, t0, t1 in words or [(0, len(text), piece.start, piece.end)]:
            turn.cues.append(Cue(length + a, length + b, t0, t1))
        parts.append(text)
        length += len(text)
        turn.end, turn.time_end = length, piece.end
        turn.paragraphs = [(turn.start, turn.end)]
    return "".join(parts), turns
