"""The ``qualcode`` command: each command parses, calls the library, prints.

Commands live in one module per area and register on the group in ``_base``.
"""

# Importing a command module registers its commands on the group.
from . import (  # noqa: F401
    accounts,
    agreement,
    codebook,
    coding,
    exchange,
    export,
    project,
    revisions,
    suggest,
    team,
    web,
)
from ._base import cli


def main() -> None:
    cli(prog_name="qualcode")


__all__ = ["cli", "main"]
