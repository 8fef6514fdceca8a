"""What pages show, built from the library's DataFrames: no SQL here, no HTML either.

A transcript is shown as speaker turns. Each turn holds *pieces* of the document's
text, in order and without holes: segments and the text between them (white space,
``[laughter]``), each with the offset where it starts, so that the browser can turn a
selection into offsets of ``Document.text``. The label that opens a turn
(``[00:01:10] Maureen:``) is shown as the turn's heading instead of as text, and other
lines between turns (``## Part 2``) as interludes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from .. import queries
from ..lookup import find_document
from ..models import Code, Document, Segment, Speaker
from ..project import Project
from ..quotes import CodeTree, clock
from ..visibility import Who, viewer_for


@dataclass
class Piece:
    start: int
    text: str
    ordinal: int | None  # the segment's number, None for text between segments


@dataclass
class Turn:
    speaker: str
    role: str
    time: str
    start: int
    end: int = 0
    pieces: list[Piece] = field(default_factory=list)
    kind: str = "turn"


@dataclass
class Interlude:
    text: str
    heading: bool
    kind: str = "interlude"


@dataclass
class Transcript:
    id: str
    name: str
    attributes: dict[str, Any]
    speakers: dict[str, dict[str, Any]]
    length: int
    source: str  # the file it was imported from
    text: str
    rows: list[tuple]  # (ordinal, speaker, start, end, time_start) of each segment

    @property
    def segments(self) -> int:
        return len(self.rows)

    @cached_property
    def items(self) -> list[Turn | Interlude]:
        return turns(self.text, self.rows, self.speakers)


def _interludes(gap: str) -> list[Interlude]:
    """Lines between turns that are not the next turn's label: headings and notes."""
    lines = gap.split("\n")[:-1]  # the last line leads into the next turn (its label)
    return [
        Interlude(line.strip().lstrip("#").strip(), line.lstrip().startswith("#"))
        for line in lines
        if line.strip()
    ]


def turns(text: str, segments: Iterable[tuple], speakers: dict[str, dict[str, Any]]) -> list:
    """Group segments (``(ordinal, speaker, start, end, time_start)`` in order of their
    start) into turns: a new turn where the speaker changes or a labelled line starts (a
    line break followed by text that belongs to no segment)."""
    items: list[Turn | Interlude] = []
    current: Turn | None = None
    position = 0
    for ordinal, speaker, start, end, time_start in segments:
        gap = text[position:start]
        label = speaker or ""
        if current is None or label != current.speaker or ("\n" in gap and gap.strip()):
            if current is not None:
                current.end = position
            items.extend(_interludes(gap))
            role = str((speakers.get(label) or {}).get("role") or "")
            current = Turn(label, role, clock(time_start) if time_start is not None else "", start)
            items.append(current)
        elif gap:
            current.pieces.append(Piece(position, gap, None))
        current.pieces.append(Piece(start, text[start:end], ordinal))
        position = end
    if current is not None:
        current.end = position
    items.extend(_interludes(text[position:] + "\n"))
    return items


def transcript(project: Project, ref: str) -> Transcript:
    """The document ``ref`` (id or name) laid out as turns (one session, plain rows: a
    long transcript has thousands of segments)."""
    with project.sessionmaker() as session:
        doc = find_document(session, ref)
        doc_id, name, text, source = str(doc.id), doc.name, doc.text, doc.source_path
        attributes = dict(doc.attributes or {})
        speakers = {s.label: dict(s.attributes or {}) for s in doc.speakers}
        rows = [tuple(row) for row in session.connection().execute(  # Core: no ORM
            select(Segment.ordinal, Speaker.label, Segment.start, Segment.end,
                   Segment.time_start)
            .outerjoin(Speaker, Segment.speaker_id == Speaker.id)
            .where(Segment.document_id == doc.id)
            .order_by(Segment.start)
        ).all()]  # fmt: skip (plain tuples: RenderedTurns compares them)
    return Transcript(doc_id, name, attributes, speakers, len(text), source, text, rows)


class RenderedTurns:
    """The HTML of each document's turns, rendered once and kept while its text,
    segments, speakers and recording stay the same (a long transcript's turns take tens
    of milliseconds to render); the last ``size`` documents shown."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._kept: dict[str, tuple[tuple, str]] = {}

    def html(self, shown: Transcript, media: bool, render: Callable[[], str]) -> str:
        made_of = (shown.text, shown.rows, shown.speakers, media)
        kept = self._kept.pop(shown.id, None)
        html = kept[1] if kept is not None and kept[0] == made_of else render()
        self._kept[shown.id] = (made_of, html)  # the newest last
        while len(self._kept) > self.size:
            del self._kept[next(iter(self._kept))]
        return html


# --- the codebook panel -----------------------------------------------------------------


@dataclass
class PanelCode:
    id: str
    name: str
    slug: str
    depth: int
    colour: str
    definition: str
    use_when: str
    not_when: str
    examples: list[str]
    exclusive: bool
    codes: list[PanelCode] = field(default_factory=list)


def codebook(project: Project) -> list[PanelCode]:
    """Themes with their codes (and sub-codes), in codebook order, colours resolved as
    exports resolve them (the code's, else its theme's, else the palette's)."""
    with project.sessionmaker() as session:
        codes = list(session.scalars(select(Code).order_by(Code.position, Code.name)))
    tree = CodeTree(codes)
    themes: list[PanelCode] = []
    stack: list[PanelCode] = []
    for code in codes:
        if code.archived:
            continue
        depth, up = 0, tree.parent(tree.nodes[code.id])
        while up is not None:
            depth, up = depth + 1, tree.parent(up)
        node = PanelCode(
            str(code.id), code.name, code.slug, depth, tree.nodes[code.id].colour,
            code.definition or code.description or "", code.use_when or "",
            code.not_when or "", [str(e) for e in code.examples or []], bool(code.exclusive),
        )  # fmt: skip
        del stack[node.depth :]
        (stack[-1].codes if stack else themes).append(node)
        stack.append(node)
    return themes


def flat(themes: Iterable[PanelCode]) -> list[PanelCode]:
    """Every code below the themes, depth first (what number keys count through)."""
    found: list[PanelCode] = []
    for node in themes:
        for child in node.codes:
            found.append(child)
            found.extend(flat([child]))
    return found


# --- documents and progress -------------------------------------------------------------


class SegmentSpans:
    """Each document's segment offsets, read once per version of the document."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int, int, int], tuple[np.ndarray, np.ndarray]] = {}

    def get(
        self, project: Project, doc_id: str, segments: int, words: int, revision: int = 1
    ) -> tuple:
        key = (doc_id, segments, words, revision)  # a correction keeps the counts, maybe
        if key not in self._cache:
            frame = queries.segments(project, doc_id)
            self._cache[key] = (frame["start"].to_numpy(), frame["end"].to_numpy())
        return self._cache[key]


def coverage(starts: np.ndarray, ends: np.ndarray, spans: Iterable[tuple[int, int]]) -> int:
    """How many segments [starts, ends) at least one span overlaps."""
    hit = np.zeros(len(starts), dtype=bool)
    for start, end in spans:
        first = np.searchsorted(ends, start, side="right")
        last = np.searchsorted(starts, end, side="left")
        hit[first:last] = True
    return int(hit.sum())


def attribute_values(documents: pd.DataFrame) -> dict[str, list[str]]:
    """Every document and speaker attribute with its values, for the filter."""
    values: dict[str, set[str]] = {}
    for attributes, speakers in zip(documents["attributes"], documents["speakers"], strict=True):
        for key, value in attributes.items():
            values.setdefault(key, set()).add(str(value))
        for speaker in speakers:
            for key, value in speaker["attributes"].items():
                values.setdefault(key, set()).add(str(value))
    return {key: sorted(found) for key, found in sorted(values.items()) if key != "title"}


def matches(row: dict[str, Any], wanted: dict[str, set[str]]) -> bool:
    """Does a document (or one of its speakers) have every wanted attribute value?"""
    for key, values in wanted.items():
        found = {str(row["attributes"].get(key, "")).casefold()}
        found |= {str(s["attributes"].get(key, "")).casefold() for s in row["speakers"]}
        if not found & {v.casefold() for v in values}:
            return False
    return True


def documents_table(
    project: Project,
    spans: SegmentSpans,
    viewer: Who,
    wanted: dict[str, set[str]],
    assignments: pd.DataFrame,
) -> list[dict[str, Any]]:
    """One row per document passing the filter: attributes, coders and the progress of
    those whose work ``viewer`` may see."""
    from ..revisions.review import review_frame

    documents = queries.documents(project)
    with project.sessionmaker() as session:
        seen = viewer_for(session, viewer)
        revisions = {str(i): n for i, n in session.execute(select(Document.id, Document.revision))}
    codings = queries.codings(project, viewer=seen)
    waiting = review_frame(project, seen)["document"].value_counts().to_dict()
    assigned: dict[str, list[str]] = {}
    for name, coder in zip(assignments["document"], assignments["coder"], strict=True):
        assigned.setdefault(name, []).append(coder)
    by_document = {name: group for name, group in codings.groupby("document")}
    rows = []
    for row in documents.to_dict("records"):
        if not matches(row, wanted):
            continue
        coded = by_document.get(row["name"], codings.iloc[:0])
        names = list(dict.fromkeys([*assigned.get(row["name"], []), *sorted(set(coded["coder"]))]))
        revision = revisions.get(row["id"], 1)
        starts, ends = spans.get(project, row["id"], row["segments"], row["words"], revision)
        progress = []
        for coder in names if seen.sees_everyone else [n for n in names if n == seen.name]:
            mine = coded[coded["coder"] == coder]
            done = coverage(starts, ends, zip(mine["start"], mine["end"], strict=True))
            share = done / row["segments"] if row["segments"] else 0.0
            progress.append(
                {"coder": coder, "done": done, "share": share, "you": coder == seen.name}
            )
        rows.append(
            {
                **row,
                "assigned": assigned.get(row["name"], []),
                "progress": progress,
                "codings": len(coded),
                "review": int(waiting.get(row["name"], 0)),  # codings a correction left out
            }  # fmt: skip
        )
    return rows


# --- the code x attribute matrix ------------------------------------------------------------


def matrix(frame: pd.DataFrame, attribute: str) -> dict[str, Any] | None:
    """Excerpts per code (rows) and value of ``attribute`` (columns), each cell with the
    code's slug so that it can open its quotes; None when no excerpt has the attribute."""
    from ..quotes import code_matrix

    if attribute not in frame.columns or not len(frame):
        return None
    table = code_matrix(frame, attribute)
    slugs = dict(zip(frame["code"], frame["code_slug"], strict=True))
    return {
        "attribute": attribute,
        "values": [str(v) for v in table.columns],
        "rows": [
            {"theme": theme, "code": code, "slug": slugs[code], "counts": [int(n) for n in counts]}
            for (theme, code), counts in zip(table.index, table.to_numpy(), strict=True)
        ],
    }


# --- filters from query strings -----------------------------------------------------------


def parse_where(pairs: Iterable[str]) -> dict[str, list[str]]:
    """``["area=Area 3", "area=Area 5"]`` -> ``{"area": ["Area 3", "Area 5"]}``; pairs
    without ``=`` or with an empty side are ignored (an empty select means any)."""
    where: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if sep and key.strip() and value.strip():
            where.setdefault(key.strip(), []).append(value.strip())
    return where


def quote_filters(
    code: list[str], theme: list[str], coder: list[str], where: list[str],
    text: str | None, cooccurs_with: list[str],
) -> dict[str, Any]:  # fmt: skip
    """The keyword arguments of :func:`qualcode.quotes.quotes` from a query string."""
    clean = [[v for v in values if v.strip()] for values in (code, theme, coder, cooccurs_with)]
    return {
        "code": clean[0] or None,
        "theme": clean[1] or None,
        "coder": clean[2] or None,
        "where": parse_where(where) or None,
        "text": text.strip() if text and text.strip() else None,
        "cooccurs_with": clean[3] or None,
    }
