"""Plain-text, Markdown and reStructuredText transcripts: ``Speaker: what they said``.

**Stored text**: the file after its front matter, verbatim once newlines are normalised.
Labels, time stamps and Markdown markers stay in the stored text, outside the turn spans.

**Layout.** Paragraphs are separated by blank lines; single newlines stay inside a paragraph.

- A line that starts with a speaker label starts that speaker's turn, so one paragraph may
  hold several turns (``Jo: ...`` newline ``Priya: ...``). A label alone on its line
  (``Jo:``) gives the turn to the paragraphs that follow.
- A paragraph without a label continues the previous speaker: a new entry in
  ``turn.paragraphs`` of the same turn. When the reader is given an unlabelled speaker
  (``read_transcript(..., unlabelled_speaker=...)``, or ``unlabelled_speaker:`` in the
  front matter), such a paragraph is theirs instead, and a label holds one paragraph only.
- Headings are ``kind="heading"``: ``# Title`` (one to six ``#``), or a title line underlined
  (or over- and underlined) with a run of ``= - ~ ^ * + # _`` as in reStructuredText and
  Markdown. Such a run on a line of its own elsewhere is a break and is skipped.
- Notes are ``kind="note"``: a paragraph (or the lines of a paragraph before its first label)
  wholly in [brackets], (parentheses) or *italics*: ``[A short break]``, ``(inaudible)``,
  ``*(11.45 am)*``. The note's span is its words, without brackets or asterisks.
- After a note the same speaker goes on (in a new turn, as turns never overlap). After a
  heading nobody does: unlabelled text there, or before the first label, is speech with
  ``speaker=None``.
- Times ``[hh:mm:ss]``, ``[mm:ss]`` or ``(mm:ss)`` may come before the label or between the
  label and its colon (``[00:12:31] Jo:``, ``Jo [12:31]:``, ``(12:31) Jo:``); a time at the
  start of an unlabelled paragraph starts a new turn of the same speaker. A timed turn ends
  (``time_end``) when the next timed turn starts.

**Label rule.** A line starts with a *candidate* label when it begins (after an optional time
stamp) with a name, plain or in Markdown bold (``**Ms Smith**:``, ``**Ms Smith:**``), then a
colon, then a space or the end of the line. The name has at most 6 words and 60 characters,
starts with a letter, and holds only letters, digits, spaces and ``. ' ’ & -``; so a time
(``10:30``), a link, or a sentence with commas is never a candidate. A candidate is a speaker
when any of these holds:

1. it is a speaker or alias from the front matter (compared case-insensitively);
2. it starts two or more lines of the file: people speak more than once, prose rarely
   repeats the same lead-in;
3. the front matter declares no speakers, and it looks like a name: every word starts with
   a capital or a digit, apart from small words such as "of", "the", "de", "van".

So with declared speakers, a one-off ``Note: ...`` line is read as speech, and a note in
``Transcript.notes`` says so; an undeclared label that recurs is accepted and noted. Without
front matter, ``If we go over the page:`` is prose and ``Mr Keith:`` a speaker.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import InputError
from qualcode.readers.base import Transcript, Turn
from qualcode.readers.encoding import decode
from qualcode.readers.frontmatter import SpeakerBook, label_key, split_front_matter

_TIME = r"\d{1,3}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_LEADING_TIME = re.compile(rf"[ \t]*[\[(](?P<time>{_TIME})[\])][ \t]*")
_TIME_BEFORE_COLON = rf"(?:[ \t]*[\[(](?P<time>{_TIME})[\])])?[ \t]*"
_LABEL_FORMS = (
    re.compile(rf"\*\*(?P<name>[^*\n]{{1,80}}?){_TIME_BEFORE_COLON}:\*\*"),  # **Jo:** text
    re.compile(rf"\*\*(?P<name>[^*\n]{{1,80}}?)\*\*{_TIME_BEFORE_COLON}:"),  # **Jo**: text
    re.compile(rf"(?P<name>[^\s:*\[(][^:\n*\[(]{{0,80}}?){_TIME_BEFORE_COLON}:"),  # Jo: text
)
_NAME_SHAPE = re.compile(r"[^\W\d_][\w.'’&-]*(?: [\w.'’&-]+){0,5}")
_SMALL_WORDS = frozenset(
    ("of", "the", "and", "for", "to", "in", "on", "at", "de", "del", "della", "der", "den")
    + ("van", "von", "da", "di", "du", "la", "le", "y", "bin", "al")
)
_ATX_HEADING = re.compile(r"[ \t]{0,3}#{1,6}(?:[ \t]+(?P<title>.*?))??(?:[ \t]+#+)?[ \t]*")
UNLABELLED_KEY = "unlabelled_speaker"  # front matter: who speaks unlabelled paragraphs
_BRACKET = re.compile(r"[\[\]]")
_ADORNMENT = re.compile(r"[ \t]*([=\-~^*+#_])\1{2,}[ \t]*")


@dataclass(frozen=True)
class Label:
    """A label at the start of a line, by shape alone: whether it is a speaker is decided later."""

    name: str  # as written, runs of whitespace as one space
    time: float | None  # seconds, when the line carries a time stamp
    end: int  # index in the line where the speech starts


def parse_time(value: str) -> float:
    """Seconds in ``hh:mm:ss``, ``mm:ss`` or ``hh:mm:ss.mmm`` (comma or dot before fractions)."""
    seconds = 0.0
    for part in value.replace(",", ".").split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def match_label(line: str) -> Label | None:
    """The candidate label a line starts with (see "Label rule" above), or None."""
    if ":" not in line:  # every label ends in a colon: spare the patterns (PDFs, surveys)
        return None
    pos, time = 0, None
    stamp = _LEADING_TIME.match(line)
    if stamp:
        pos, time = stamp.end(), parse_time(stamp["time"])
    else:
        pos = len(line) - len(line.lstrip(" \t"))
    found = next((m for form in _LABEL_FORMS if (m := form.match(line, pos))), None)
    if not found or (found.end() < len(line) and not line[found.end()].isspace()):
        return None
    name = " ".join(found["name"].split())
    if len(name) > 60 or not _NAME_SHAPE.fullmatch(name):
        return None
    if found["time"]:
        time = parse_time(found["time"])
    end = found.end()
    while end < len(line) and line[end] in " \t":
        end += 1
    return Label(name, time, end)


def looks_like_name(name: str) -> bool:
    """Every word capitalised, a number, or a small word such as "of": "Counsel to the Inquiry"."""
    words = name.split()
    return (
        bool(words)
        and words[0][0].isupper()
        and all(w[0].isupper() or w[0].isdigit() or w.casefold() in _SMALL_WORDS for w in words)
    )


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow [start, end) so that it neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def bracket_notes(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The ``[...]`` stretches inside ``text[start:end]``, brackets included, in order.

    These are stage notes and time stamps inside speech (``Good. [laughter] Now...``),
    or a transcriber's insertion (``they [the council] said``). Only the outermost of
    nested pairs counts; a bracket without its partner is plain text.
    """
    if text.find("[", start, end) < 0:
        return []
    pairs, opened = [], []
    for match in _BRACKET.finditer(text, start, end):
        if match[0] == "[":
            opened.append(match.start())
        elif opened:
            pairs.append((opened.pop(), match.end()))
    pairs.sort()
    outermost: list[tuple[int, int]] = []
    for pair in pairs:
        if not outermost or pair[0] >= outermost[-1][1]:
            outermost.append(pair)
    return outermost


def note_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The words of a wholly bracketed or italic stretch: ``[...]``, ``(...)``, ``*...*``."""
    start, end = strip_span(text, start, end)
    italic = (
        end - start >= 3
        and text[start] in "*_"
        and text[end - 1] == text[start]
        and text[start] not in text[start + 1 : end - 1]
    )
    if italic:
        start, end = strip_span(text, start + 1, end - 1)
    if end - start >= 2 and text[start] in "[(" and _closing(text, start, end) == end - 1:
        start, end = strip_span(text, start + 1, end - 1)
    elif not italic:
        return None
    return (start, end) if start < end else None


def _closing(text: str, start: int, end: int) -> int | None:
    """Index of the bracket closing the one at ``start``, counting nested pairs."""
    opening = text[start]
    closing = "]" if opening == "[" else ")"
    depth = 0
    for i in range(start, end):
        if text[i] == opening:
            depth += 1
        elif text[i] == closing:
            depth -= 1
            if depth == 0:
                return i
    return None


class LabelRule:
    """Decides, for one document, which candidate labels are speakers (rules 1-3 above)."""

    def __init__(self, book: SpeakerBook, candidates: Iterable[str]) -> None:
        self.book = book
        self.counts = Counter(label_key(name) for name in candidates)
        self.notes: list[str] = []

    def accept(self, name: str, line: int | None = None, *, named_only: bool = False) -> str | None:
        """The canonical speaker for a candidate, or None if it is part of the speech.

        ``named_only`` drops rule 3, for weaker evidence such as a bold word with no colon.
        """
        if self.book.known(name):
            return self.book.resolve(name)
        recurs = self.counts[label_key(name)] >= 2
        if recurs or (not named_only and not self.book.declared and looks_like_name(name)):
            if self.book.declared:
                self.notes.append(
                    f'speaker "{name}" is not in the front matter; added with no attributes'
                )
            return self.book.resolve(name)
        if self.book.declared and not named_only and looks_like_name(name):
            where = f"line {line}: " if line else ""
            self.notes.append(
                f'{where}"{name}:" is not a declared speaker, so it was read as speech'
            )
        return None


class TurnBuilder:
    """Collects turns in text order; a turn grows paragraph by paragraph until closed."""

    def __init__(self, text: str, unlabelled: str | None = None) -> None:
        self.text = text
        self.turns: list[Turn] = []
        self.speaker: str | None = None  # who spoke last (None after a heading)
        self.unlabelled = unlabelled  # who speaks unlabelled paragraphs, when the user says
        self._open: Turn | None = None

    @property
    def continuing(self) -> str | None:
        """Who an unlabelled paragraph belongs to: the unlabelled speaker when one was
        given, else whoever spoke last."""
        return self.speaker if self.unlabelled is None else self.unlabelled

    def start(self, speaker: str | None, time: float | None = None) -> None:
        """Begin a new turn (its paragraphs follow through :meth:`add_paragraph`)."""
        self._close()
        self._open = Turn(speaker, 0, 0, time_start=time)
        self.speaker = speaker

    def add_paragraph(self, start: int, end: int) -> None:
        """Add a paragraph to the open turn, or open one for :attr:`continuing`.

        With an unlabelled speaker, a labelled turn keeps one paragraph (that of its label,
        or the one after a label alone on its line); the next is the unlabelled speaker's.
        """
        start, end = strip_span(self.text, start, end)
        if start < end:
            turn = self._open
            if turn is not None and turn.paragraphs and turn.speaker != self.continuing:
                self._close()
            if self._open is None:
                self._open = Turn(self.continuing, 0, 0)
            self._open.paragraphs.append((start, end))

    def add_aside(self, start: int, end: int, kind: str) -> None:
        """Add a heading or note; after a heading, unlabelled text has no speaker."""
        self._close()
        start, end = strip_span(self.text, start, end)
        if start < end:
            self.turns.append(Turn(None, start, end, kind, paragraphs=[(start, end)]))
        if kind == "heading":
            self.speaker = None

    def finish(self) -> list[Turn]:
        """Close the last turn and give each timed turn the next timed turn's start as its end."""
        self._close()
        timed = [t for t in self.turns if t.time_start is not None]
        for turn, following in zip(timed, timed[1:], strict=False):
            if turn.time_end is None and following.time_start >= turn.time_start:
                turn.time_end = following.time_start
        return self.turns

    def _close(self) -> None:
        turn, self._open = self._open, None
        if turn is not None and turn.paragraphs:
            turn.start, turn.end = turn.paragraphs[0][0], turn.paragraphs[-1][1]
            self.turns.append(turn)


@dataclass(frozen=True)
class Line:
    """One line of the stored text, without its newline."""

    start: int
    end: int
    number: int  # line number in the file


def lines_of(
    text: str, start: int = 0, end: int | None = None, first_number: int = 1
) -> list[Line]:
    """The lines of ``text[start:end]`` with their offsets and file line numbers."""
    end = len(text) if end is None else end
    lines, number = [], first_number
    while start <= end:
        stop = text.find("\n", start, end)
        stop = end if stop == -1 else stop
        lines.append(Line(start, stop, number))
        start, number = stop + 1, number + 1
    return lines


def read_paragraph(text: str, lines: list[Line], rule: LabelRule, builder: TurnBuilder) -> None:
    """Split one paragraph into turns at its label lines and hand them to the builder."""
    runs: list[tuple[int, Label | None, str | None]] = []  # (first line, label, speaker)
    for index, line in enumerate(lines):
        label = match_label(text[line.start : line.end])
        speaker = rule.accept(label.name, line.number) if label else None
        if speaker is not None or index == 0:
            runs.append((index, label if speaker else None, speaker))
    stops = [first for first, _, _ in runs[1:]] + [len(lines)]
    for (first, label, speaker), stop in zip(runs, stops, strict=True):
        start, end = lines[first].start, lines[stop - 1].end
        if label is not None:
            builder.start(speaker, label.time)
            builder.add_paragraph(start + label.end, end)
        elif note := note_span(text, start, end):
            builder.add_aside(*note, "note")
        elif stamp := _LEADING_TIME.match(text, start, end):
            builder.start(builder.continuing, parse_time(stamp["time"]))
            builder.add_paragraph(stamp.end(), end)
        else:
            builder.add_paragraph(start, end)


def read_turns(
    text: str, book: SpeakerBook, first_line: int = 1, unlabelled: str | None = None
) -> tuple[list[Turn], list[str]]:
    """Turns of a text transcript body, and notes about labels that were doubtful.

    ``unlabelled`` names who speaks the paragraphs that carry no label (see
    :class:`TurnBuilder`); by default they continue the previous speaker.
    """
    units = list(_units(text, lines_of(text, first_number=first_line)))
    candidates = (
        label.name
        for kind, lines in units
        if kind == "paragraph"
        for line in lines
        if (label := match_label(text[line.start : line.end]))
    )
    rule = LabelRule(book, candidates)
    builder = TurnBuilder(text, unlabelled_label(book, unlabelled))
    for kind, lines in units:
        if kind == "heading":
            builder.add_aside(lines[0].start, lines[0].end, "heading")
        else:
            read_paragraph(text, lines, rule, builder)
    return finish_turns(builder, book), rule.notes


def unlabelled_label(book: SpeakerBook, name: str | None) -> str | None:
    """The label under which the unlabelled speaker's turns go: a declared speaker's own
    label when ``name`` is one of theirs (or an alias), else ``name`` tidied."""
    if name is None or not name.strip():
        return None
    return book.resolve(name) if book.known(name) else " ".join(name.split())


def finish_turns(builder: TurnBuilder, book: SpeakerBook) -> list[Turn]:
    """The builder's turns, with the unlabelled speaker in the book if any turn is theirs."""
    turns = builder.finish()
    if builder.unlabelled and any(t.speaker == builder.unlabelled for t in turns):
        book.resolve(builder.unlabelled)
    return turns


def _units(text: str, lines: list[Line]) -> Iterable[tuple[str, list[Line]]]:
    """Headings (each as the one line holding its title) and paragraphs (runs of lines)."""
    paragraph: list[Line] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        content = text[line.start : line.end]
        heading = _ATX_HEADING.fullmatch(content)
        adornment = _ADORNMENT.fullmatch(content)
        if content.strip() and not heading and not adornment:
            paragraph.append(line)
            index += 1
            continue
        title, skip = None, 1
        if heading and heading["title"]:
            title = Line(
                line.start + heading.start("title"), line.start + heading.end("title"), line.number
            )
        elif adornment and paragraph:
            title = paragraph.pop()  # a title line underlined
        elif adornment and _overlined(text, lines, index, adornment[1]):
            title, skip = lines[index + 1], 3
        if paragraph:
            yield "paragraph", paragraph
            paragraph = []
        if title is not None:
            yield "heading", [title]
        index += skip
    if paragraph:
        yield "paragraph", paragraph


def _overlined(text: str, lines: list[Line], index: int, char: str) -> bool:
    """True when lines[index] and lines[index + 2] are the same adornment around a title."""
    if index + 2 >= len(lines):
        return False
    title, under = lines[index + 1], lines[index + 2]
    match = _ADORNMENT.fullmatch(text[under.start : under.end])
    return bool(match and match[1] == char and text[title.start : title.end].strip())


class TextReader:
    """Reads .txt, .md and .rst transcripts, with optional YAML front matter."""

    suffixes: tuple[str, ...] = (".txt", ".md", ".markdown", ".rst")

    def read(self, path: Path, *, unlabelled_speaker: str | None = None) -> Transcript:
        """Read a text transcript: decode, split off front matter, find turns.

        ``unlabelled_speaker`` speaks the paragraphs without a label, over the front
        matter's ``unlabelled_speaker`` key; without either they continue the turn before.
        """
        text, encoding_note = decode(path, path.read_bytes())
        front = split_front_matter(path, text)
        declared = front.attributes.pop(UNLABELLED_KEY, None)
        if declared is not None and not isinstance(declared, str | int | float):
            raise InputError(
                path,
                f"front matter {UNLABELLED_KEY} must be one speaker's label, not {declared!r}",
                hint=f"Write it as '{UNLABELLED_KEY}: Participant'",
            )
        if not front.body.strip():
            raise InputError(
                path,
                "file has front matter but no transcript after it",
                line=front.body_line,
                hint="Put the transcript after the closing --- line",
            )
        book = SpeakerBook(front.speakers, front.aliases)
        unlabelled = unlabelled_speaker or (None if declared is None else str(declared))
        turns, notes = read_turns(front.body, book, front.body_line, unlabelled)
        return Transcript(
            path=path,
            text=front.body,
            turns=turns,
            attributes=front.attributes,
            speakers=book.speakers,
            notes=([encoding_note] if encoding_note else []) + front.notes + notes,
        )
