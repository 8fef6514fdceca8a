"""Agreement read from a project: units, missing values, exclusive themes, the report.

The figures are checked against :mod:`qualcode.agreement` run on matrices built here
independently, one segment at a time from ``queries.codings`` and ``queries.segments``,
so a wrong assembly (units, missingness, overlap, exclusive themes) fails the tests.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import write
from sqlalchemy import delete, func, select

from qualcode import QualcodeError, queries
from qualcode.agreement import (
    character_agreement,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    unitizing_alpha,
)
from qualcode.coding import apply_coding, code_segment, find_code, get_coder
from qualcode.importing import import_files
from qualcode.models import Coding, Document
from qualcode.reliability import agreement_table, render_html, require_lead_or_open_round
from qualcode.team import assign, set_round

ON_BOTH_BACKENDS = True  # on SQLite and on PostgreSQL (conftest.py)

DOC_A = "area-1-mapping-workshop.md"
DOC_B = "area-2-interview-council-officer.txt"
EXCLUSIVE = "Relationship types"


def unit_table(project, coders, assigned=None):
    """Segments × (coder, code) presence built the slow, obvious way; None where missing.

    ``assigned`` maps coder -> documents; by default, the documents the coder coded.
    """
    codings = queries.codings(project)
    codings = codings[codings.coder.isin(coders)]
    if assigned is None:
        assigned = {c: set(codings[codings.coder == c].document) for c in coders}
    units = []
    for document in queries.documents(project).name:
        if not any(document in assigned[c] for c in coders):
            continue
        mine = codings[codings.document == document][["start", "end", "coder", "code"]]
        mine = list(mine.itertuples(index=False))
        for segment in queries.segments(project, document).itertuples():
            row = {"document": document, "segment": segment.ordinal}
            for coder in coders:
                codes = {
                    c.code
                    for c in mine
                    if c.coder == coder and c.start < segment.end and c.end > segment.start
                }
                row[coder] = codes if document in assigned[coder] else None
            units.append(row)
    return units


def binary(units, coders, code):
    return [[None if u[c] is None else code in u[c] for u in units] for c in coders]


def exclusive(units, coders, members):
    """The value of an exclusive theme: which of its codes, ``none``, or ``A + B``."""

    def value(codes):
        chosen = [m for m in members if m in codes]
        return " + ".join(chosen) if chosen else "none"

    return [[None if u[c] is None else value(u[c]) for u in units] for c in coders]


def close(a, b):
    return (a is None and b is None) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def test_agreement_table_matches_the_statistics_on_independent_matrices(coded_project):
    report = agreement_table(coded_project)
    codes = queries.codes(coded_project)
    parents = set(codes.parent.dropna())
    under = set(codes[codes.parent == EXCLUSIVE].name)
    expected = [n for n in codes.name if n not in parents and n not in under]
    expected.insert(expected.index("Profile and reputation"), EXCLUSIVE)
    assert report.per_code.code.tolist() == expected
    assert report.coders == ["ana", "ben"] and report.kappa_statistic == "Cohen's kappa"
    units = unit_table(coded_project, ["ana", "ben"])
    assert len(units) == 1566
    rows = report.per_code.set_index("code")
    codings = queries.codings(coded_project)
    for code in expected:
        covered = sorted(under) if code == EXCLUSIVE else [code]
        made = codings[(codings.coder == "ana") & codings.code.isin(covered)]
        if code == EXCLUSIVE:
            data = exclusive(units, ["ana", "ben"], sorted(under))
        else:
            data = binary(units, ["ana", "ben"], code)
        row = rows.loc[code]
        assert row.units == 1566
        assert row.used_ana == len(made)  # "used by" counts codings, not segments
        assert close(row.kappa, cohen_kappa(*data).value), code
        assert close(row.alpha, krippendorff_alpha(data).value), code
        assert close(row.observed, percent_agreement(data).value), code
    # pooled: every code × segment decision, the exclusive theme's three codes one by one
    assert report.pooled["decisions"] == 1566 * (len(expected) - 1 + len(under))
    assert "counts as assigned to the documents they coded" in report.notes[0]


def test_pooled_alpha_is_alpha_over_every_code_and_segment(coded_project):
    report = agreement_table(coded_project, theme="Power")
    units = unit_table(coded_project, ["ana", "ben"])
    rows = [binary(units, ["ana", "ben"], code) for code in report.per_code.code]
    stacked = [sum((r[k] for r in rows), []) for k in range(2)]
    assert close(report.pooled["alpha"], krippendorff_alpha(stacked).value)
    assert close(report.pooled["kappa"], cohen_kappa(*stacked).value)
    assert report.filters == {"theme": "Power"}
    assert close(report.pooled["median_alpha"], float(np.median(report.per_code.alpha)))


def test_a_code_nobody_used_is_undefined_with_a_reason_not_nan(coded_project):
    with coded_project.transaction() as session:
        trust = find_code(session, "Trust")
        session.execute(delete(Coding).where(Coding.code_id == trust.id))
    report = agreement_table(coded_project)
    row = report.per_code.set_index("code").loc["Trust"]
    for name in ("kappa", "alpha"):
        assert row[name] is None
        assert row[f"{name}_reason"] == "nobody used it on a segment coded by two or more coders"
    assert row.used_ana == row.used_ben == 0
    assert report.pooled["undefined_alpha"] == 1
    defined = [v for v in report.per_code.alpha if v is not None]
    assert close(report.pooled["mean_alpha"], float(np.mean(defined)))
    cells = report.by_document[report.by_document.code == "Trust"]
    assert set(cells.alpha_reason) == {"nobody used it here"}


def test_three_coders_take_fleiss_kappa(example_project):
    with example_project.transaction() as session:
        assign(session, [DOC_A], ["ana", "ben", "cy"])
        for ordinal, who in [
            (3, "ana ben"),
            (4, "ana ben cy"),
            (5, "cy"),
            (9, "ben cy"),
            (12, "ana"),
        ]:
            for name in who.split():
                code_segment(session, DOC_A, ordinal, "Trust", name)
    report = agreement_table(example_project, code="Trust")
    assert report.coders == ["ana", "ben", "cy"] and report.kappa_statistic == "Fleiss' kappa"
    coders = ["ana", "ben", "cy"]
    data = binary(
        unit_table(example_project, coders, {c: {DOC_A} for c in coders}), coders, "Trust"
    )
    chosen = np.array(data, dtype=float).sum(axis=0)
    row = report.per_code.iloc[0]
    assert close(row.kappa, fleiss_kappa(np.column_stack([3 - chosen, chosen])).value)
    assert close(row.alpha, krippendorff_alpha(data).value)
    assert row.disagreements == 4
    assert report.basis == "assignments"


def test_assignments_make_other_documents_missing_not_absent(example_project):
    with example_project.transaction() as session:
        assign(session, [DOC_A], ["ana", "ben"])
        assign(session, [DOC_B], ["ana"])
        code_segment(session, DOC_A, 3, "Trust", "ana")
        code_segment(session, DOC_A, 3, "Trust", "ben")
        code_segment(session, DOC_A, 7, "Trust", "ben")
        code_segment(session, DOC_B, 2, "Trust", "ana")
        code_segment(session, DOC_B, 4, "Trust", "ben")  # not ben's document: left out
    report = agreement_table(example_project, code="Trust")
    assigned = {"ana": {DOC_A, DOC_B}, "ben": {DOC_A}}
    data = binary(unit_table(example_project, ["ana", "ben"], assigned), ["ana", "ben"], "Trust")
    row = report.per_code.iloc[0]
    assert row.units == len(queries.segments(example_project, DOC_A))
    assert (row.used_ana, row.used_ben) == (2, 2)
    assert close(row.alpha, krippendorff_alpha(data).value)
    assert close(row.kappa, cohen_kappa(*data).value)
    assert (
        "1 coding(s) by ben lie in documents not assigned to them and are left out." in report.notes
    )
    assert "1 document(s) have only one of these coders and add no pairs." in report.notes
    assert report.by_document.document.tolist() == [DOC_A]


def test_an_exclusive_theme_is_one_variable_and_a_coding_marks_every_segment_it_overlaps(
    example_project,
):
    segments = queries.segments(example_project, DOC_A).set_index("ordinal")
    with example_project.transaction() as session:
        code_segment(session, DOC_A, 3, "Powerful allies", "ana")
        code_segment(session, DOC_A, 3, "Clients and contractors", "ben")
        # a coding over segments 5 to 7, and another code of the theme on segment 6
        apply_coding(session, DOC_A, segments.start[5], segments.end[7], "Powerful allies", "ana")
        code_segment(session, DOC_A, 6, "Friends and acquaintances", "ana")
        code_segment(session, DOC_A, 7, "Powerful allies", "ben")
    report = agreement_table(example_project, theme=EXCLUSIVE)
    assert report.per_code.code.tolist() == [EXCLUSIVE]
    shown = report.disagreements.set_index("segment")[["ana", "ben"]]
    assert shown.loc[3].tolist() == ["Powerful allies", "Clients and contractors"]
    assert shown.loc[5].tolist() == ["Powerful allies", "none"]
    assert shown.loc[6].tolist() == ["Powerful allies + Friends and acquaintances", "none"]
    assert 7 not in shown.index  # both said Powerful allies
    members = ["Powerful allies", "Friends and acquaintances", "Clients and contractors"]
    data = exclusive(unit_table(example_project, ["ana", "ben"]), ["ana", "ben"], members)
    assert close(report.per_code.alpha.iloc[0], krippendorff_alpha(data).value)
    assert report.disagreements.text.iloc[0] == segments.text[3]


def test_by_document_alpha_is_the_alpha_of_that_document_alone(coded_project):
    report = agreement_table(coded_project, code="Confidence")
    units = [u for u in unit_table(coded_project, ["ana", "ben"]) if u["document"] == DOC_A]
    data = binary(units, ["ana", "ben"], "Confidence")
    cell = report.by_document.set_index("document").loc[DOC_A]
    assert close(cell.alpha, krippendorff_alpha(data).value)
    assert close(cell.percent, percent_agreement(data).value)
    assert cell.units == len(units)


def test_span_unit_is_character_agreement_and_unitizing_alpha_over_the_texts(coded_project):
    report = agreement_table(coded_project, code="Trust", unit="span")
    codings = queries.codings(coded_project, code="Trust")
    with coded_project.sessionmaker() as session:
        lengths = dict(session.execute(select(Document.name, func.length(Document.text))).all())
    base, offset = {}, 0  # the documents end to end, in name order, as one continuum
    for name in sorted(lengths):
        base[name], offset = offset, offset + lengths[name]
    spans = [(c.coder, "Trust", base[c.document] + c.start, base[c.document] + c.end)
             for c in codings.itertuples()]  # fmt: skip
    chars = character_agreement(spans, offset, coders=["ana", "ben"])["Trust"]
    unitizing = unitizing_alpha(spans, offset, coders=["ana", "ben"])
    row = report.per_code.iloc[0]
    assert row.units == offset
    assert (row.used_ana, row.used_ben) == (chars.marked["ana"], chars.marked["ben"])
    assert close(row.kappa, chars.kappa.value) and close(row.alpha, chars.alpha.value)
    assert close(row.unitizing_alpha, unitizing.by_category["Trust"].value)
    assert close(report.pooled["unitizing_alpha"], unitizing.value)
    assert close(report.pooled["alpha"], chars.alpha.value)


def test_html_report_escapes_transcript_text_and_fetches_nothing(example_project, tmp_path):
    path = write(tmp_path / "t" / "x.txt", "Jo: We said <script>alert(1)</script> to them.\n")
    import_files(example_project, [path])
    with example_project.transaction() as session:
        code_segment(session, "x.txt", 1, "Trust", "ana")
        code_segment(session, "x.txt", 1, "Respect", "ben")
    html = render_html(agreement_table(example_project))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html
    assert "http://" not in html and "https://" not in html and "<link" not in html
    assert 'title="nobody used it on a segment coded by two or more coders"' in html


def test_agreement_needs_a_lead_or_an_open_round(example_project):
    with example_project.transaction() as session:
        get_coder(session, "lee", role="lead")
        get_coder(session, "ana")
        get_coder(session, "ben")  # two coders: someone to be blind to
    with example_project.transaction() as session:
        with pytest.raises(QualcodeError) as caught:
            require_lead_or_open_round(session, "ana", "agreement")
        assert str(caught.value) == (
            "ana is not a lead: agreement shows every coder's codings, so it needs a lead "
            "(--as NAME, a coder made with `qualcode coder NAME --role lead`) or an open "
            "round (`qualcode round open --coder LEAD`)"
        )
        with pytest.raises(QualcodeError, match="^nobody said who is asking: agreement"):
            require_lead_or_open_round(session, None, "agreement")
        require_lead_or_open_round(session, "lee", "agreement")
        set_round(session, "lee", open_=True)
        require_lead_or_open_round(session, "ana", "agreement")


def test_agreement_needs_two_coders(example_project):
    with example_project.transaction() as session:
        code_segment(session, DOC_A, 3, "Trust", "ana")
    with pytest.raises(QualcodeError, match="^agreement needs two or more coders; found ana"):
        agreement_table(example_project)
