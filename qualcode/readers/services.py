"""What transcription services write: Whisper, Otter.ai, Rev, Zoom, Teams, Descript.

Already read by the other readers: Whisper's, Zoom's, Teams' and Descript's .vtt and .srt
(:mod:`qualcode.readers.subtitles`; Teams' ``<v Name>`` voices, Zoom's ``Name:`` prefixes),
and Descript's text export (``[00:01:02] Name: text``, :mod:`qualcode.readers.text`).

Read here:

- **Whisper JSON** (``.json``, ``whisper --output_format json``, and WhisperX's, which adds a
  ``speaker`` to each segment): one cue per segment and, where the segment lists its
  ``words`` with times, one cue per word, so each segment of qualcode gets the time of its
  own words. Without speakers, the segments are one turn (or ``unlabelled_speaker``'s).
- **Whisper TSV** (``.tsv``): ``start``, ``end`` (milliseconds) and ``text`` columns, and a
  ``speaker`` column where there is one.
- **Rev JSON** (``.json`` with ``monologues``): one turn per monologue, its speaker named by
  ``speaker_name`` or "Speaker N", one cue per timed word.
- **Speaker blocks** in ``.txt`` and ``.docx``: a line with a name and a time, then what
  was said, as Otter.ai (``Speaker 1  0:05``), Teams (``Jo Bloggs   1:02:03``) and Zoom
  (``[Jo Bloggs] 10:15:03``) write them, and Teams' older form (a ``00:00:01.000 -->
  00:00:05.000`` line, then the name, then the words). A file that is not in this layout is
  read by the usual text or Word reader.

The stored text is one paragraph per turn, ``Name: words``, as for subtitles; a service's
"Speaker 1" becomes a real name through the ``name`` column of ``speakers.csv``
(:func:`apply_speaker_names`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from qualcode.errors import InputError
from qualcode.readers.base import Cue, Transcript, Turn
from qualcode.readers.docx import DocxReader
from qualcode.readers.encoding import decode
from qualcode.readers.frontmatter import SpeakerBook
from qualcode.readers.subtitles import _Piece, _turns, parse_timestamp
from qualcode.readers.text import TextReader

_CLOCK = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?"
_NAME_TIME = re.compile(rf"(?P<name>[^\W\d_][^\n:]{{0,60}}?)[ \t]{{2,}}(?P<time>{_CLOCK})[ \t]*")
_BRACKET_NAME_TIME = re.compile(rf"\[(?P<name>[^\]\n]{{1,60}})\][ \t]+(?P<time>{_CLOCK})[ \t]*")
_TEAMS_TIMING = re.compile(rf"(?P<time>{_CLOCK})[ \t]*-->[ \t]*(?P<end>{_CLOCK})[ \t]*")
_JSON_HINT = "qualcode reads Whisper's and Rev's JSON; export the transcript in one of those forms"
NAME_COLUMN = "name"  # speakers.csv: the real name behind a service's "Speaker 1"


def apply_speaker_names(transcript: Transcript) -> Transcript:
    """Rename speakers whose attributes (from ``speakers.csv``) give a ``name``: the turns
    and the speaker take the name; the label the file used is kept as ``label``."""
    renamed: dict[str, str] = {}
    speakers: dict[str, dict[str, Any]] = {}
    for label, attributes in transcript.speakers.items():
        name = " ".join(str(attributes.get(NAME_COLUMN) or "").split())
        if name and name != label:
            others = {k: v for k, v in attributes.items() if k != NAME_COLUMN}
            speakers[name] = {**speakers.get(name, {}), **others, "label": label}
            renamed[label] = name
        else:
            speakers[label] = {**speakers.get(label, {}), **attributes}
    if renamed:
        for turn in transcript.turns:
            if turn.speaker in renamed:
                turn.speaker = renamed[turn.speaker]
        transcript.speakers = speakers
    return transcript


class JsonTranscriptReader:
    """Reads Whisper (and WhisperX) and Rev JSON transcripts."""

    suffixes: tuple[str, ...] = (".json",)

    def read(self, path: Path, *, unlabelled_speaker: str | None = None) -> Transcript:
        """Parse the JSON, then its segments (Whisper) or monologues (Rev)."""
        text, note = decode(path, path.read_bytes())
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(
                path, f"is not valid JSON ({error.msg})", line=error.lineno, hint=_JSON_HINT
            ) from None
        if isinstance(data, dict) and isinstance(data.get("monologues"), list):
            pieces, words = _rev(path, data["monologues"])
        elif isinstance(data, dict) and isinstance(data.get("segments"), list):
            pieces, words = _whisper(path, data["segments"])
        else:
            raise InputError(path, "is neither a Whisper nor a Rev transcript", hint=_JSON_HINT)
        return _transcript(path, pieces, words, unlabelled_speaker, note)


class WhisperTsvReader:
    """Reads Whisper's .tsv output: start and end in milliseconds, then the text."""

    suffixes: tuple[str, ...] = (".tsv",)

    def read(self, path: Path, *, unlabelled_speaker: str | None = None) -> Transcript:
        """One cue per row; a ``speaker`` column gives each row its speaker."""
        text, note = decode(path, path.read_bytes(), table=True)
        rows = csv.reader(io.StringIO(text, newline=""), delimiter="\t")
        header = [h.strip().casefold() for h in next(rows)]
        if not {"start", "end", "text"} <= set(header):
            raise InputError(
                path, "has no start, end and text columns", line=1,
                hint="Whisper's .tsv starts with the line: start<TAB>end<TAB>text",
            )  # fmt: skip
        pieces = []
        for cells in rows:
            row = dict(zip(header, cells, strict=False))
            try:
                start, end = float(row["start"]) / 1000, float(row["end"]) / 1000
            except (KeyError, ValueError):
                raise InputError(
                    path, "start and end must be milliseconds", line=rows.line_num,
                    hint="Give each row its times as whole numbers, as Whisper writes them",
                ) from None  # fmt: skip
            voice = " ".join((row.get("speaker") or "").split()) or None
            pieces.append(_Piece(voice, " ".join(row.get("text", "").split()), start, end))
        return _transcript(path, pieces, [None] * len(pieces), unlabelled_speaker, note)


class ServiceTextReader:
    """Plain-text transcripts: speaker blocks as the services write them, else the usual
    text rules (:class:`~qualcode.readers.text.TextReader`)."""

    suffixes: tuple[str, ...] = TextReader.suffixes

    def read(self, path: Path, *, unlabelled_speaker: str | None = None) -> Transcript:
        """Speaker blocks when the file is laid out in them, else the text reader's turns."""
        if path.suffix.lower() == ".txt" and _opens_a_block(path):
            text, note = decode(path, path.read_bytes())
            pieces = speaker_blocks(text)
            if pieces:
                return _transcript(path, pieces, [None] * len(pieces), unlabelled_speaker, note)
        return TextReader().read(path, unlabelled_speaker=unlabelled_speaker)


class ServiceDocxReader:
    """Word transcripts: speaker blocks as Otter and Teams write them, else the Word rules."""

    suffixes: tuple[str, ...] = DocxReader.suffixes

    def read(self, path: Path, *, unlabelled_speaker: str | None = None) -> Transcript:
        """The Word reader's text, read again as speaker blocks when it is laid out in them."""
        transcript = DocxReader().read(path, unlabelled_speaker=unlabelled_speaker)
        pieces = speaker_blocks(transcript.text)
        if not pieces:
            return transcript
        blocks = _transcript(path, pieces, [None] * len(pieces), unlabelled_speaker, None)
        blocks.attributes = transcript.attributes
        return blocks


def _opens_a_block(path: Path) -> bool:
    """Whether the file's first line could head a speaker block (read from its first bytes
    only, so that other transcripts are not decoded twice)."""
    with path.open("rb") as file:
        start = file.read(1024)
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if start.startswith(bom):
            start = start[len(bom) :].decode(codec, "ignore").encode("utf-8")
    first = start.decode("utf-8", "ignore").lstrip("\ufeff \t\r\n").split("\n", 1)[0]
    first = first.strip()
    return _block_header([first]) is not None or bool(_TEAMS_TIMING.fullmatch(first))


def speaker_blocks(text: str) -> list[_Piece]:
    """The pieces of a text laid out in speaker blocks, or [] when it is not (every
    paragraph must be a block, and there must be two at least)."""
    first = text.lstrip().split("\n", 1)[0].strip()
    if _block_header([first]) is None and not _TEAMS_TIMING.fullmatch(first):
        return []  # a file in blocks opens with one; most transcripts are told apart here
    pieces: list[_Piece] = []
    paragraphs = [p.strip() for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
    name: str | None = None
    time: float | None = None
    for paragraph in paragraphs:
        lines = [line.strip() for line in paragraph.split("\n")]
        header = _block_header(lines)
        if header is not None:
            name, time, used = header
            lines = lines[used:]
        elif name is None:
            return []
        words = " ".join(" ".join(lines).split())
        if words:
            pieces.append(_Piece(name, words, time or 0.0, time or 0.0))
    headers = sum(1 for p in paragraphs if _block_header(p.split("\n")) is not None)
    if headers < 2 or headers < len(paragraphs) * 0.3:
        return []
    for piece, following in zip(pieces, pieces[1:], strict=False):
        piece.end = max(piece.start, following.start)
    return pieces


def _block_header(lines: list[str]) -> tuple[str, float, int] | None:
    """(name, time, lines used) of a block's header, or None."""
    for form in (_NAME_TIME, _BRACKET_NAME_TIME):
        found = form.fullmatch(lines[0])
        if found:
            return " ".join(found["name"].split()), parse_timestamp(found["time"]), 1
    timing = _TEAMS_TIMING.fullmatch(lines[0])
    if timing and len(lines) >= 2 and 0 < len(lines[1]) <= 60:
        return lines[1], parse_timestamp(timing["time"]), 2
    return None


def _whisper(path: Path, segments: list[Any]) -> tuple[list[_Piece], list[list[Any] | None]]:
    pieces, words = [], []
    for number, segment in enumerate(segments, start=1):
        if not isinstance(segment, dict) or not isinstance(segment.get("text"), str):
            raise InputError(
                path, f"segment {number} has no text", hint="Check that Whisper wrote it whole"
            )
        start, end = _seconds(segment.get("start")), _seconds(segment.get("end"))
        voice = segment.get("speaker")
        text = " ".join(segment["text"].split())
        pieces.append(_Piece(str(voice) if voice else None, text, start, max(start, end)))
        words.append(segment.get("words") if isinstance(segment.get("words"), list) else None)
    return pieces, words


def _rev(path: Path, monologues: list[Any]) -> tuple[list[_Piece], list[list[Any] | None]]:
    pieces, words = [], []
    for number, monologue in enumerate(monologues, start=1):
        elements = monologue.get("elements") if isinstance(monologue, dict) else None
        if not isinstance(elements, list):
            raise InputError(
                path, f"monologue {number} has no elements", hint="Check that Rev wrote it whole"
            )
        name = monologue.get("speaker_name") or f"Speaker {monologue.get('speaker', number)}"
        text = " ".join("".join(str(e.get("value", "")) for e in elements).split())
        timed = [e for e in elements if e.get("type") == "text" and "ts" in e]
        start = _seconds(timed[0]["ts"]) if timed else 0.0
        end = _seconds(timed[-1].get("end_ts", timed[-1]["ts"])) if timed else start
        pieces.append(_Piece(str(name), text, start, end))
        words.append([{"word": e["value"], "start": e["ts"], "end": e.get("end_ts")}
                      for e in timed])  # fmt: skip
    return pieces, words


def _seconds(value: Any) -> float:
    return round(float(value), 3) if isinstance(value, int | float) else 0.0


def _transcript(
    path: Path,
    pieces: list[_Piece],
    words: list[list[Any] | None],
    unlabelled: str | None,
    note: str | None,
) -> Transcript:
    kept = [(p, w) for p, w in zip(pieces, words, strict=True) if p.text]
    if not kept:
        raise InputError(path, "has no spoken text", hint="Check that it is the transcript")
    book = SpeakerBook()
    text, turns = _turns([p for p, _ in kept], book, unlabelled)
    _word_cues(text, turns, [w for _, w in kept])
    return Transcript(path, text, turns, {}, book.speakers, [note] if note else [])


def _word_cues(text: str, turns: list[Turn], words: list[list[Any] | None]) -> None:
    """Replace each piece's cue by one cue per timed word found, in order, in its text."""
    pieces = iter(words)
    for turn in turns:
        cues: list[Cue] = []
        for cue in turn.cues:
            timed = next(pieces, None)
            found = _find_words(text, cue, timed) if timed else None
            cues.extend(found or [cue])
        turn.cues = cues


def _find_words(text: str, cue: Cue, timed: list[Any]) -> list[Cue] | None:
    """Word cues in order; a word without times (WhisperX leaves numbers unaligned) takes
    the end of the word before it, or the start of its segment."""
    cues = []
    position = cue.start
    previous = cue.time_start or 0.0
    for word in timed:
        if not isinstance(word, dict):
            return None
        said = str(word.get("word", "")).strip()
        at = text.find(said, position, cue.end) if said else -1
        if at < 0:
            return None
        timed_word = isinstance(word.get("start"), int | float)
        start = _seconds(word["start"]) if timed_word else previous
        end = _seconds(word.get("end")) if isinstance(word.get("end"), int | float) else start
        cues.append(Cue(at, at + len(said), start, max(start, end)))
        position, previous = at + len(said), max(start, end)
    return cues or None
