"""HTML pages and RTF files, written from the real panel transcript, read back into its turns."""

from __future__ import annotations

from pathlib import Path

import pytest
from readers_helpers import check_turns, error_of

from qualcode.readers import read_transcript

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "sample-transcripts"
PANEL = SAMPLES / "ukci-2023-07-12-local-government-associations-panel.txt"


def spoken_turns(count: int = 40) -> list[tuple[str, str]]:
    transcript = read_transcript(PANEL)
    turns = [(t.speaker, transcript.text[t.start : t.end])
             for t in transcript.turns if t.kind == "speech" and t.speaker]  # fmt: skip
    return turns[:count]


def said(path: Path) -> list[tuple[str | None, str]]:
    transcript = check_turns(read_transcript(path))
    marks = {"heading": "#", "note": "[]"}
    return [(t.speaker if t.kind == "speech" else marks[t.kind], transcript.text[t.start : t.end])
            for t in transcript.turns]  # fmt: skip


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.mark.parametrize("bold", [True, False])
def test_html_page_gives_headings_and_turns(tmp_path, bold):
    turns = spoken_turns()
    label = "<b>{}:</b> " if bold else "{}: "
    body = "".join(
        "<p>" + label.format(escape(s)) + "</p>\n<p>".join(map(escape, w.split("\n\n"))) + "</p>\n"
        for s, w in turns
    )
    page = (
        "<!DOCTYPE html><html><head><title>Module 1 hearing, 12 July 2023</title>"
        '<meta name="author" content="UK Covid-19 Inquiry"><style>p { margin: 0 }</style>'
        "<script>var x = '<p>not text</p>';</script></head><body>"
        "<nav><a href='/'>Home</a> <a href='/hearings'>Hearings</a></nav>"
        "<h1>Local government   associations</h1>\n" + body + "<!-- end --></body></html>"
    )
    path = tmp_path / "panel.html"
    path.write_text(page, encoding="utf-8")

    assert said(path) == [("#", "Local government associations"), *turns]
    transcript = read_transcript(path)
    assert transcript.attributes == {
        "title": "Module 1 hearing, 12 July 2023", "author": "UK Covid-19 Inquiry"
    }
    assert "Home" not in transcript.text and "not text" not in transcript.text


def test_html_line_breaks_and_preformatted_text(tmp_path):
    path = tmp_path / "page.htm"
    path.write_text(
        "<html><body><div>Jo: first line<br>second   line</div>"
        "<pre>Priya: kept\n   as  written</pre><ul><li>Jo: an item</li></ul></body></html>"
    )

    assert said(path) == [
        ("Jo", "first line\nsecond line"), ("Priya", "kept\n   as  written"), ("Jo", "an item")
    ]


def rtf_escape(text: str) -> str:
    out = []
    for char in text:
        if char in "\\{}":
            out.append("\\" + char)
        elif ord(char) < 128:
            out.append(char)
        elif ord(char) < 256:
            out.append(f"\\'{ord(char):02x}")
        else:
            out.append(f"\\u{ord(char)}?")
    return "".join(out)


def test_rtf_as_wordpad_writes_it(tmp_path):
    turns = spoken_turns() + [("Jo", "Caf\u00e9 \u2018quoted\u2019 {braces} and back\\slash")]
    par = "\\par\n"
    body = "".join(
        f"\\pard {{\\b {rtf_escape(s)}:}} {rtf_escape(w).replace(chr(10) * 2, par)}{par}"
        for s, w in turns
    )
    path = tmp_path / "panel.rtf"
    path.write_bytes(
        ("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fnil Calibri;}}"
         "{\\*\\generator Riched20 10.0.19041}\\viewkind4\\uc1\n" + body + "}").encode("ascii")
    )  # fmt: skip

    assert said(path) == turns


def test_rtf_that_is_not_rtf_is_refused(tmp_path):
    path = tmp_path / "notes.rtf"
    path.write_text("Jo: plain text with the wrong suffix")

    assert error_of(path) == (
        ": is not an RTF file (it does not start with {\\rtf). Save it again as Rich Text "
        "Format, or give it the suffix of what it is"
    )
