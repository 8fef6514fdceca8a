"""Bytes of a text transcript -> str, so every text reader agrees on what the stored text is.

Transcripts come from many machines: Word's "save as text" writes UTF-16 or cp1252, Windows
editors add a byte order mark, old Macs end lines with ``\\r``. We accept, in this order:

1. UTF-16 LE or BE with a byte order mark;
2. UTF-8, with or without a byte order mark (the mark is dropped);
3. mostly UTF-8: a file whose valid UTF-8 characters outnumber its stray bytes (a pasted
   line from an old editor) is read as UTF-8, each run of bad bytes replaced with "�"
   (U+FFFD) and the lines named in ``Transcript.notes``;
4. cp1252 (Windows Western), reported in ``Transcript.notes`` because it is a guess.

Line ends become ``\\n``; nothing else changes, so offsets stay true to what the user wrote.
A file that is empty, or is binary (an image, a PDF, a zip, or any file with a NUL byte or
where more than 1 % of the characters are control or unassigned characters) is refused
with an :class:`~qualcode.errors.InputError` saying what to do instead.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from qualcode.errors import InputError

# Signatures of files people drop into a transcripts folder by mistake.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (a .docx or .odt file has this form)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Word .doc file"),
)
# Text has almost none of these; random bytes read as cp1252 are a tenth control characters.
BINARY_SHARE = 0.01
_WHITESPACE_CONTROLS = frozenset("\t\n\r\x0b\x0c")
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ESCAPED = re.compile(r"[\udc80-\udcff]+")  # bytes that were not UTF-8, as surrogateescape
_LINES_NAMED = 10


def decode(path: Path, data: bytes, *, table: bool = False) -> tuple[str, str | None]:
    """Decode a text transcript (or, with ``table``, a side file such as ``speakers.csv``)
    and normalise its line ends.

    Returns the text and a note for ``Transcript.notes`` when the encoding was guessed or
    bytes were replaced (``None`` otherwise). Raises :class:`InputError` for empty or
    binary files, with advice that fits what the file should have been.

    >>> decode(Path("a.txt"), b"Jo: hi\\r\\n")
    ('Jo: hi\\n', None)
    """
    note = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode_utf16(path, data)
    else:
        _refuse_marked_binary(path, data, table)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text, note = _decode_imperfect(data)
    text = _newlines(text)
    _refuse_binary_text(path, text, table)
    if not text.strip():
        hint = "Put a header line and rows in it" if table else "Put the transcript's text in it"
        raise InputError(path, "file is empty", hint=hint + ", or remove it")
    return text, note


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_utf16(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-16")  # the codec reads the byte order mark and drops it
    except UnicodeDecodeError as error:
        raise InputError(
            path,
            f"file starts like UTF-16 text but byte {error.start} is not valid UTF-16",
            hint="Open it in a text editor and save it again as UTF-8",
        ) from None


def _decode_imperfect(data: bytes) -> tuple[str, str]:
    """Not valid UTF-8: mostly UTF-8 with stray bytes, or a legacy 8-bit encoding."""
    escaped = _newlines(data.decode("utf-8-sig", "surrogateescape"))
    bad = [match.span() for match in _ESCAPED.finditer(escaped)]
    bad_bytes = sum(end - start for start, end in bad)
    valid_non_ascii = len(escaped) - len(escaped.encode("ascii", "ignore")) - bad_bytes
    if valid_non_ascii > bad_bytes:
        return _ESCAPED.sub("\ufffd", escaped), _replaced_note(escaped, bad, bad_bytes)
    try:
        return data.decode("cp1252"), "decoded as cp1252 (not valid UTF-8)"
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps every byte, so it cannot fail.
        return data.decode("latin-1"), "decoded as latin-1 (not valid UTF-8 or cp1252)"


def _replaced_note(text: str, bad: list[tuple[int, int]], bad_bytes: int) -> str:
    lines: list[int] = []
    line, position = 1, 0
    for start, _ in bad:
        line += text.count("\n", position, start)
        position = start
        if not lines or lines[-1] != line:
            lines.append(line)
    named = ", ".join(map(str, lines[:_LINES_NAMED]))
    if len(lines) > _LINES_NAMED:
        named += f" and {len(lines) - _LINES_NAMED} more"
    where = f"line{'s' if len(lines) > 1 else ''} {named}"
    return (
        f"{bad_bytes} byte(s) that are not valid UTF-8 replaced with \ufffd on {where}; "
        "the rest is UTF-8. Correct those lines in the file and import it again with --replace"
    )


def _refuse_marked_binary(path: Path, data: bytes, table: bool) -> None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(
                path, f"file looks binary ({what}), not text", hint=_accepted_hint(table)
            )
    if b"\x00" in data:
        raise InputError(
            path,
            "file looks binary (it contains NUL bytes), not text",
            hint=_accepted_hint(table)
            + "; UTF-16 text needs a byte order mark, or save it as UTF-8",
        )


def _refuse_binary_text(path: Path, text: str, table: bool) -> None:
    """Refuse text where control and unassigned characters are more than BINARY_SHARE."""
    odd = set(_ASCII_CONTROL.findall(text))
    if not text.isascii():
        odd.update(c for c in set(_NON_ASCII.findall(text)) if _is_odd(c))
    if not odd:
        return
    count = sum(text.count(c) for c in odd)
    if count <= BINARY_SHARE * len(text):
        return
    first = min(text.find(c) for c in odd)
    raise InputError(
        path,
        f"file looks binary, not text: {count / len(text):.1%} of its characters are control "
        f"or unassigned characters (the first, U+{ord(text[first]):04X}, on line "
        f"{text.count(chr(10), 0, first) + 1})",
        hint=_accepted_hint(table),
    )


def _is_odd(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cn") and char not in _WHITESPACE_CONTROLS


def _accepted_hint(table: bool) -> str:
    if table:
        return "Save it from your spreadsheet as CSV (UTF-8), with a header line"
    from qualcode.readers import SUFFIXES  # late import: the registry imports this module

    return "Give qualcode a transcript in one of " + ", ".join(SUFFIXES)
