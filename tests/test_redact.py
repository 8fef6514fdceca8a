"""Redaction: names, places and organisations out of exports, whole words only."""

from __future__ import annotations

import pytest
from helpers import write

from qualcode import InputError
from qualcode.redact import Redactor, load_redactions, redact_pieces, speaker_names

RULES = Redactor(
    {"Jo": "[name]", "Jo Bloggs": "[chair]", "Jones": "[name]", "Sorrel Court": "[street]"},
    speakers=False,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jo said so", "[name] said so"),  # a whole word
        ("JO and jo", "[name] and [name]"),  # any case
        ("Joanne and Jojo, not banjo", "Joanne and Jojo, not banjo"),  # never inside a word
        ("Jo's idea, Jo’s plan", "[name]'s idea, [name]’s plan"),  # possessives, both apostrophes
        ("the Jones' house", "the [name]' house"),  # a possessive after s
        ("ask Jo Bloggs today", "ask [chair] today"),  # the longest match first
        ("ask Jo\nBloggs", "ask [chair]"),  # a name across a line break
        ("a Jo-led group", "a [name]-led group"),  # a hyphen ends a word
        ("on sorrel  court's corner", "on [street]'s corner"),
        ("İzmir's Jo", "İzmir's [name]"),  # a letter that lengthens when lowered
        ("", ""),
    ],
)
def test_redact_rules(text, expected):
    assert RULES.apply(text) == expected


def test_redact_handles_names_with_apostrophes_and_regex_characters():
    rules = Redactor({"O'Brien": "[name]", "St. Mary (Upper)": "[place]"}, speakers=False)
    assert rules.apply("O’Brien met at St. Mary (Upper).") == "[name] met at [place]."


def test_redact_pieces_replaces_a_name_cut_by_a_boundary_once():
    text = "well Jo Bloggs said"
    matches = RULES.matches(text)
    # the quote starts inside "Jo Bloggs": the name goes whole to the piece where it starts
    assert redact_pieces(text, matches, [0, 8, 19]) == ["well [chair]", " said"]
    assert redact_pieces(text, matches, [8, 19]) == ["[chair] said"]


def test_with_names_adds_speakers_but_rules_and_keep_win():
    base = Redactor({"Priya": "[council officer]"}, keep=frozenset({"Council"}))
    rules = base.with_names({"Priya", "Council", "Dev"})
    assert rules.apply("Priya, Dev and the Council") == "[council officer], [name] and the Council"
    assert rules.added == 1


def test_speaker_names_skips_roles_and_splits_full_names():
    names = speaker_names(
        [
            ("Facilitator", {"role": "researcher"}),
            ("Q", {}),
            ("Speaker 2", {}),
            ("Council", {"role": "council officer"}),
            ("Nell Ashcombe", {"role": "researcher"}),
            ("Cllr Thorne", {"role": "ward councillor"}),
            ("Jo", {"role": "partnership chair"}),
        ]
    )
    assert names == {"Nell Ashcombe", "Nell", "Ashcombe", "Cllr Thorne", "Thorne", "Jo"}


def test_load_redactions_reads_mappings_and_lists(tmp_path):
    path = write(
        tmp_path / "redact.yaml",
        'names:\n  Jo Bloggs: [name]\n  Priya: "[council officer]"\n'
        "places: [Meadowbank]\norganisations:\n  - Harrowfield Homes\nspeakers: false\n"
        "keep: [Council]\n",
    )
    rules = load_redactions(path)
    assert dict(rules.rules) == {
        "Jo Bloggs": "[name]",  # unquoted [name] is the text "[name]", not a YAML list
        "Priya": "[council officer]",
        "Meadowbank": "[place]",
        "Harrowfield Homes": "[organisation]",
    }
    assert rules.speakers is False and rules.keep == {"Council"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("names:\n  Jo: x\n  - Dev\n", r"redact.yaml:3: .*Fix the YAML syntax"),
        ("name:\n  Jo: x\n", r"redact.yaml:1: unknown key 'name' .*Did you mean 'names'\?"),
        (
            "names:\n  Jo: x\nplaces:\n  jo: y\n",
            r"redact.yaml:4: 'jo' is listed twice \(first on line 2\)",
        ),
        ("speakers: maybe\n", r"redact.yaml:1: speakers must be true or false"),
        ("- Jo\n", r"redact.yaml:1: the rules must be a mapping"),
        ("names:\n  Jo: {a: b}\n", r"redact.yaml:2: the replacement of 'Jo' must be"),
    ],
)
def test_load_redactions_errors_name_the_line(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        load_redactions(write(tmp_path / "redact.yaml", text))


def test_load_redactions_empty_file_hides_speakers_only(tmp_path):
    rules = load_redactions(write(tmp_path / "redact.yaml", "# nothing yet\n"))
    assert not rules.rules and rules.speakers
