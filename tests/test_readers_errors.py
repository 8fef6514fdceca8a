"""Bad inputs: every one raises InputError with one line naming the file, the line, the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from readers_helpers import error_of, write_text

from qualcode.readers import SUFFIXES

ACCEPTED = ", ".join(SUFFIXES)
YAML_HINT = (
    "Check the indentation on that line, and put quotes around values "
    "that contain ': ' or start with a special character"
)


@pytest.mark.parametrize("content", ["", "  \n\n\t\n", "\ufeff"])
def test_errors_empty_file_says_it_is_empty(tmp_path: Path, content: str) -> None:
    path = write_text(tmp_path, "empty.txt", content)

    assert error_of(path) == ": file is empty. Put the transcript's text in it, or remove it"


def test_errors_png_renamed_to_txt_is_refused_as_binary(tmp_path: Path) -> None:
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")

    assert error_of(path) == (
        ": file looks binary (a PNG image), not text. "
        f"Give qualcode a transcript in one of {ACCEPTED}"
    )


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"%PDF-1.7\n", "a PDF document"),
        (b"PK\x03\x04rest", "a zip archive (a .docx or .odt file has this form)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "an old Word .doc file"),
        (b"\xff\xd8\xff\xe0JFIF", "a JPEG image"),
    ],
)
def test_errors_other_binary_files_say_what_they_look_like(
    tmp_path: Path, data: bytes, what: str
) -> None:
    path = tmp_path / "transcript.md"
    path.write_bytes(data)

    assert error_of(path).startswith(f": file looks binary ({what}), not text.")


def test_errors_nul_bytes_without_a_bom_are_binary(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes("Jo: hi".encode("utf-16-le"))  # UTF-16 but no byte order mark

    assert "UTF-16 text needs a byte order mark" in error_of(path)


def test_errors_unknown_extension_lists_the_accepted_ones(tmp_path: Path) -> None:
    path = write_text(tmp_path, "interview.pages", "Jo: hi")

    assert error_of(path) == (
        f': qualcode cannot read file type ".pages". Rename it or convert it to one of {ACCEPTED}'
    )


def test_errors_missing_file_is_an_input_error(tmp_path: Path) -> None:
    assert error_of(tmp_path / "gone.md") == ": no such file. Check the path and the file name"


def test_errors_broken_front_matter_names_the_line_in_the_file(tmp_path: Path) -> None:
    text = "---\ntitle: Area 3\ndate: 2021-07-14\nmethod: workshop: evening\n---\nJo: hi\n"
    path = write_text(tmp_path, "area-3.md", text)

    assert error_of(path) == (
        f":4: front matter is not valid YAML: mapping values are not allowed here. {YAML_HINT}"
    )


def test_errors_unclosed_brace_in_front_matter_points_at_both_lines(tmp_path: Path) -> None:
    text = "---\ntitle: Area 3\nspeakers:\n  Jo: {role: chair\n  Priya: {}\n---\nJo: hi\n"
    path = write_text(tmp_path, "area-3.md", text)

    assert error_of(path) == (
        ":5: front matter is not valid YAML: expected ',' or '}', but got ':' "
        f"(while parsing a flow mapping that starts on line 4). {YAML_HINT}"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "---\ntitle: Area 3\nJo: hi\n",
            ":1: front matter opened with --- is never closed. Add a line with only --- after "
            "the last front matter key, or remove the first line if the file has no front matter",
        ),
        (
            "---\n- a list\n---\nJo: hi\n",
            ":2: front matter must be keys and values (title: ..., speakers: ...). "
            "Write one 'key: value' per line between the --- lines",
        ),
        (
            "---\ntitle: x\nspeakers: [Jo, Priya]\n---\nJo: hi\n",
            ":3: speakers must map each speaker's label to its attributes. Write 'speakers:' "
            "and under it one line per speaker, such as '  Jo: {role: chair}'",
        ),
        (
            "---\nspeakers:\n  Jo: chair\n---\nJo: hi\n",
            """:3: speaker "Jo" must have its attributes as a mapping, not 'chair'. """
            "Write it as 'Jo: {role: ...}', or 'Jo: {}' if none is known",
        ),
        (
            "---\nspeakers:\n  Jo: {aliases: [Chair]}\n  Priya: {aliases: [chair]}\n---\nJo: hi\n",
            ':4: label "chair" is given to both "Jo" and "Priya". '
            "A label or alias may belong to one speaker only",
        ),
        (
            "---\ntitle: Only front matter\n---\n",
            ":4: file has front matter but no transcript after it. "
            "Put the transcript after the closing --- line",
        ),
    ],
)
def test_errors_front_matter_problems_name_the_line_and_the_fix(
    tmp_path: Path, text: str, message: str
) -> None:
    assert error_of(write_text(tmp_path, "t.md", text)) == message


def test_errors_vtt_without_header_says_so_on_line_1(tmp_path: Path) -> None:
    path = write_text(tmp_path, "call.vtt", "00:00:01.000 --> 00:00:02.000\nHello\n")

    assert error_of(path) == (
        ":1: the first line is not WEBVTT. A WebVTT file starts with a line reading WEBVTT; "
        "if this is a SubRip file (numbered cues), rename it to .srt"
    )


def test_errors_vtt_bad_timestamp_names_its_line(tmp_path: Path) -> None:
    text = (
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nHello\n\n2\n00:00:03 --> 00:00:04.000\nthere\n"
    )
    path = write_text(tmp_path, "call.vtt", text)

    assert error_of(path) == (
        ':8: bad cue timing "00:00:03 --> 00:00:04.000". '
        "Write it as start --> end, for example 00:01:02.500 --> 00:01:05.000"
    )


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "call.vtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n\nstray words\n",
            ":6: cue has no timing line",
        ),
        (
            "call.vtt",
            "WEBVTT\n00:00:01.000 --> 00:00:02.000\nHello\n",
            ":2: cue starts inside the WEBVTT header",
        ),
        (
            "call.vtt",
            "WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nHi\n",
            ":3: cue ends before it starts",
        ),
        (
            "call.srt",
            "1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\n00:00:03,000 -> 00:00:04,000\nYo\n",
            ":6: cue has no timing line",
        ),
        ("call.srt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n", ":1: this is a WebVTT file"),
    ],
)
def test_errors_malformed_subtitles_name_the_line(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    assert error_of(write_text(tmp_path, name, text)).startswith(message + ".")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("broken.docx", ": cannot be read as a Word document (.docx): it is not a zip package"),
        ("broken.odt", ": cannot be read as an OpenDocument text (.odt): it is not a zip package"),
    ],
)
def test_errors_corrupt_word_processor_files_are_input_errors(
    tmp_path: Path, name: str, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(b"this is not a zip archive")

    assert error_of(path).startswith(message + ". Open it in ")
