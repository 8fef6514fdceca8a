"""Bytes of a text transcript -> str, so every text reader agrees on what the stored text is.

Transcripts come from many machines: Word's "save as text" writes UTF-16 or cp1252, Windows
editors add a byte order mark, old Macs end lines with ``\\r``. We accept, in this order:

1. UTF-16 LE or BE with a byte order mark;
2. UTF-8, with or without a byte order mark (the mark is dropped);
3. cp1252 (Windows Western), reported in ``Transcript.notes`` because it is a guess.

Line ends become ``\\n``; nothing else changes, so offsets stay true to what the user wrote.
A file that is empty, or looks binary (an image, a PDF, a zip), is refused with an
:class:`~qualcode.errors.InputError` saying what to do instead.
"""

from __future__ import annotations

import codecs
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


def decode(path: Path, data: bytes) -> tuple[str, str | None]:
    """Decode a text transcript and normalise its line ends.

    Returns the text and a note for ``Transcript.notes`` when the encoding was guessed
    (``None`` otherwise). Raises :class:`InputError` for empty or binary files.

    >>> decode(Path("a.txt"), b"Jo: hi\\r\\n")
    ('Jo: hi\\n', None)
    """
    note = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode_utf16(path, data)
    else:
        _refuse_binary(path, data)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text, note = _decode_legacy(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(
            path, "file is empty", hint="Put the transcript's text in it, or remove it"
        )
    return text, note


def _decode_utf16(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-16")  # the codec reads the byte order mark and drops it
    except UnicodeDecodeError as error:
        raise InputError(
            path,
            f"file starts like UTF-16 text but byte {error.start} is not valid UTF-16",
            hint="Open it in a text editor and save it again as UTF-8",
        ) from None


def _decode_legacy(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("cp1252"), "decoded as cp1252 (not valid UTF-8)"
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps every byte, so it cannot fail.
        return data.decode("latin-1"), "decoded as latin-1 (not valid UTF-8 or cp1252)"


def _refuse_binary(path: Path, data: bytes) -> None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(path, f"file looks binary ({what}), not text", hint=_accepted_hint())
    if b"\x00" in data[:8192]:
        raise InputError(
            path,
            "file looks binary (it contains NUL bytes), not text",
            hint=_accepted_hint() + "; UTF-16 text needs a byte order mark, or save it as UTF-8",
        )


def _accepted_hint() -> str:
    from qualcode.readers import SUFFIXES  # late import: the registry imports this module

    return "Give qualcode a transcript in one of " + ", ".join(SUFFIXES)
