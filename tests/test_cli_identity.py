"""Who acts: every command that acts as a coder takes the global `--as NAME` (or
QUALCODE_CODER), keeps `--coder NAME` as an alias, and says how to name yourself."""

from __future__ import annotations

import click
import pytest

from qualcode import queries
from qualcode.cli import cli
from qualcode.cli._base import CODER_ALIAS_HELP
from qualcode.coding import code_segment, get_coder
from qualcode.lookup import find_document
from qualcode.revisions.edit import rewrite
from qualcode.revisions.review import review_frame
from qualcode.suggest import store_suggestions
from qualcode.suggest.store import Found

DOC = "area-1-mapping-workshop.md"
# Every command that acts as someone, with arguments that make it act.
ACTING = {
    "code": ["code", DOC, "3", "Trust"],
    "uncode": ["uncode", DOC, "4", "Respect"],
    "undo": ["undo"],
    "memo": ["memo", "document", DOC, "a note"],
    "accept": ["accept", "1"],
    "reject": ["reject", "2"],
    "suggest": ["suggest"],
    "codebook merge": ["codebook", "merge", "Respect", "Trust"],
    "codebook split": ["codebook", "split", "Trust", "Respect", "--containing", "a"],
    "round": ["round", "open"],
    "edit": ["edit", DOC],  # $EDITOR is a sed that corrects one word (see `project`)
    "revert": ["revert", DOC, "1"],
    "review": ["review", "{waiting}", "--drop"],
}
FILTERS = {"codings", "codings export", "history", "quotes", "export", "agreement", "adjudicate"}


@pytest.fixture
def project(example_project, monkeypatch):
    monkeypatch.delenv("QUALCODE_CODER", raising=False)
    monkeypatch.setenv("EDITOR", "sed -i s/everyone/everybody/")
    segments = queries.segments(example_project, DOC).set_index("ordinal")
    with example_project.transaction() as session:
        get_coder(session, "lee", role="lead")
        gone = code_segment(session, DOC, 7, "Trust", "ana")  # its words are cut below
        cut, text = (gone.start, gone.end), find_document(session, DOC).text
        code_segment(session, DOC, 4, "Respect", "ana")
        code_ = queries.codes(example_project).set_index("name").id["Trust"]
        store_suggestions(
            session,
            "ana",
            [Found(int(segments.id[n]), code_, 0.9, "rules", {}) for n in (5, 6)],
        )
    rewrite(example_project, DOC, text[: cut[0]] + text[cut[1] :], author="lee")
    example_project.waiting = review_frame(example_project).id.iloc[0]  # revision 2
    return example_project


def run(runner, project, *args):
    args = [a.format(waiting=getattr(project, "waiting", "")) for a in args]
    return runner.invoke(cli, ["--project", str(project.root), *args], env={"COLUMNS": "200"})


def commands(group: click.Group, prefix: str = ""):
    for name, command in group.commands.items():
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from commands(command, f"{prefix}{name} ")


@pytest.mark.parametrize("name", [n for n in ACTING if n != "suggest"])
def test_every_acting_command_takes_the_global_as(project, runner, name):
    who = "lee" if name == "round" else "ana"
    result = run(runner, project, "--as", who, *ACTING[name])
    assert result.exit_code == 0, result.output
    assert "Missing option" not in result.output


@pytest.mark.parametrize("name", list(ACTING))
def test_without_a_name_the_error_says_how_to_give_one(project, runner, name):
    result = run(runner, project, *ACTING[name])
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines()[-1] == (
        "Error: say who you are: qualcode --as NAME COMMAND ... (or set QUALCODE_CODER=NAME)"
    )


def test_coder_stays_an_alias_and_the_environment_works(project, runner, monkeypatch):
    assert run(runner, project, "code", DOC, "3", "Trust", "--coder", "ben").exit_code == 0
    monkeypatch.setenv("QUALCODE_CODER", "cy")
    assert run(runner, project, "code", DOC, "3", "Trust").exit_code == 0
    frame = queries.codings(project, document=DOC, code="Trust")
    assert sorted(frame.coder) == ["ben", "cy"]


def test_every_coder_option_is_the_alias_or_a_filter():
    """A new command with its own --coder must choose: act as someone, or filter by them."""
    for name, command in commands(cli):
        for param in command.params:
            if "--coder" not in getattr(param, "opts", []):
                continue
            if param.help == CODER_ALIAS_HELP:
                assert name in ACTING, f"{name} acts as a coder: add it to ACTING"
            else:
                assert name in FILTERS or name in {"codings import", "serve"}, name
    acting = {n for n, c in commands(cli) for p in c.params if p.help == CODER_ALIAS_HELP}
    assert acting == set(ACTING)
