"""Text transcripts in the encodings people's machines write, read to the same stored text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from readers_helpers import check_turns, spoken

from qualcode.readers import read_transcript
from qualcode.readers.encoding import decode

TRANSCRIPT = "Jo: We’d a café meeting – naïve, maybe.\n\nPriya: £20 well spent.\n"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("utf8.txt", TRANSCRIPT.encode("utf-8")),
        ("utf8-bom.txt", b"\xef\xbb\xbf" + TRANSCRIPT.encode("utf-8")),
        ("utf16-le.txt", b"\xff\xfe" + TRANSCRIPT.encode("utf-16-le")),
        ("utf16-be.txt", b"\xfe\xff" + TRANSCRIPT.encode("utf-16-be")),
    ],
)
def test_encoding_utf8_and_utf16_with_bom_read_the_same(
    tmp_path: Path, name: str, data: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(data)

    transcript = check_turns(read_transcript(path))

    assert transcript.text == TRANSCRIPT  # no byte order mark left at the start
    assert spoken(transcript)[0] == ("Jo", "We’d a café meeting – naïve, maybe.")
    assert transcript.notes == []


def test_encoding_cp1252_is_decoded_and_reported_in_notes(tmp_path: Path) -> None:
    path = tmp_path / "windows.txt"
    path.write_bytes(TRANSCRIPT.encode("cp1252"))

    transcript = check_turns(read_transcript(path))

    assert transcript.text == TRANSCRIPT
    assert transcript.notes == ["decoded as cp1252 (not valid UTF-8)"]


def test_encoding_bytes_undefined_in_cp1252_fall_back_to_latin1() -> None:
    text, note = decode(Path("odd.txt"), b"Jo: caf\xe9 \x81\n")

    assert text == "Jo: café \x81\n"
    assert note == "decoded as latin-1 (not valid UTF-8 or cp1252)"


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_encoding_windows_and_old_mac_line_ends_become_newlines(
    tmp_path: Path, ending: str
) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(TRANSCRIPT.replace("\n", ending).encode("utf-8"))

    transcript = check_turns(read_transcript(path))

    assert transcript.text == TRANSCRIPT
    assert [s for s, _ in spoken(transcript)] == ["Jo", "Priya"]


@given(st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r\x00\ufeff")))
def test_encoding_any_text_survives_utf8_and_utf16_unchanged(text: str) -> None:
    assume(text.strip() and not text.startswith(("%PDF-", "GIF8", "PK\x03\x04")))
    for data in (text.encode("utf-8"), text.encode("utf-8-sig"), text.encode("utf-16")):
        assert decode(Path("t.txt"), data) == (text, None)
