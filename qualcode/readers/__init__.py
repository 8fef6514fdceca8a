"""File readers: one per format, found by file suffix.

    >>> from qualcode.readers import read_transcript
    >>> transcript = read_transcript(Path("transcripts/area-3.md"))   # doctest: +SKIP
    >>> [(t.speaker, transcript.text[t.start:t.end]) for t in transcript.turns]  # doctest: +SKIP

Built-in readers register themselves here the way an add-on would, through
:func:`register_reader`; ``SUFFIXES`` lists what is accepted, for messages and file globs.
"""

from __future__ import annotations

from pathlib import Path

from qualcode.errors import InputError
from qualcode.readers.base import Cue, Reader, Transcript, Turn
from qualcode.readers.docx import DocxReader
from qualcode.readers.html import HtmlReader
from qualcode.readers.odt import OdtReader
from qualcode.readers.pdf import PdfReader
from qualcode.readers.rtf import RtfReader
from qualcode.readers.services import (
    JsonTranscriptReader,
    ServiceDocxReader,
    ServiceTextReader,
    WhisperTsvReader,
)
from qualcode.readers.subtitles import SubtitleReader
from qualcode.readers.survey import SURVEY_SUFFIXES
from qualcode.readers.text import TextReader

__all__ = [
    "SUFFIXES",
    "Cue",
    "Reader",
    "Transcript",
    "Turn",
    "not_a_transcript",
    "read_transcript",
    "reader_for",
    "register_reader",
]

READERS: dict[str, Reader] = {}
_PROJECT_NOTES = frozenset(("readme", "license", "licence", "changelog", "contributing", "notice"))
SUFFIXES: tuple[str, ...] = ()


def register_reader(reader: Reader) -> None:
    """Make ``reader`` the one used for each of its suffixes (a later one wins)."""
    global SUFFIXES
    for suffix in reader.suffixes:
        READERS[suffix.lower()] = reader
    SUFFIXES = tuple(sorted(READERS))


def reader_for(path: Path) -> Reader:
    """The reader for a file's suffix, or an InputError listing the accepted ones."""
    suffix = path.suffix.lower()
    if suffix not in READERS:
        what = f'file type "{suffix}"' if suffix else "a file with no extension"
        hint = "Rename it or convert it to one of " + ", ".join(SUFFIXES)
        if suffix in SURVEY_SUFFIXES:
            hint = "If it holds survey answers, import it with --survey; else convert it"
        raise InputError(path, f"qualcode cannot read {what}", hint=hint)
    return READERS[suffix]


def not_a_transcript(path: Path) -> str | None:
    """Why a file met in an import folder is no transcript (a README, a licence...), or None
    when it may be one (a file of a type no reader reads is left to fail with its hint)."""
    if path.stem.casefold() in _PROJECT_NOTES:
        return f"{path.name} looks like a note about the folder, not a transcript"
    return None


def read_transcript(path: Path, *, unlabelled_speaker: str | None = None) -> Transcript:
    """Read one transcript file with the reader for its suffix.

    ``unlabelled_speaker`` speaks the paragraphs that carry no speaker label (a think-aloud
    transcript that labels only the moderator); by default such a paragraph continues the
    turn before it. Raises :class:`~qualcode.errors.InputError` for a missing file, an
    unknown suffix, or content the reader cannot make sense of; the message names the file
    and what to do.
    """
    path = Path(path)
    reader = reader_for(path)
    if not path.is_file():
        raise InputError(path, "no such file", hint="Check the path and the file name")
    return reader.read(path, unlabelled_speaker=unlabelled_speaker)


for _reader in (
    TextReader(),
    DocxReader(),
    OdtReader(),
    SubtitleReader(),
    PdfReader(),
    ServiceTextReader(),  # speaker blocks of Otter, Teams and Zoom, else the text rules
    ServiceDocxReader(),  # the same in Word, else the Word rules
    JsonTranscriptReader(),
    WhisperTsvReader(),
    HtmlReader(),
    RtfReader(),
):
    register_reader(_reader)
