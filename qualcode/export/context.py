"""What an export template receives: :class:`ExportContext` and the types it holds.

Every field carries its help text; ``tests/test_export.py`` fails when these fields and
the README's list of template variables drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


def _help(text: str) -> Any:
    return field(metadata={"help": text})


@dataclass(slots=True)
class Chip:
    """A code shown as a coloured label."""

    name: str = _help("The code's name.")
    colour: str = _help("Its colour (`#rrggbb`): the code's, else its theme's, else a palette's.")


@dataclass(slots=True)
class Excerpt:
    """One coded excerpt, ready to show (texts redacted, whitespace collapsed)."""

    anchor: str = _help("An id for links: `q1`, `q2`...")
    code: str = _help("The code (its path below the theme for sub-codes).")
    theme: str = _help("The code's theme.")
    colour: str = _help("The code's colour, for the highlight.")
    codes: list[Chip] = _help("This code, then the other codes on overlapping spans.")
    others: list[Chip] = _help("Only the other codes on overlapping spans.")
    before: str = _help("Context before the quote (`…` where cut).")
    text: str = _help("The quote: the coded text.")
    after: str = _help("Context after the quote (`…` where cut).")
    attribution: str = _help("Who said it, in the report's style: `Local authority`.")
    reference: str = _help("Where from: document, speaker (or role), time or segment.")
    document: str = _help("The document's name.")
    speaker: str = _help("The speaker's label, or role when names are hidden.")
    time: str = _help("The segment's time (`00:01:34`), or empty.")
    segment: int | None = _help("The segment's number in its document (`qualcode segments`).")
    start: int = _help("Offset of the quote in the document's text.")
    end: int = _help("Offset just after the quote.")
    coder: str = _help(
        "Who coded it: `ana, ben` when both gave this code to the passage (their codings "
        "overlap or touch), unless exported with `--keep-coders-apart`."
    )
    origin: str = _help(
        "How the coding came: `manual`, `import`, `suggestion` (an accepted suggestion), "
        "`consensus`; several, comma-separated, when a passage's codings differ."
    )
    reanchored: bool = _help(
        "True when a correction of the transcript moved this coding onto changed words (or "
        "found it by search) and nobody has checked it since: templates mark it."
    )
    memo: str = _help(
        "The coding's memo, or empty; a passage's memos joined by `; `, each with its "
        "coder's name when coders differ."
    )
    attributes: dict[str, Any] = _help("Document and speaker attributes (speaker's win).")
    notes: list[str] = _help("Memos on the sentences the quote touches: `ana: words` each.")


@dataclass(slots=True)
class Group:
    """A heading of the export and what is under it."""

    key: str = _help("What this level groups by: `theme`, `code` or an attribute.")
    label: str = _help("The heading: a theme, a code, or an attribute value (capitalised).")
    level: int = _help("Depth: 1 for the outermost heading.")
    anchor: str = _help("An id for links from the table of contents.")
    count: int = _help("Excerpts under this heading.")
    colour: str = _help("The theme's or code's colour; empty for attribute values.")
    description: str = _help("The theme's description or the code's definition.")
    groups: list[Group] = _help("Headings one level down (empty at the last level).")
    excerpts: list[Excerpt] = _help("The excerpts (at the last level only).")
    memos: list[str] = _help("Memos on the theme or code: `ana: words` each (else empty).")


@dataclass(slots=True)
class Cell:
    """One cell of a matrix."""

    count: int = _help("Excerpts in the cell.")
    shade: int = _help("0-100: the count as a share of the matrix's largest cell.")


@dataclass(slots=True)
class MatrixRow:
    """One row of a matrix: a theme or a code."""

    label: str = _help("The theme or code.")
    group: str = _help("For code rows, the theme (empty for theme rows).")
    first: bool = _help("True on the first row of a theme (to print the theme above it).")
    colour: str = _help("The theme's or code's colour.")
    cells: list[Cell] = _help("One cell per column.")
    total: int = _help("Excerpts in the row.")


@dataclass(slots=True)
class Matrix:
    """Counts of excerpts by theme or code (rows) and by an attribute's values (columns)."""

    title: str = _help("A caption: `Codes by agency type`.")
    attribute: str = _help("The attribute of the columns.")
    columns: list[str] = _help("The attribute's values, as labels.")
    rows: list[MatrixRow] = _help("The rows, in codebook order.")
    totals: list[int] = _help("Column totals.")
    total: int = _help("All excerpts counted.")


@dataclass(slots=True)
class ExportContext:
    """What an export template receives (each field is a template variable)."""

    title: str = _help("The export's title (`--title`, else the codebook's).")
    generated: str = _help("When the export was made: `2026-05-09 14:03`.")
    version: str = _help("The qualcode version that made it.")
    total: int = _help("Number of excerpts.")
    by: list[str] = _help("The grouping keys as given: `['theme', 'agency_type']`.")
    levels: list[str] = _help("The heading levels: `['theme', 'code', 'agency_type']`.")
    filters: list[str] = _help("The filters applied, in words: `code: Trust`.")
    redaction: str = _help("How names were hidden, in a sentence (empty if they were not).")
    notes: list[str] = _help(
        "What the default grouping left out, a sentence each: `not grouped by agency_type: "
        "no document or speaker of these excerpts has it`."
    )
    coders: list[str] = _help(
        "Every coder whose codings are exported; templates name an excerpt's coders "
        "when there are several."
    )
    groups: list[Group] = _help("The outermost headings, each holding the rest.")
    codes: list[Chip] = _help("Every code with excerpts, in codebook order (a legend).")
    counts: Matrix | None = _help("Excerpts by theme × `matrix_attribute` (or None).")
    matrix: Matrix | None = _help("Excerpts by code × `matrix_attribute`: the heat map.")
    matrix_attribute: str = _help("The attribute of the matrices' columns, or empty.")
    templates: list[str] = _help("Templates considered, the one used marked with `*`.")

    def variables(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
