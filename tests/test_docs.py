"""The README documents every command, and every command has help."""

from __future__ import annotations

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
    assert f"qualcode {name}" in README
    assert command.help and command.help.strip()


def test_readme_opens_with_the_two_commands():
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "make example" in first_block and "make test" in first_block
