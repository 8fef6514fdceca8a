"""The README documents every command, and every command has help."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from qualcode.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found.extend(commands(command, f"{prefix}{name} "))
    return found


@pytest.mark.parametrize(("name", "command"), commands(cli), ids=lambda v: str(v))
def test_every_command_is_in_the_readme_and_has_help(name, command):
    assert re.search(rf"qualcode (--as \w+ )?{name}\b", README)
    assert command.help and command.help.strip()


def test_readme_opens_with_the_two_commands():
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "make example" in first_block and "make test" in first_block


def command_lists(group: click.Group, name: str = "qualcode") -> dict[str, str]:
    """What `--help` lists for each command of ``group`` and its sub-groups, at 80 columns."""
    ctx = click.Context(group, info_name=name, terminal_width=80)
    formatter = ctx.make_formatter()
    group.format_commands(ctx, formatter)
    prefix = "" if group is cli else f"{name} "
    listed = {}
    for line in formatter.getvalue().splitlines()[1:]:
        command, _, short = line.strip().partition(" ")
        listed[f"{prefix}{command}"] = short.strip()
    for sub_name, sub in group.commands.items():
        if isinstance(sub, click.Group):
            listed |= command_lists(sub, f"{prefix}{sub_name}")
    return listed


LISTED = command_lists(cli)


@pytest.mark.parametrize(("name", "command"), commands(cli), ids=lambda v: str(v))
def test_help_lists_each_command_by_a_whole_first_sentence(name, command):
    """click cuts a command's help at its first period (`quotes` at "e.g.") and at the
    width: the first paragraph must be one short sentence, the rest come after."""
    first = " ".join(command.help.split("\n\n")[0].split())
    assert LISTED[name] == first
    assert first.endswith(".") and not first.endswith(("e.g.", "i.e.", "..."))
