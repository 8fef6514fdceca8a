"""Real transcripts nobody on the team wrote, with the quirks real transcripts have.

Contains public sector information licensed under the Open Government Licence v3.0
(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/).
Source: UK Covid-19 Inquiry, official hearing transcripts
(https://covid19.public-inquiry.uk/hearings), © Crown copyright. Converted to
reStructuredText by Matthew Somerville (dracos/uk-covid19-inquiry); see PROVENANCE.md
beside the files. Used for testing only.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from readers_helpers import check_turns, paragraphs, spoken, write_text

from qualcode.readers import read_transcript
from qualcode.readers.base import Transcript

_HERE = Path(__file__).resolve().parent
SAMPLES = next(
    (
        folder
        for folder in (
            _HERE / "fixtures" / "sample-transcripts",
            _HERE.parents[1] / "shared" / "sample-transcripts",
        )
        if folder.is_dir()
    ),
    None,
)
pytestmark = pytest.mark.skipif(SAMPLES is None, reason="sample transcripts are not available")

PANEL = "ukci-2023-07-12-local-government-associations-panel"
TRAVELLER = "ukci-2025-01-16-traveller-movement.txt"
PANEL_SPEAKERS = {
    "Ms Blackwell": 110,
    "Mr Lloyd": 77,
    "Ms Allen": 36,
    "Lady Hallett": 22,
    "Mr Weatherby": 20,
    "Mr Llewelyn": 19,
    "Ms Campbell": 13,
}


def read_sample(name: str) -> Transcript:
    assert SAMPLES is not None
    return check_turns(read_transcript(SAMPLES / name))


def turn_containing(transcript: Transcript, words: str) -> tuple[str | None, str]:
    return next((s, said) for s, said in spoken(transcript) if words in said)


def test_sample_panel_speakers_and_their_turns() -> None:
    transcript = read_sample(f"{PANEL}.txt")

    speech = Counter(s for s, _ in spoken(transcript) if s not in ("#", "[]"))
    assert speech == PANEL_SPEAKERS
    assert set(transcript.speakers) == set(PANEL_SPEAKERS)
    assert transcript.notes == []


def test_sample_panel_unlabelled_paragraphs_continue_the_turn() -> None:
    transcript = read_sample(f"{PANEL}.txt")

    assert transcript.turns[2].speaker == "Ms Blackwell"
    assert paragraphs(transcript, 2) == [
        "Thank you, my Lady.",
        "In the witness box we have three witnesses representing the local government "
        "associations of England, Wales and Northern Ireland.",
        "As you can see them, from right to left, they are Chris Llewelyn, Mark Lloyd and "
        "Alison Allen. May they be sworn, please?",
    ]
    # counsel's lead-ins ending in a colon are prose, not new speakers
    assert turn_containing(transcript, "If we go over the page:")[0] == "Ms Blackwell"
    assert turn_containing(transcript, "Finally, this: you've dealt")[0] == "Mr Weatherby"


def test_sample_panel_stacked_headings_and_notes_are_not_speech() -> None:
    transcript = read_sample(f"{PANEL}.txt")

    assert spoken(transcript)[4:11] == [
        ("#", "Mr Chris Llewelyn"),
        ("[]", "MR CHRIS LLEWELYN (affirmed)."),
        ("#", "Mr Mark Lloyd"),
        ("[]", "MR MARK LLOYD (affirmed)."),
        ("#", "Ms Alison Allen"),
        ("[]", "MS ALISON ALLEN (affirmed)."),
        ("#", "Questions From Counsel to the Inquiry"),
    ]
    notes = [said for kind, said in spoken(transcript) if kind == "[]"]
    assert {"11.45 am", "A short break", "The short adjournment", "The witnesses withdrew"} <= set(
        notes
    )
    assert all(s is not None for s, _ in spoken(transcript))


def test_sample_panel_rst_reads_like_the_plain_text_conversion() -> None:
    # The .rst marks labels **Name**:, notes *(11.45 am)* and underlines its headings;
    # the .txt was converted from it, so both must give the same turns.
    assert spoken(read_sample(f"{PANEL}.rst")) == spoken(read_sample(f"{PANEL}.txt"))


def test_sample_traveller_without_front_matter_keeps_each_label() -> None:
    transcript = read_sample(TRAVELLER)

    assert set(transcript.speakers) == {
        "Ms Stephenson",
        "Counsel Inquiry",
        "Lady Hallett",
        "The Witness",
        "Ms Yvonne MacNamara",
        "Mr Keith",
    }
    # a sentence the PDF conversion broke over two paragraphs stays in one turn
    speaker, said = turn_containing(transcript, "You raise some")
    assert speaker == "Lady Hallett"
    assert said.endswith(
        "You raise some\n\nimportant issues and obviously I'll give them "
        "very careful consideration. Thank you."
    )
    # evidence ids inline are part of what was said
    assert turn_containing(transcript, "INQ000474770")[0] == "Counsel Inquiry"


def test_sample_traveller_aliases_in_front_matter_join_the_labels_of_one_person(
    tmp_path: Path,
) -> None:
    assert SAMPLES is not None
    front = (
        "---\ntitle: Traveller Movement evidence\nmethod: hearing\ndate: 2025-01-16\n"
        "speakers:\n"
        "  Counsel: {role: counsel to the inquiry, aliases: [Ms Stephenson, Counsel Inquiry]}\n"
        "  Yvonne MacNamara: {role: witness, agency_type: charity,\n"
        "                     aliases: [Ms Yvonne MacNamara, The Witness]}\n"
        "  Lady Hallett: {role: chair}\n"
        "  Mr Keith: {role: counsel}\n"
        "---\n"
    )
    body = (SAMPLES / TRAVELLER).read_text(encoding="utf-8")
    transcript = check_turns(read_transcript(write_text(tmp_path, "traveller.md", front + body)))

    assert transcript.text == body
    assert set(transcript.speakers) == {"Counsel", "Yvonne MacNamara", "Lady Hallett", "Mr Keith"}
    assert transcript.speakers["Yvonne MacNamara"] == {"role": "witness", "agency_type": "charity"}
    assert spoken(transcript)[4:8] == [
        ("Lady Hallett", "Thank you for coming to help us, Ms MacNamara."),
        ("Yvonne MacNamara", "Thank you for inviting me."),
        ("Counsel", "Please can you say your full name."),
        ("Yvonne MacNamara", "Yvonne MacNamara."),
    ]
    assert transcript.attributes == {
        "title": "Traveller Movement evidence",
        "method": "hearing",
        "date": "2025-01-16",
    }
    assert transcript.notes == []
