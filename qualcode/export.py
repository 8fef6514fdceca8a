"""Exports of coded excerpts: HTML, Markdown and DOCX for reading, CSV and XLSX for tables.

Excerpts come from :func:`qualcode.quotes.quotes` (redacted unless asked otherwise) and
are grouped by ``by``: ``theme`` (then code), then any attribute. HTML and Markdown are
Jinja templates a user may override: a file of the same name in ``--template-dir`` or in
the project's ``templates/`` folder wins over the packaged one, and may extend it as
``{% extends "default:quotes.html" %}``. Templates receive an :class:`ExportContext`;
every field carries its help text, and ``tests/test_export.py`` fails when these fields
and the README's list of template variables drift apart.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import jinja2
import pandas as pd

from .codebook import slugify
from .errors import NotFound, QualcodeError
from .project import Project
from .quotes import (
    MISSING,
    QUOTE_COLUMNS,
    CodeTree,
    clock,
    code_matrix,
    code_tree,
    cooccurrence,
    label,
    project_redactor,
    quotes,
)
from .redact import Redactor

FORMATS = ("html", "md", "docx", "csv", "xlsx")
TEMPLATED = ("html", "md")
PACKAGED = Path(__file__).resolve().parent / "templates" / "export"
GROUP_KEYS = ("theme", "code")


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
    coder: str = _help("Who coded it (`ana, ben` when both gave it this code).")
    origin: str = _help(
        "How the coding came: `manual`, `import`, `suggestion` (an accepted suggestion), "
        "`consensus`; several, comma-separated, when coders differ."
    )
    memo: str = _help("The coding's memo, or empty.")
    attributes: dict[str, Any] = _help("Document and speaker attributes (speaker's win).")


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
    groups: list[Group] = _help("The outermost headings, each holding the rest.")
    codes: list[Chip] = _help("Every code with excerpts, in codebook order (a legend).")
    counts: Matrix | None = _help("Excerpts by theme × `matrix_attribute` (or None).")
    matrix: Matrix | None = _help("Excerpts by code × `matrix_attribute`: the heat map.")
    matrix_attribute: str = _help("The attribute of the matrices' columns, or empty.")
    templates: list[str] = _help("Templates considered, the one used marked with `*`.")

    def variables(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# ---------------------------------------------------------------- templates


def environment(
    root: Path | None = None, template_dirs: Sequence[str | Path] = ()
) -> jinja2.Environment:
    """Jinja templates: ``template_dirs``, then ``root/templates``, then the packaged ones,
    which are also reachable as ``default:NAME`` (to extend them)."""
    dirs = [Path(d) for d in template_dirs]
    if root is not None and (root / "templates").is_dir():
        dirs.append(root / "templates")
    packaged = jinja2.FileSystemLoader(PACKAGED)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(dirs),
                jinja2.PrefixLoader({"default": packaged}, delimiter=":"),
                packaged,
            ]
        ),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    return env


_MD = str.maketrans({c: "\\" + c for c in "\\`*_<>|"})


def md_escape(value: Any) -> str:
    """Text safe inside Markdown: no emphasis, code, links or HTML from a transcript.

    Brackets stay as they are (``[name]``, ``[laughter]``) except where they would
    make a link: ``](`` and ``][``.
    """
    text = str(value).translate(_MD)
    if "](" in text or "][" in text:
        text = text.replace("](", "]\\(").replace("][", "]\\[")
    return text


def _template_names(fmt: str, frame: pd.DataFrame) -> list[str]:
    """Most specific first: ``quotes-{theme}.html`` when one theme is exported."""
    themes = list(dict.fromkeys(frame["theme"].tolist())) if len(frame) else []
    names = [f"quotes-{slugify(themes[0])}.{fmt}"] if len(themes) == 1 else []
    return [*names, f"quotes.{fmt}"]


def _where_from(template: jinja2.Template, root: Path | None) -> str:
    path = Path(template.filename or "")
    if path.is_relative_to(PACKAGED):
        return "packaged"
    if root is not None and path.is_relative_to(root):
        return str(path.relative_to(root))
    return str(path)


# ---------------------------------------------------------------- context


def _squash(text: str) -> str:
    """Runs of whitespace (newlines too) as one space, keeping one at either edge."""
    if "\n" not in text and "  " not in text and "\t" not in text:
        return text
    core = " ".join(text.split())
    if not core:
        return " "
    return (" " if text[0].isspace() else "") + core + (" " if text[-1].isspace() else "")


def _display(before: str, text: str, after: str) -> tuple[str, str, str]:
    """Collapse whitespace; the quote's own edge spaces move to the context."""
    stripped = text.strip()
    if len(stripped) != len(text):
        before += text[: len(text) - len(text.lstrip())]
        after = text[len(text.rstrip()) :] + after
    return _squash(before), _squash(stripped), _squash(after)


class _ContextBuilder:
    """Builds an :class:`ExportContext` from the excerpts frame."""

    def __init__(
        self, frame: pd.DataFrame, tree: CodeTree, by: Sequence[str],
        labels: Mapping[str, str] | None, attribution: str,
    ) -> None:  # fmt: skip
        self.frame, self.tree, self.labels = _one_per_passage(frame), tree, labels
        self.levels = _levels(by, frame)
        self.by = list(by)
        self.nodes = {str(i): n for i, n in tree.nodes.items()}
        self.chips = {n.name: Chip(n.name, n.colour) for n in reversed(tree.nodes.values())}
        self.chip_lists: dict[tuple[str, ...], list[Chip]] = {}
        attrs = [k for k in self.levels if k not in GROUP_KEYS]
        self.matrix_attribute = attrs[0] if attrs else (
            attribution if attribution in frame.columns else ""
        )  # fmt: skip

    def values(self, key: str) -> list[str]:
        """The heading of each excerpt at the level ``key``."""
        if key in GROUP_KEYS:
            return self.frame["theme" if key == "theme" else "code_path"].tolist()
        shown: dict[Any, str] = {}
        column = self.frame[key].tolist()
        for value in set(map(_hashable, column)):
            shown[value] = self.show(value)
        return [shown[_hashable(value)] for value in column]

    def show(self, value: Any) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return MISSING
        return label(value, self.labels)

    def excerpts(self) -> list[Excerpt]:
        f = self.frame
        attribute_names = [c for c in f.columns if c not in QUOTE_COLUMNS]
        attribute_rows = zip(*(_values(f[c]) for c in attribute_names), strict=True)
        made = []
        names = ["code_id", "code_path", "theme", "codes", "context_before", "text",
                 "context_after", "attribution", "reference", "document", "speaker", "time",
                 "segment", "start", "end", "coder", "origin", "memo"]  # fmt: skip
        rows = zip(*(_values(f[name]) for name in names), attribute_rows, strict=True)
        for n, row in enumerate(rows, 1):
            (code_id, path, theme, codes, before, text, after, attribution, ref, document,
             speaker, time, segment, start, end, coder, origin, memo, attrs) = row  # fmt: skip
            before, text, after = _display(before, text, after)
            chips = self.chip_lists.get(codes)
            if chips is None:  # a few lists shared by many excerpts
                chips = self.chip_lists[codes] = [self.chips[c] for c in codes if c in self.chips]
            made.append(
                Excerpt(
                    f"q{n}", path, theme, self.nodes[code_id].colour, chips, chips[1:] or _NO_CHIPS,
                    before, text, after,
                    attribution, ref, document, speaker or "", clock(time), segment, start, end,
                    coder, origin, memo or "", dict(zip(attribute_names, attrs, strict=True)),
                )
            )  # fmt: skip
        return made

    def groups(self) -> list[Group]:
        if self.frame.empty:
            return []
        excerpts = self.excerpts()
        columns = {key: self.values(key) for key in self.levels}
        code_ids = self.frame["code_id"].tolist()

        def build(indices: list[int], depth: int, prefix: str) -> list[Group]:
            key = self.levels[depth]
            buckets: dict[str, list[int]] = {}
            for i in indices:
                buckets.setdefault(columns[key][i], []).append(i)
            order = list(buckets)
            if key not in GROUP_KEYS:
                order.sort(key=lambda v: (v == MISSING, v.casefold()))
            made = []
            for value in order:
                members = buckets[value]
                node = self.nodes[code_ids[members[0]]]
                if key == "theme" and node.theme is not None:
                    node = node.theme
                anchor = f"{prefix}--{slugify(value) or 'x'}" if prefix else slugify(value) or "x"
                last = depth == len(self.levels) - 1
                made.append(
                    Group(
                        key, value, depth + 1, anchor, len(members),
                        node.colour if key in GROUP_KEYS else "",
                        node.description if key in GROUP_KEYS else "",
                        [] if last else build(members, depth + 1, anchor),
                        [excerpts[i] for i in members] if last else [],
                    )
                )  # fmt: skip
            return made

        return build(list(range(len(self.frame))), 0, "") if self.levels else []

    def matrices(self) -> tuple[Matrix | None, Matrix | None]:
        attribute = self.matrix_attribute
        if not attribute or self.frame.empty:
            return None, None
        table = code_matrix(self.frame, attribute)
        by_theme = table.groupby(level="theme", sort=False).sum()
        title = attribute.replace("_", " ")
        columns = [self.show(None if c == MISSING else c) for c in table.columns]
        top = int(table.to_numpy().max()) or 1
        code_rows, theme_rows, seen = [], [], set()
        for (theme, code), counts in table.iterrows():
            node = next(n for n in self.tree.nodes.values() if n.path == code or n.name == code)
            code_rows.append(self._row(code, theme, theme not in seen, node.colour, counts, top))
            seen.add(theme)
        top_theme = int(by_theme.to_numpy().max()) or 1
        for theme, counts in by_theme.iterrows():
            colour = next((t.colour for t in self.tree.themes if t.name == theme), "")
            theme_rows.append(self._row(theme, "", True, colour, counts, top_theme))
        totals = [int(v) for v in table.sum(axis=0)]
        total = int(table.to_numpy().sum())
        counts = Matrix(f"Themes by {title}", attribute, columns, theme_rows, totals, total)
        matrix = Matrix(f"Codes by {title}", attribute, columns, code_rows, totals, total)
        return counts, matrix

    @staticmethod
    def _row(
        name: str, group: str, first: bool, colour: str, counts: pd.Series, top: int
    ) -> MatrixRow:
        cells = [Cell(int(v), round(100 * int(v) / top)) for v in counts]
        return MatrixRow(name, group, first, colour, cells, sum(c.count for c in cells))

    def legend(self) -> list[Chip]:
        present = set(self.frame["code"].tolist())
        return [self.chips[n.name] for n in self.tree.nodes.values() if n.name in present]


_NO_CHIPS: list[Chip] = []


def _values(column: pd.Series) -> list[Any]:
    """A column as Python values, missing ones (NaN, NA) as None."""
    values = column.tolist()
    if column.hasnans:
        values = [None if v is pd.NA or (isinstance(v, float) and v != v) else v for v in values]
    return values


def _one_per_passage(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per code and span: a passage that several coders gave the same code is
    shown once, with every coder named (``ana, ben``)."""
    keys = list(zip(*(frame[c].tolist() for c in ("code_id", "document_id", "start", "end")),
                    strict=True))  # fmt: skip
    coders: dict[tuple[Any, ...], list[str]] = {}
    origins: dict[tuple[Any, ...], list[str]] = {}
    first = []
    rows = zip(keys, frame["coder"].tolist(), frame["origin"].tolist(), strict=True)
    for i, (key, coder, origin) in enumerate(rows):
        if key in coders:
            coders[key].append(coder)
            origins[key].append(origin)
        else:
            coders[key], origins[key] = [coder], [origin]
            first.append(i)
    if len(first) == len(frame):
        return frame
    kept = frame.iloc[first].reset_index(drop=True)
    kept["coder"] = [", ".join(dict.fromkeys(coders[keys[i]])) for i in first]
    kept["origin"] = [", ".join(dict.fromkeys(origins[keys[i]])) for i in first]
    return kept


def _hashable(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    return tuple(value) if isinstance(value, list) else value


def _levels(by: Sequence[str], frame: pd.DataFrame) -> list[str]:
    """Heading levels: ``theme`` brings ``code`` under it unless ``code`` is given too."""
    levels: list[str] = []
    for key in by:
        if key not in GROUP_KEYS and len(frame) and key not in frame.columns:
            fixed = ("document", "speaker", "coder", "origin", "attribution")
            known = [k for k in frame.columns if k not in QUOTE_COLUMNS or k in fixed]
            raise NotFound(
                f"cannot group by {key!r}: not a theme, code or attribute of these excerpts "
                f"(choose from theme, code, {', '.join(known)})"
            )
        levels.append(key)
        if key == "theme" and "code" not in by:
            levels.append("code")
    return list(dict.fromkeys(levels))


# ---------------------------------------------------------------- writers


def _write_template(
    env: jinja2.Environment, fmt: str, context: ExportContext, frame: pd.DataFrame,
    path: Path, root: Path | None,
) -> list[str]:  # fmt: skip
    """Render ``quotes.{fmt}`` (or a more specific one) into ``path``, streaming."""
    names = _template_names(fmt, frame)
    try:
        template = env.select_template(names)
    except jinja2.TemplateSyntaxError as error:
        raise QualcodeError(
            f"{error.filename or error.name}:{error.lineno}: {error.message}. "
            "Fix the template's syntax"
        ) from None
    context.templates = [
        f"*{n} ({_where_from(template, root)})" if n == template.name else n for n in names
    ]
    try:
        stream = template.stream(**context.variables())
        stream.enable_buffering(500)  # writes in joined runs, not piece by piece
        with path.open("w", encoding="utf-8", newline="\n") as out:
            stream.dump(out)
    except jinja2.TemplateError as error:
        path.unlink(missing_ok=True)
        where = _template_line(error, template)
        raise QualcodeError(
            f"{where}: {error}. The variables a template receives are listed in the "
            "README, under 'Template variables'"
        ) from None
    return context.templates


def _template_line(error: BaseException, template: jinja2.Template) -> str:
    """``file:line`` of the template frame where rendering failed (the deepest one)."""
    where, trace = template.filename or template.name or "template", error.__traceback__
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".md")) and Path(filename).is_file():
            where = f"{filename}:{trace.tb_lineno}"
        trace = trace.tb_next
    return where


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with lists joined by ``; `` (for CSV and spreadsheets)."""
    flat = frame.copy()
    flat["codes"] = ["; ".join(codes) for codes in flat["codes"]]
    return flat


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    _flat(frame).to_csv(path, index=False, encoding="utf-8")


def _write_docx(context: ExportContext, path: Path, dirs: Sequence[Path]) -> list[str]:
    """Headings per group, quotes as block quotes with attribution, then the reference.

    A ``quotes.docx`` in a template folder gives the styles (and any opening pages)."""
    from docx import Document
    from docx.shared import Pt, RGBColor

    base = next((d / "quotes.docx" for d in dirs if (d / "quotes.docx").is_file()), None)
    document = Document(str(base)) if base else Document()
    document.add_heading(context.title, level=0)
    levels = ", then ".join(level.replace("_", " ") for level in context.levels)
    intro = f"{context.total} excerpts, grouped by {levels}."
    document.add_paragraph(" ".join(p for p in (intro, *context.filters, context.redaction) if p))
    if context.counts is not None:
        _docx_table(document, context.counts)
    styles = {s.name for s in document.styles}
    quote_style = next((s for s in ("Intense Quote", "Quote") if s in styles), None)

    def add(groups: list[Group]) -> None:
        for group in groups:
            document.add_heading(group.label, level=min(group.level, 9))
            add(group.groups)
            for e in group.excerpts:
                para = document.add_paragraph(style=quote_style)
                if quote_style is None:
                    para.paragraph_format.left_indent = Pt(28)
                para.add_run(f'"{e.text}"').italic = True
                if e.attribution:
                    para.add_run(f" ({e.attribution})")
                ref = document.add_paragraph().add_run(e.reference)
                ref.font.size = Pt(8)
                ref.font.color.rgb = RGBColor(0x66, 0x66, 0x66)

    add(context.groups)
    document.save(str(path))
    return [f"*quotes.docx ({base})" if base else "quotes.docx (python-docx default styles)"]


def _docx_table(document: Any, matrix: Matrix) -> None:
    table = document.add_table(rows=1, cols=len(matrix.columns) + 2)
    if "Table Grid" in {s.name for s in document.styles}:
        table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["", *matrix.columns, "Total"], strict=True):
        cell.text = text
    for row in matrix.rows:
        values = [row.label, *(str(c.count) for c in row.cells), str(row.total)]
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text


# ---- XLSX: written directly as SpreadsheetML. openpyxl's write-only mode costs about
# 6 µs a cell here, 15-20 s for 100,000 excerpts; this writer does the same in a few
# seconds. Tests read every file back with openpyxl.

_QUOTE = {'"': "&quot;"}
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STYLES = (
    f'<styleSheet xmlns="{_NS}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/>'
    '</font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2">'
    '<fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


_WIDE = {"text": 60, "context_before": 40, "context_after": 40, "reference": 40, "code": 28,
         "theme": 28, "code_path": 28}  # fmt: skip


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xml_text(value: str) -> str:
    if _XML_BAD.search(value):
        value = _XML_BAD.sub("", value)
    if len(value) > 32767:  # Excel's limit for a cell
        value = value[:32766] + "…"
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cells(values: list[Any], letter: str, first: int, style: str = "") -> list[str]:
    """One column's cells as SpreadsheetML, from row ``first`` down (nothing where missing).

    Every cell names its place (``r="B7"``): the format allows leaving it out, but not
    every reader copes.
    """
    made, texts = [], {}
    for number, value in enumerate(values, first):
        kind = type(value)
        if kind is str:
            text = texts.get(value)
            if text is None:
                text = _xml_text(value)
                if len(value) < 80:
                    texts[value] = text
            made.append(f'<c r="{letter}{number}" t="inlineStr"{style}><is>'
                        f'<t xml:space="preserve">{text}</t></is></c>')  # fmt: skip
        elif kind is int or (kind is float and value == value and abs(value) != float("inf")):
            made.append(f'<c r="{letter}{number}"><v>{value!r}</v></c>')
        elif value is None or kind is float or value is pd.NA or value is pd.NaT:
            made.append("")
        elif kind is bool:
            made.append(f'<c r="{letter}{number}" t="b"><v>{int(value)}</v></c>')
        elif hasattr(value, "item"):  # numpy scalars
            made.extend(_cells([value.item()], letter, number, style))
        elif kind in (list, tuple):
            made.extend(_cells(["; ".join(map(str, value))], letter, number, style))
        else:
            made.extend(_cells([str(value)], letter, number, style))
    return made


class _Sheet:
    """One worksheet of a frame: bold header, frozen first row, filters, optional heat map."""

    def __init__(self, name: str, frame: pd.DataFrame, heat: str = "") -> None:
        self.name = re.sub(r"[\[\]:*?/\\]", "_", name)[:31]
        self.frame, self.heat = frame, heat

    def write(self, out: Any, chunk: int = 5000) -> None:
        columns = [str(c) for c in self.frame.columns]
        letters = [_column_letter(i) for i in range(len(columns))]
        widths = "".join(
            f'<col min="{i}" max="{i}" width="{_WIDE.get(c, 16)}" customWidth="1"/>'
            for i, c in enumerate(columns, 1)
        )
        out.write(
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_NS}">'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            f"{f'<cols>{widths}</cols>' if columns else ''}<sheetData>".encode()
        )
        header = [
            _cells([c], letter, 1, ' s="1"')[0] for c, letter in zip(columns, letters, strict=True)
        ]
        out.write(f'<row r="1">{"".join(header)}</row>'.encode())
        for top in range(0, len(self.frame), chunk):
            part = self.frame.iloc[top : top + chunk]
            cells = [
                _cells(part.iloc[:, i].tolist(), letters[i], top + 2) for i in range(len(columns))
            ]
            rows = zip(*cells, strict=True)
            out.write(
                "".join(
                    f'<row r="{n}">{"".join(row)}</row>' for n, row in enumerate(rows, top + 2)
                ).encode()
            )
        last = f"{letters[-1]}{len(self.frame) + 1}" if columns else "A1"
        tail = "</sheetData>"
        if columns:
            tail += f'<autoFilter ref="A1:{last}"/>'
        if self.heat and len(self.frame):
            tail += (
                f'<conditionalFormatting sqref="{self.heat}:{last}"><cfRule type="colorScale" '
                'priority="1"><colorScale><cfvo type="min"/><cfvo type="max"/>'
                '<color rgb="FFFFFFFF"/><color rgb="FF4E79A7"/></colorScale></cfRule>'
                "</conditionalFormatting>"
            )
        out.write((tail + "</worksheet>").encode())


def _write_xlsx(sheets: list[_Sheet], path: Path) -> None:
    names = [sheet.name for sheet in sheets]
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxml'
            'formats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
            '"/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            f'spreadsheetml.styles+xml"/>{overrides}</Types>'
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
            + "".join(
                f'<sheet name="{xml_escape(n, _QUOTE)}" sheetId="{i}" r:id="rId{i}"/>'
                for i, n in enumerate(names, 1)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(sheets) + 1)
            )
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="{_REL}/styles" '
            'Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": _STYLES,
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, xml in parts.items():
            zf.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml)
        for i, sheet in enumerate(sheets, 1):
            with zf.open(f"xl/worksheets/sheet{i}.xml", "w") as out:
                sheet.write(out)


def _xlsx_sheets(frame: pd.DataFrame, levels: list[str], attribution: str) -> list[_Sheet]:
    """``excerpts``, a ``code_by_<attribute>`` matrix per attribute, ``cooccurrence``."""
    sheets = [_Sheet("excerpts", _flat(frame))]
    attributes = [k for k in levels if k not in GROUP_KEYS] or (
        [attribution] if attribution in frame.columns else []
    )
    for attribute in attributes:
        table = code_matrix(frame, attribute) if len(frame) else pd.DataFrame()
        table = table.reset_index() if len(frame) else pd.DataFrame(columns=["theme", "code"])
        sheets.append(_Sheet(f"code_by_{attribute}", table, heat="C2"))
    matrix = cooccurrence(frame).reset_index() if len(frame) else pd.DataFrame(columns=["code"])
    sheets.append(_Sheet("cooccurrence", matrix, heat="B2"))
    return sheets


# ---------------------------------------------------------------- entry point


def _outputs(out: Path, formats: list[str], name: str) -> dict[str, Path]:
    """Where each format goes: ``out`` itself if it names a file, else ``out/name.fmt``."""
    if out.suffix.lstrip(".") in FORMATS:
        if formats != [out.suffix.lstrip(".")]:
            raise QualcodeError(
                f"{out} names one {out.suffix} file but the formats asked are "
                f"{', '.join(formats)}: give a folder to --out, or one matching --format"
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        return {formats[0]: out}
    out.mkdir(parents=True, exist_ok=True)
    return {fmt: out / f"{name}.{fmt}" for fmt in formats}


def _describe(filters: Mapping[str, Any]) -> list[str]:
    described = []
    for key, value in filters.items():
        if value is None or value == [] or value == ():
            continue
        if key == "where":
            described += [f"{k}: {v if isinstance(v, str) else ', '.join(map(str, v))}"
                          for k, v in value.items()]  # fmt: skip
        else:
            shown = value if isinstance(value, str) else ", ".join(map(str, value))
            described.append(f"{key.replace('_', ' ')}: {shown}")
    return described


def render_export(
    project: Project,
    fmt: str | Sequence[str] = "html",
    by: Sequence[str] = ("theme", "agency_type"),
    out: str | Path | None = None,
    *,
    name: str = "quotes",
    title: str | None = None,
    template_dirs: Sequence[str | Path] = (),
    redact: bool = True,
    redact_file: str | Path | None = None,
    real_names: bool = False,
    labels: Mapping[str, str] | None = None,
    attribution: str = "agency_type",
    context: int = 150,
    viewer: str | None = None,
    report: Callable[[str], None] | None = None,
    **filters: Any,
) -> list[Path]:
    """Write coded excerpts grouped by ``by`` in each format; return the files written.

    >>> render_export(project, ["html", "xlsx"], by=("theme", "agency_type"),
    ...               theme="Power", where={"area": "Area 3"})
    [PosixPath('exports/quotes.html'), PosixPath('exports/quotes.xlsx')]

    ``filters`` are those of :func:`qualcode.quotes.quotes` (code, theme, coder, where,
    text, cooccurs_with); ``viewer`` is who asks (in a closed blind round a coder exports
    only their own codings). Names are hidden unless ``redact=False``: the rules of
    ``redact_file`` or the project's ``redact.yaml``, and speakers shown by their role
    unless ``real_names``.
    """
    formats = [fmt] if isinstance(fmt, str) else list(dict.fromkeys(fmt))
    for each in formats:
        if each not in FORMATS:
            raise QualcodeError(f"unknown export format {each!r}: choose from {', '.join(FORMATS)}")
    paths = _outputs(Path(out) if out else project.root / "exports", formats, name)
    redactor = project_redactor(project, redact_file, real_names=real_names) if redact else None
    frame = quotes(
        project, redactor=redactor, labels=labels, attribution=attribution, context=context,
        viewer=viewer, **filters,
    )  # fmt: skip
    with project.sessionmaker() as session:
        tree = code_tree(session)
    builder = _ContextBuilder(frame, tree, by, labels, attribution)
    needs_context = any(f in ("html", "md", "docx") for f in formats)
    ctx = _context(project, builder, title, filters, redactor) if needs_context else None
    env = environment(project.root, template_dirs)
    dirs = [*map(Path, template_dirs), project.root / "templates"]
    for each, path in paths.items():
        considered: list[str] = []
        if each in TEMPLATED and ctx is not None:
            considered = _write_template(env, each, ctx, frame, path, project.root)
        elif each == "docx" and ctx is not None:
            considered = _write_docx(ctx, path, dirs)
        elif each == "csv":
            _write_csv(frame, path)
        elif each == "xlsx":
            _write_xlsx(_xlsx_sheets(frame, builder.levels, attribution), path)
        if report is not None:
            shown = ctx.total if ctx is not None and each not in ("csv", "xlsx") else len(frame)
            report(f"wrote {path} ({shown} excerpts)")
            if considered:
                report(f"  templates considered: {', '.join(considered)}")
    return list(paths.values())


def _context(
    project: Project, builder: _ContextBuilder, title: str | None, filters: Mapping[str, Any],
    redactor: Redactor | None,
) -> ExportContext:  # fmt: skip
    book = project.settings().get("codebook") or {}
    counts, matrix = builder.matrices()
    redaction = redactor.describe() if redactor is not None else ""
    return ExportContext(
        title=title or ": ".join(["Coded excerpts", *filter(None, [book.get("title")])]),
        generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
        version=_version(),
        total=len(builder.frame),
        by=list(builder.by),
        levels=builder.levels,
        filters=_describe(filters),
        redaction=redaction,
        groups=builder.groups(),
        codes=builder.legend(),
        counts=counts,
        matrix=matrix,
        matrix_attribute=builder.matrix_attribute,
        templates=[],
    )  # fmt: skip


def _version() -> str:
    try:
        return version("qualcode")
    except PackageNotFoundError:
        return "unknown"


__all__ = [
    "FORMATS",
    "Cell",
    "Chip",
    "Excerpt",
    "ExportContext",
    "Group",
    "Matrix",
    "MatrixRow",
    "environment",
    "md_escape",
    "render_export",
]
