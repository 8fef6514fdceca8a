"""Transcription services' files, written as each service writes them from the real panel
transcript, read back into the same speakers and words (times and word cues kept)."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from readers_helpers import check_turns
from sqlalchemy import select

from qualcode import import_files
from qualcode.models import Document, Segment, Speaker
from qualcode.readers import read_transcript

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "sample-transcripts"
PANEL = SAMPLES / "ukci-2023-07-12-local-government-associations-panel.txt"


def spoken_turns(count: int = 24) -> list[tuple[str, str]]:
    """(speaker, words) of the panel's first speech turns, as the text reader reads them."""
    transcript = read_transcript(PANEL)
    turns = [(t.speaker, " ".join(transcript.text[t.start : t.end].split()))
             for t in transcript.turns if t.kind == "speech" and t.speaker]  # fmt: skip
    return turns[:count]


def times(count: int) -> list[tuple[float, float]]:
    return [(7.5 * i, 7.5 * i + 6.25) for i in range(count)]


def timed(turns: list[tuple[str, str]]) -> list[tuple[tuple[str, str], tuple[float, float]]]:
    return list(zip(turns, times(len(turns)), strict=True))


def clock(seconds: float, sep: str = ".") -> str:
    whole = int(seconds)
    millis = round((seconds - whole) * 1000)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}{sep}{millis:03d}"


def short(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def read_back(path: Path) -> list[tuple[str | None, str]]:
    transcript = check_turns(read_transcript(path))
    return [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns]


def merged(turns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Consecutive turns of one speaker as one, as services write a speaker's run."""
    out: list[tuple[str, str]] = []
    for speaker, words in turns:
        if out and out[-1][0] == speaker:
            out[-1] = (speaker, f"{out[-1][1]} {words}")
        else:
            out.append((speaker, words))
    return out


def whisper_json(turns: list[tuple[str, str]], with_speakers: bool) -> dict:
    segments = []
    for index, ((speaker, words), (start, end)) in enumerate(timed(turns)):
        tokens = words.split()
        step = (end - start) / len(tokens)
        said = [{"word": f" {w}", "start": round(start + i * step, 3),
                  "end": round(start + (i + 1) * step, 3), "probability": 0.9}
                 for i, w in enumerate(tokens)]  # fmt: skip
        segment = {"id": index, "seek": 0, "start": start, "end": end, "text": f" {words}",
                   "tokens": [], "temperature": 0.0, "words": said}  # fmt: skip
        if with_speakers:
            segment["speaker"] = f"SPEAKER_{sorted({s for s, _ in turns}).index(speaker):02d}"
        segments.append(segment)
    return {"text": " ".join(w for _, w in turns), "segments": segments, "language": "en"}


def test_whisper_json_keeps_segments_and_word_times(tmp_path):
    turns = spoken_turns()
    path = tmp_path / "panel.json"
    path.write_text(json.dumps(whisper_json(turns, with_speakers=False)))

    transcript = check_turns(read_transcript(path))

    assert [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns] == [
        (None, " ".join(w for _, w in turns))
    ]
    cues = transcript.turns[0].cues
    words = [w for _, text in turns for w in text.split()]
    assert [transcript.text[c.start : c.end] for c in cues] == words
    assert cues[0].time_start == 0.0 and cues[-1].time_end == times(len(turns))[-1][1]


def test_whisperx_words_without_times_take_the_time_of_the_word_before(tmp_path):
    words = [{"word": "We", "start": 1.0, "end": 1.2}, {"word": "had", "start": 1.3, "end": 1.5},
             {"word": "22"}, {"word": "councils", "start": 2.0, "end": 2.6}]  # fmt: skip
    segment = {"start": 1.0, "end": 2.6, "text": " We had 22 councils", "words": words}
    path = tmp_path / "whisperx.json"
    path.write_text(json.dumps({"segments": [segment]}))

    transcript = read_transcript(path)

    cues = transcript.turns[0].cues
    assert [(transcript.text[c.start : c.end], c.time_start, c.time_end) for c in cues] == [
        ("We", 1.0, 1.2), ("had", 1.3, 1.5), ("22", 1.5, 1.5), ("councils", 2.0, 2.6)
    ]


def test_whisperx_speakers_named_in_speakers_csv_and_segments_timed(project, tmp_path):
    turns = spoken_turns(12)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "panel.json").write_text(json.dumps(whisper_json(turns, with_speakers=True)))
    names = sorted({s for s, _ in turns})
    (folder / "speakers.csv").write_text(
        "speaker,name,role\n"
        + "".join(f"SPEAKER_{i:02d},{name},witness\n" for i, name in enumerate(names))
    )
    expected = merged(turns)
    assert [s for s, _ in read_back(folder / "panel.json")] == [
        f"SPEAKER_{names.index(s):02d}" for s, _ in expected
    ]

    report = import_files(project, [folder])

    assert [r.status for r in report.results] == ["imported"]
    with project.sessionmaker() as session:
        labels = dict(session.execute(select(Speaker.label, Speaker.attributes)).all())
        assert set(labels) == set(names)
        assert labels[names[0]] == {"role": "witness", "label": "SPEAKER_00"}
        text = session.scalar(select(Document.text))
        rows = session.execute(
            select(Segment.start, Segment.end, Segment.time_start, Speaker.label)
            .join(Speaker).order_by(Segment.ordinal)
        ).all()  # fmt: skip
    first = rows[0]
    assert first.label == expected[0][0] and first.time_start == 0.0
    assert all(text[r.start : r.end] == text[r.start : r.end].strip() != "" for r in rows)
    assert all(r.time_start is not None for r in rows)


def test_whisper_tsv(tmp_path):
    turns = spoken_turns(6)
    lines = ["start\tend\ttext"] + [
        f"{round(a * 1000)}\t{round(b * 1000)}\t{words}"
        for (_s, words), (a, b) in timed(turns)
    ]
    path = tmp_path / "panel.tsv"
    path.write_text("\n".join(lines) + "\n")

    transcript = check_turns(read_transcript(path))

    assert transcript.text == " ".join(w for _, w in turns)
    assert [c.time_start for c in transcript.turns[0].cues] == [a for a, _ in times(len(turns))]


def test_rev_json_monologues(tmp_path):
    turns = spoken_turns(8)
    names = sorted({s for s, _ in turns})
    monologues = []
    for (speaker, words), (start, _end) in timed(turns):
        elements = []
        for i, word in enumerate(words.split()):
            if i:
                elements.append({"type": "punct", "value": " "})
            elements.append({"type": "text", "value": word, "ts": start + i * 0.3,
                             "end_ts": start + i * 0.3 + 0.25, "confidence": 0.98})  # fmt: skip
        monologues.append({"speaker": names.index(speaker), "speaker_name": speaker,
                           "elements": elements})  # fmt: skip
    path = tmp_path / "panel.json"
    path.write_text(json.dumps({"monologues": monologues}))

    assert read_back(path) == merged(turns)
    transcript = read_transcript(path)
    assert transcript.turns[0].time_start == 0.0
    assert transcript.text[transcript.turns[0].cues[0].start :].startswith(turns[0][1].split()[0])


def otter_text(turns: list[tuple[str, str]], anonymous: bool) -> str:
    names = sorted({s for s, _ in turns})
    blocks = []
    for (speaker, words), (start, _end) in timed(turns):
        name = f"Speaker {names.index(speaker) + 1}" if anonymous else speaker
        blocks.append(f"{name}  {short(start)}\n{words}\n")
    return "\n".join(blocks)


@pytest.mark.parametrize("anonymous", [False, True])
def test_otter_txt_speaker_blocks(tmp_path, anonymous):
    turns = spoken_turns()
    path = tmp_path / "otter.txt"
    path.write_text(otter_text(turns, anonymous))
    names = sorted({s for s, _ in turns})

    got = read_back(path)

    if anonymous:
        assert got == [(f"Speaker {names.index(s) + 1}", w) for s, w in merged(turns)]
    else:
        assert got == merged(turns)
    transcript = read_transcript(path)
    assert transcript.turns[1].time_start == times(len(turns))[1][0] // 1


def write_docx(path: Path, paragraphs: list[str]) -> Path:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(path)
    return path


def test_otter_and_teams_docx_speaker_blocks(tmp_path):
    turns = spoken_turns(10)
    otter = []
    teams = []
    for (speaker, words), (start, _end) in timed(turns):
        otter += [f"{speaker}  {short(start)}", words]
        teams += [f"{speaker}   {short(start)}", words]
    assert read_back(write_docx(tmp_path / "otter.docx", otter)) == merged(turns)
    assert read_back(write_docx(tmp_path / "teams.docx", teams)) == merged(turns)


def test_zoom_and_descript_text_and_teams_older_docx(tmp_path):
    turns = spoken_turns(10)
    zoom = "\n\n".join(f"[{s}] {clock(a)[:8]}\n{w}" for (s, w), (a, _b) in
                       timed(turns))  # fmt: skip
    (tmp_path / "zoom.txt").write_text(zoom + "\n")
    assert read_back(tmp_path / "zoom.txt") == merged(turns)

    descript = "\n\n".join(f"[{clock(a)[:8]}] {s}: {w}" for (s, w), (a, _b) in
                           timed(turns))  # fmt: skip
    (tmp_path / "descript.txt").write_text(descript + "\n")
    assert read_back(tmp_path / "descript.txt") == turns
    assert read_back(write_docx(tmp_path / "descript.docx", descript.split("\n\n"))) == turns

    older = [f"{clock(a)} --> {clock(b)}\n{s}\n{w}" for (s, w), (a, b) in
             timed(turns)]  # fmt: skip
    assert read_back(write_docx(tmp_path / "teams-2021.docx", older)) == merged(turns)


def test_zoom_teams_and_whisper_vtt(tmp_path):
    turns = spoken_turns(8)
    zoom = "WEBVTT\n\n" + "\n".join(
        f"{i}\n{clock(a)} --> {clock(b)}\n{s}: {w}\n"
        for i, ((s, w), (a, b)) in enumerate(timed(turns), start=1)
    )
    teams = "WEBVTT\n\n" + "\n".join(
        f"{clock(a)} --> {clock(b)}\n<v {s}>{w}</v>\n" for (s, w), (a, b) in timed(turns)
    )
    whisper = "WEBVTT\n\n" + "\n".join(
        f"{clock(a)} --> {clock(b)}\n{w}\n" for (_s, w), (a, b) in timed(turns)
    )
    for name, text in (("zoom.vtt", zoom), ("teams.vtt", teams)):
        (tmp_path / name).write_text(text)
        assert read_back(tmp_path / name) == merged(turns)
    (tmp_path / "whisper.vtt").write_text(whisper)
    assert read_back(tmp_path / "whisper.vtt") == [(None, " ".join(w for _, w in turns))]


def whisper_highlighted(segments: list[str]) -> list[tuple[float, float, str]]:
    """Cues as Whisper writes them with --word_timestamps True --highlight_words True: per
    word, the segment's text with that word underlined; a pause between two words gets a
    cue of the plain text. Each word takes 0.4 s, and a pause of 0.3 s follows each fifth."""
    cues = []
    at = 0  # milliseconds
    for text in segments:
        words = text.split(" ")
        for i, word in enumerate(words):
            shown = " ".join(words[:i] + [f"<u>{word}</u>"] + words[i + 1 :])
            cues.append((at / 1000, (at + 400) / 1000, shown))
            at += 400
            if i % 5 == 4 and i + 1 < len(words):
                cues.append((at / 1000, (at + 300) / 1000, text))
                at += 300
        at += 1000
    return cues


@pytest.mark.parametrize("suffix", [".vtt", ".srt"])
def test_whisper_highlighted_words_make_one_segment_with_word_times(tmp_path, suffix):
    said = [w for _s, w in spoken_turns(6)]
    segments = [said[0], "Yes.", "Yes.", said[1], said[2]]  # two segments of the same text
    cues = whisper_highlighted(segments)
    sep = "." if suffix == ".vtt" else ","
    blocks = [f"{n}\n{clock(a, sep)} --> {clock(b, sep)}\n{text}\n"
              for n, (a, b, text) in enumerate(cues, start=1)]  # fmt: skip
    path = tmp_path / f"whisper{suffix}"
    path.write_text(("WEBVTT\n\n" if suffix == ".vtt" else "") + "\n".join(blocks))

    transcript = check_turns(read_transcript(path))

    assert transcript.text == " ".join(segments)
    (turn,) = transcript.turns
    words = [w for text in segments for w in text.split(" ")]
    timed_words = [(transcript.text[c.start : c.end], c.time_start, c.time_end) for c in turn.cues]
    underlined = [(text.split("<u>")[1].split("</u>")[0], a, b)
                  for a, b, text in cues if "<u>" in text]  # fmt: skip
    assert [w for w, _a, _b in timed_words] == words
    assert timed_words == underlined
    assert (turn.time_start, turn.time_end) == (0.0, cues[-1][1])


def test_json_that_is_no_transcript_is_refused_in_one_line(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{"theme": "dark"}')
    with pytest.raises(Exception) as caught:
        read_transcript(path)
    assert str(caught.value) == (
        f"{path}: is neither a Whisper nor a Rev transcript. qualcode reads Whisper's and "
        "Rev's JSON; export the transcript in one of those forms"
    )
