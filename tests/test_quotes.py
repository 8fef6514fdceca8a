"""Quotes: coded excerpts with attribution and context, filtered, as one DataFrame."""

from __future__ import annotations

import json

import pytest
from helpers import write

from qualcode import NotFound, import_files, load_codebook, queries, sync_codebook
from qualcode.cli import cli
from qualcode.coding import apply_coding, code_segment, find_code, get_coder
from qualcode.quotes import QUOTE_COLUMNS, code_matrix, cooccurrence, project_redactor, quotes
from qualcode.redact import Redactor

ON_BOTH_BACKENDS = True  # on SQLite and on PostgreSQL (conftest.py)

PCN = "area-3-facilitated-conversation-pcn.md"
WORKSHOP = "area-1-mapping-workshop.md"


def ordinal(project, document: str, phrase: str) -> int:
    """The number of the segment of ``document`` that contains ``phrase``."""
    frame = queries.segments(project, document)
    return int(frame[frame.text.str.contains(phrase, regex=False)].ordinal.iloc[0])


def code(project, document: str, phrase: str, code_ref: str, coder: str = "ana") -> None:
    with project.transaction() as session:
        code_segment(session, document, ordinal(project, document, phrase), code_ref, coder)


def code_examples(project):
    """Five codings of the example, by ana and ben: health agency and community voices."""
    code(project, PCN, "The ICB is the body above us", "speaking-the-language")
    code(project, PCN, "The ICB is the body above us", "understanding-the-system", "ben")
    code(project, PCN, "do I go to Nadia", "understanding-the-system")
    code(project, PCN, "I didn't know you were running", "mutual-knowledge")
    code(project, WORKSHOP, "Sorrel Court would believe", "trust", "ben")
    return project


def lead(project):
    """The project with a lead, lee, who sees every coder's work in a closed round."""
    with project.transaction() as session:
        get_coder(session, "lee", role="lead")
    return project


def test_quotes_have_every_column_and_every_attribute(example_project):
    coded = code_examples(example_project)
    frame = quotes(coded)
    assert list(frame.columns[: len(QUOTE_COLUMNS)]) == QUOTE_COLUMNS
    for attribute in ("title", "area", "method", "date", "role", "agency_type"):
        assert attribute in frame.columns
    row = frame[frame.text.str.startswith("The ICB is the body")].iloc[0]
    assert row.speaker == "Clare"
    assert row.agency_type == "health agency"
    assert row.attribution == "Health agency"
    assert row.area == "Area 3"
    assert row.theme == "Factors that help or hinder relationships"
    assert row.reference.startswith(f"{PCN}, Clare, segment ")


def test_quotes_text_is_the_exact_coded_text(example_project):
    coded = code_examples(example_project)
    with coded.sessionmaker() as session:
        text = queries.find_document(session, PCN).text
    for row in quotes(coded).itertuples():
        if row.document == PCN:
            assert text[row.start : row.end] == row.text


@pytest.mark.parametrize(
    "ref", ["Speaking the language", "speaking-the-language", "SPEAKING THE LANGUAGE"]
)
def test_quotes_filter_by_code_name_or_slug(example_project, ref):
    coded = code_examples(example_project)
    frame = quotes(coded, code=ref)
    assert list(frame.code) == ["Speaking the language"]


def test_quotes_filter_by_code_id(example_project):
    coded = code_examples(example_project)
    code_id = quotes(coded, code="trust").code_id.iloc[0]
    assert list(quotes(coded, code=code_id).code) == ["Trust"]


def test_quotes_theme_includes_its_codes(example_project):
    coded = code_examples(example_project)
    frame = quotes(coded, theme="Factors that help or hinder relationships")
    assert sorted(frame.code) == [
        "Speaking the language",
        "Understanding the system",
        "Understanding the system",
    ]


def test_quotes_filter_by_coder(example_project):
    coded = code_examples(example_project)
    assert sorted(quotes(coded, coder="ben").code) == ["Trust", "Understanding the system"]


def test_quotes_leave_out_archived_codes_unless_named(example_project):
    coded = code_examples(example_project)
    with coded.transaction() as session:
        find_code(session, "trust").archived = True
    assert "Trust" not in set(quotes(coded).code)
    assert list(quotes(coded, code="trust").code) == ["Trust"]
    assert "Trust" in set(quotes(coded, include_archived=True).code)


def test_quotes_in_a_closed_round_show_a_coder_only_their_own(example_project):
    coded = code_examples(example_project)
    assert set(quotes(coded, viewer="ben").coder) == {"ben"}
    assert quotes(coded, viewer="someone new").empty
    with coded.transaction() as session:
        get_coder(session, "lee", role="lead")
    assert set(quotes(coded, viewer="lee").coder) == {"ana", "ben"}


def test_quotes_unknown_coder_lists_the_coders(example_project):
    coded = code_examples(example_project)
    with pytest.raises(NotFound, match=r"no coder 'bem'.*did you mean 'ben'"):
        quotes(coded, coder="bem")


def test_quotes_filter_by_attribute_any_case_and_list_of_values(example_project):
    coded = code_examples(example_project)
    health = quotes(coded, where={"agency_type": "Health Agency"})
    assert set(health.speaker) == {"Clare", "Nadia"}
    either = quotes(coded, where={"agency_type": ["health agency", "community"]})
    assert set(either.speaker) == {"Clare", "Nadia", "Osman", "Maureen"}
    assert set(quotes(coded, where={"area": "Area 1"}).code) == {"Trust"}


def test_quotes_unknown_attribute_suggests_the_nearest(example_project):
    coded = code_examples(example_project)
    with pytest.raises(NotFound, match="no attribute 'agency_typ'.*did you mean 'agency_type'"):
        quotes(coded, where={"agency_typ": "school"})


def test_quotes_text_search_is_case_insensitive(example_project):
    coded = code_examples(example_project)
    assert list(quotes(coded, text="sorrel court").code) == ["Trust"]


def test_quotes_cooccurrence_keeps_excerpts_coded_with_both(example_project):
    coded = code_examples(example_project)
    frame = quotes(coded, code="speaking-the-language", cooccurs_with="understanding-the-system")
    assert len(frame) == 1
    assert list(frame.codes.iloc[0]) == ["Speaking the language", "Understanding the system"]
    assert quotes(coded, code="trust", cooccurs_with="speaking-the-language").empty
    # a theme stands for its codes; an excerpt does not co-occur with itself
    factors = "Factors that help or hinder relationships"
    assert len(quotes(coded, code="understanding-the-system", cooccurs_with=factors)) == 1


def test_quotes_context_stays_in_the_speakers_paragraph(example_project):
    coded = code_examples(example_project)
    row = quotes(coded, code="trust").iloc[0]
    assert row.context_before == "I'm going for trust, straight off. "
    assert row.context_after.startswith(" They'd come round with a clipboard")
    assert row.context_after.endswith("…")  # cut at a space, within 150 characters
    assert "Maureen" not in row.context_before  # the turn's label is not context
    short = quotes(coded, code="trust", context=10).iloc[0]
    assert short.context_before == "…off. "
    assert quotes(coded, code="trust", context=0).iloc[0].context_after == ""


def passages(project):
    """The example codings, plus codings of one passage by two coders: ben's starts a
    segment earlier and overlaps ana's; ben's on the segment before ana's touches it; ana's
    in the next segment is a few words away from her first."""
    coded = code_examples(project)
    segments = queries.segments(coded, PCN).set_index("ordinal")
    nadia = ordinal(coded, PCN, "do I go to Nadia")
    with coded.transaction() as session:
        text = queries.find_document(session, PCN).text
        middle = text.index("do I go to Nadia") + 5
        apply_coding(session, PCN, int(segments.start[nadia - 1]), middle,
                     "understanding-the-system", "ben")  # fmt: skip
        later = text.index("the names change")
        apply_coding(session, PCN, later, later + 16, "understanding-the-system", "ana")
    code(coded, PCN, "That you had a pot of money", "mutual-knowledge", "ben")
    return coded, text


def test_quotes_merge_overlapping_and_touching_codings_of_a_code(example_project):
    coded, text = passages(example_project)
    assert len(quotes(coded, code="understanding-the-system")) == 4  # one row per coding
    merged = quotes(coded, code="understanding-the-system", merge=True)
    assert merged.coder.tolist() == ["ben", "ana, ben", "ana"]
    passage = merged.iloc[1]
    assert passage.text == text[passage.start : passage.end]
    assert passage.text.startswith("And that's exactly the problem for us.")
    assert passage.text.endswith("do I go to the ICB's community people?")
    assert len(passage.coding_id.split("; ")) == 2 and passage.origin == "manual"
    assert merged.iloc[2].text == "the names change"  # words between: not the same passage
    touching = quotes(coded, code="mutual-knowledge", merge=True)
    assert touching.coder.tolist() == ["ana, ben"]
    assert touching.text.iloc[0] == (
        "That you had a pot of money and groups applied. "
        "I didn't know you were running anything yourselves."
    )


def test_quotes_merge_may_keep_coders_apart(example_project):
    coded, _ = passages(example_project)
    apart = quotes(coded, code="understanding-the-system", merge=True, keep_coders_apart=True)
    assert apart.coder.tolist() == ["ben", "ben", "ana", "ana"]
    assert len(quotes(coded, code="mutual-knowledge", merge=True, keep_coders_apart=True)) == 2


def test_quotes_merge_after_filtering(example_project):
    coded, _ = passages(example_project)
    mine = quotes(coded, code="understanding-the-system", coder="ana", merge=True)
    assert mine.coder.tolist() == ["ana", "ana"]
    assert mine.text.iloc[0].startswith("If I want to talk about loneliness")


def test_quotes_speaker_of_a_coding_across_segments_is_at_its_start(example_project):
    coded = code_examples(example_project)
    first = ordinal(coded, PCN, "I'm not entirely sure what a primary")
    segments = queries.segments(coded, PCN).set_index("ordinal")
    with coded.transaction() as session:
        apply_coding(
            session, PCN, int(segments.start[first]), int(segments.end[first + 1]),
            "mutual-knowledge", "ana",
        )  # fmt: skip
    row = quotes(coded, text="what a primary care network").iloc[0]
    assert row.speaker == "Ruth"
    assert row.segment == first


def test_quotes_speaker_attribute_wins_over_the_documents(project):
    path = write(
        project.root / "t" / "board.md",
        "---\nagency_type: community\nspeakers:\n  Sam: {agency_type: school}\n---\n"
        "Sam: We meet the head every month.\n",
    )
    import_files(project, [path])
    with project.transaction() as session:
        sync_codebook(session, load_codebook(write(project.root / "codebook.yaml", CODEBOOK)))
        code_segment(session, "board.md", 1, "trust", "ana")
    row = quotes(project).iloc[0]
    assert (row.agency_type, row.document_agency_type, row.speaker_agency_type) == (
        "school", "community", "school",
    )  # fmt: skip
    assert len(quotes(project, where={"agency_type": "school"})) == 1
    assert quotes(project, where={"agency_type": "community"}).empty


CODEBOOK = """\
title: Tiny
themes:
  - name: Criteria
    description: Signs of a relationship that works.
    codes:
      - name: Trust
        definition: Confidence in good faith.
"""


def test_quotes_redactor_hides_names_and_shows_roles(example_project):
    coded = code_examples(example_project)
    frame = quotes(coded, code="understanding-the-system", redactor=project_redactor(coded))
    osman = frame[frame.text.str.contains("do I go to")].iloc[0]
    assert "Nadia" not in osman.text and "do I go to [name]" in osman.text
    assert osman.speaker == "Big Local worker"
    assert "Osman" not in osman.reference and "Big Local worker" in osman.reference


def test_quotes_redaction_keeps_the_highlight_in_place(example_project):
    coded = code_examples(example_project)
    redactor = Redactor({"Sorrel Court": "[street]", "trust": "[x]"}, speakers=False)
    row = quotes(coded, code="trust", redactor=redactor).iloc[0]
    assert row.text == "Because for years nobody on [street] would believe a word the council said."
    assert row.context_before == "I'm going for [x], straight off. "
    assert (row.start, row.speaker) == (quotes(coded, code="trust").start.iloc[0], "Maureen")


def test_code_matrix_counts_codes_by_attribute(example_project):
    coded = code_examples(example_project)
    matrix = code_matrix(quotes(coded), "agency_type")
    assert list(matrix.columns) == ["community", "health agency"]
    assert matrix.loc[("Criteria of an effective relationship", "Trust"), "community"] == 1
    assert matrix.loc[
        ("Factors that help or hinder relationships", "Understanding the system")
    ].tolist() == [1, 1]


def test_cooccurrence_counts_overlapping_codes(example_project):
    coded = code_examples(example_project)
    table = cooccurrence(quotes(coded))
    assert table.loc["Speaking the language", "Understanding the system"] == 1
    assert table.loc["Understanding the system", "Understanding the system"] == 2
    assert table.loc["Trust", "Speaking the language"] == 0


def test_cli_quotes_prints_quotes_with_attribution(example_project, runner):
    coded = lead(code_examples(example_project))
    result = runner.invoke(
        cli, ["--project", str(coded.root), "--as", "lee", "quotes", "--code",
              "speaking-the-language", "--where", "agency_type=health agency"],
        env={"COLUMNS": "250"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert '"The ICB is the body above us' in result.output
    assert "(Health agency)" in result.output
    assert result.output.rstrip().endswith("1 excerpt")


def test_cli_quotes_json_and_csv(example_project, runner):
    coded = lead(code_examples(example_project))
    result = runner.invoke(
        cli, ["--project", str(coded.root), "--as", "lee", "quotes", "--json", "--code", "trust"]
    )
    (row,) = json.loads(result.output)
    assert row["codes"] == ["Trust"] and row["speaker"] == "Maureen" and row["segment"] >= 1
    result = runner.invoke(
        cli, ["--project", str(coded.root), "--as", "lee", "quotes", "--csv", "--coder", "ben"]
    )
    lines = result.output.splitlines()
    assert lines[0].startswith("coding_id,code,") and len(lines) == 3


def test_cli_quotes_unknown_code_is_one_line(example_project, runner):
    coded = code_examples(example_project)
    result = runner.invoke(cli, ["--project", str(coded.root), "quotes", "--code", "trsut"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: no code 'trsut' in the codebook; did you mean 'Trust'? "
        "(see `qualcode codebook show`)\n"
    )
