"""Errors that qualcode raises, each with a sentence a user can act on.

    QualcodeError                 base: catch this to catch everything of ours
     ├── InputError               a file the user gave is unreadable or malformed
     │    ├── CodebookError       codebook.yaml has problems (all of them, at once)
     │    └── BadRows             rows of a codings file cannot be imported (all of them)
     ├── ProjectNotFound          no qualcode project where one was looked for
     ├── DatabaseProblem          the database is not ours, damaged, busy, read-only, unreachable
     ├── NotFound                 an unknown document, segment or code name
     ├── NotAllowed               another coder's work, or a lead's job (see visibility)
     └── NoCoder                  a command acts as someone, and nobody said who

The CLI prints ``str(error)`` as one line and exits with status 1.
"""

from __future__ import annotations

from pathlib import Path


class QualcodeError(Exception):
    """Base class of every error qualcode raises on purpose."""


class InputError(QualcodeError):
    """A file is bad: the message names the file, the line where known, and the fix."""

    def __init__(
        self, path: str | Path, message: str, *, line: int | None = None, hint: str = ""
    ) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        self.hint = hint
        super().__init__(str(self))

    @property
    def detail(self) -> str:
        """The message and the hint, without the file and line."""
        return f"{self.message}. {self.hint}" if self.hint else self.message

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.detail}"


class CodebookError(InputError):
    """Every problem of a codebook, so the user can fix them in one pass."""

    def __init__(self, path: str | Path, problems: list[tuple[int | None, str]]) -> None:
        self.problems = problems
        super().__init__(path, f"{len(problems)} problem(s) in the codebook")

    def __str__(self) -> str:
        return "\n".join(
            f"{self.path}:{line}: {msg}" if line else f"{self.path}: {msg}"
            for line, msg in self.problems
        )


class BadRows(InputError):
    """Every bad row of a codings file, so the user can fix them in one pass. ``problems``
    are (where, what) pairs; the message gives each once, rows with the same problem
    together and counted (``lines 4, 9, 12 (3): no coder: ...``), a line each."""

    def __init__(self, path: str | Path, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__(path, f"{len(problems)} bad row(s), nothing imported")

    def __str__(self) -> str:
        grouped: dict[str, list[str]] = {}
        for where, what in self.problems:
            grouped.setdefault(what, []).append(where)
        lines = []
        for what, places in grouped.items():
            unit, _ = places[0].split(" ", 1)
            numbers = ", ".join(p.split(" ", 1)[-1] for p in places)
            label = f"{unit}s {numbers} ({len(places)})" if len(places) > 1 else places[0]
            lines.append(f"{label}: {what}")
        if len(lines) == 1:  # one line, as every other error
            return f"{self.path}: {self.message}: {lines[0]}"
        return "\n  ".join([f"{self.path}: {self.message}:", *lines])


class ProjectNotFound(QualcodeError):
    """No project database where one was expected."""


class DatabaseProblem(QualcodeError):
    """The database cannot be used as it is; the message names it and what to do."""


class NotFound(QualcodeError):
    """An unknown document, segment or code, with the nearest names as a hint."""


class NoCoder(QualcodeError):
    """A change needs a coder's name, and none was given."""

    def __init__(self) -> None:
        super().__init__(
            "say who you are: qualcode --as NAME COMMAND ... (or set QUALCODE_CODER=NAME)"
        )


class NotAllowed(QualcodeError):
    """Another coder's work to change, or to see while the round is closed; or a lead's job."""
