"""Text transcripts in the encodings people's machines write, read to the same stored text."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import assume, given
from hypothesis import strategies as st
from readers_helpers import check_turns, spoken, write_text

from qualcode.cli import cli
from qualcode.errors import InputError
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
    words = b"and we went to the meeting at the council offices " * 3
    text, note = decode(Path("odd.txt"), b"Jo: caf\xe9 " + words + b"\x81\n")

    assert text == "Jo: café " + words.decode() + "\x81\n"
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


TEXT_CHARACTERS = st.characters(
    exclude_categories=["Cs", "Cc", "Cn"], include_characters="\t\n", exclude_characters="\ufeff"
)


@given(st.text(TEXT_CHARACTERS))
def test_encoding_any_text_survives_utf8_and_utf16_unchanged(text: str) -> None:
    assume(text.strip() and not text.startswith(("%PDF-", "GIF8", "PK\x03\x04")))
    for data in (text.encode("utf-8"), text.encode("utf-8-sig"), text.encode("utf-16")):
        assert decode(Path("t.txt"), data) == (text, None)


@pytest.mark.parametrize("seed", range(20))
def test_encoding_random_bytes_without_nul_are_refused_as_binary(tmp_path: Path, seed: int) -> None:
    """They were imported as latin-1 text: a NUL was the only sign of binary looked for."""
    data = random.Random(seed).randbytes(4096).replace(b"\x00", b"")
    path = tmp_path / "noise.txt"
    path.write_bytes(data)

    with pytest.raises(InputError) as caught:
        read_transcript(path)

    message = str(caught.value)
    assert message.startswith(f"{path}: file looks binary, not text: ")
    assert "% of its characters are control or unassigned characters (the first, U+" in message


def test_encoding_a_nul_anywhere_is_binary(tmp_path: Path) -> None:
    """Only the first 8,192 bytes were looked at: a NUL after them was stored."""
    path = tmp_path / "t.txt"
    path.write_bytes(b"Jo: " + b"words and more words. " * 500 + b"\x00" + b"Priya: yes.\n")

    with pytest.raises(InputError) as caught:
        read_transcript(path)

    assert str(caught.value).startswith(f"{path}: file looks binary (it contains NUL bytes)")


def test_encoding_a_few_control_characters_in_text_are_kept(tmp_path: Path) -> None:
    body = "Jo: a stray escape \x1b.\x0c\n\n" + "Priya: and a long enough talk after it. " * 5
    path = write_text(tmp_path, "t.txt", body)

    assert read_transcript(path).text == body


def test_encoding_mostly_utf8_keeps_its_characters_and_names_the_bad_lines(tmp_path: Path) -> None:
    """One stray byte used to turn every UTF-8 character of the file into cp1252 mojibake."""
    good = "Jo: We’d a café meeting – naïve, maybe.\n\nPriya: £20 well spent.\n\n".encode()
    data = good.replace("£".encode(), b"\xa3")  # a pound sign in Latin-1, on line 3
    data += b"Jo: \x93quoted\x94 by Windows.\n"  # line 5

    transcript = check_turns(read_transcript(write_bytes(tmp_path / "t.txt", data)))

    assert transcript.text == (
        "Jo: We’d a café meeting – naïve, maybe.\n\nPriya: \ufffd20 well spent.\n\n"
        "Jo: \ufffdquoted\ufffd by Windows.\n"
    )
    assert transcript.notes == [
        "3 byte(s) that are not valid UTF-8 replaced with \ufffd on lines 3, 5; the rest is "
        "UTF-8. Correct those lines in the file and import it again with --replace"
    ]


def test_encoding_replaced_bytes_are_reported_by_import_with_file_and_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "talks").mkdir()
    data = "Jo: We’d a café meeting – naïve, maybe.\r\n\r\nPriya: fine\r\n".encode()
    write_bytes(tmp_path / "talks" / "t.txt", data + b"\xff ok\r\n")
    runner = CliRunner()
    runner.invoke(cli, ["init"])

    result = runner.invoke(cli, ["import", "talks"])

    assert result.exit_code == 0, result.output
    expected = (
        f"note: {Path('talks') / 't.txt'}: 1 byte(s) that are not valid UTF-8 replaced with "
        "\ufffd on line 4; the rest is UTF-8."
    )
    assert expected in result.output


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
