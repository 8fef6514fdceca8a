"""The ``qualcode`` command: each command parses, calls the library, prints.

Commands live in one module per area and register on the group in ``_base``.
"""

from . import agreement, codebook, coding, export, project, team  # noqa: F401  (registers the commands)
from ._base import cli


def main() -> None:
    cli(prog_name="qualcode")


__all__ = ["cli", "main"]
