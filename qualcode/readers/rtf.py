"""Rich Text Format (.rtf), as WordPad, TextEdit and older Word save it.

The text comes from striprtf, which follows the RTF grammar (groups, control words, ``\\'e9``
and ``\\u8217`` escapes, the code page the file declares) and drops font tables, styles and
pictures. Each ``\\par`` ends a paragraph; paragraphs then follow the Word rules of
:mod:`qualcode.readers.paragraphs` (labels, headings by shape only: RTF's styles are not read,
nor bold, so a bold name needs its colon).
"""

from __future__ import annotations

import re
from pathlib import Path

from qualcode.errors import InputError
from qualcode.readers.base import Transcript
from qualcode.readers.paragraphs import Para, transcript_from_paragraphs

_CODE_PAGE = re.compile(rb"\\ansicpg(\d+)")


class RtfReader:
    """Reads .rtf files into paragraphs and turns."""

    suffixes: tuple[str, ...] = (".rtf",)

    def read(self, path: Path, *, unlabelled_speaker: str | None = None) -> Transcript:
        """The text striprtf finds, a paragraph per ``\\par``."""
        from striprtf.striprtf import rtf_to_text

        data = path.read_bytes()
        if not data.lstrip().startswith(b"{\\rtf"):
            raise InputError(
                path, "is not an RTF file (it does not start with {\\rtf)",
                hint="Save it again as Rich Text Format, or give it the suffix of what it is",
            )  # fmt: skip
        page = _CODE_PAGE.search(data[:2000])
        encoding = f"cp{int(page[1])}" if page else "cp1252"
        try:
            text = rtf_to_text(data.decode("latin-1"), encoding=encoding, errors="replace")
        except (LookupError, ValueError, IndexError) as error:
            raise InputError(
                path, f"is a damaged RTF file ({type(error).__name__})",
                hint="Open it in a word processor and save it again",
            ) from None  # fmt: skip
        paras = [Para(line.strip()) for line in text.split("\n") if line.strip()]
        return transcript_from_paragraphs(
            path, paras, {}, [], unlabelled_speaker=unlabelled_speaker
        )
