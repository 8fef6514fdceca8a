"""Coded excerpts ("quotes") with their attribution and context, as one DataFrame.

One row per coding. Rows are fetched in bulk (one select for the codings, one each for
their documents, speakers, segments and overlapping codings) and texts are sliced in
Python, so a project of 100,000 codings is one pass, never a query per excerpt.

Filtering lives in one place, :class:`_Filters`: codes and coders in SQL, attributes,
text and co-occurrence in Python. Who may see which codings (a coder sees only their own
while a blind round is closed, :func:`qualcode.team.visible_coder`) is decided there too,
so excerpts, co-occurring codes and matrices all follow the same rule.

Attributes: a document's attributes (``area``, ``method``...) and its speaker's
(``role``, ``agency_type``...) become columns. Where a key is on both, the speaker's
value wins in the plain column (and for ``where``), and both are kept as
``document_<key>`` and ``speaker_<key>``. An attribute named like a fixed column
(``text``) is kept as ``attr_<key>``.
"""

from __future__ import annotations

import bisect
import difflib
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Select, String, select, type_coerce
from sqlalchemy.orm import Session

from .coding import find_code
from .errors import NotFound
from .models import Code, Coder, Coding, Document, Segment, Speaker
from .project import Project
from .redact import Redactor, load_redactions, redact_pieces, speaker_names

QUOTE_COLUMNS = [
    "coding_id", "code", "code_id", "code_slug", "code_path", "theme", "codes", "coder",
    "origin", "memo", "document", "document_id", "speaker", "segment", "time", "start",
    "end", "context_before", "text", "context_after", "attribution", "reference",
]  # fmt: skip
# Colours for codes whose theme has none (Tableau 10, as in the example codebook).
PALETTE = (
    "#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F",
    "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F", "#BAB0AC",
)  # fmt: skip
REDACT_FILE = "redact.yaml"
MISSING = "(none)"

StrOrList = str | Sequence[str] | None


@dataclass
class CodeNode:
    """A code with what quotes and exports need: its theme, path, order and colour."""

    id: uuid.UUID
    name: str
    slug: str
    parent_id: uuid.UUID | None
    position: int
    colour: str
    archived: bool
    description: str = ""
    theme: CodeNode | None = None
    path: str = ""
    children: list[CodeNode] = field(default_factory=list)


class CodeTree:
    """Every code of a project, by id, with themes, paths and colours resolved."""

    def __init__(self, codes: Iterable[Code]) -> None:
        rows = sorted(codes, key=lambda c: (c.position, c.name))
        self.nodes = {
            c.id: CodeNode(c.id, c.name, c.slug, c.parent_id, c.position, c.colour or "",
                           c.archived, c.definition or c.description)
            for c in rows
        }  # fmt: skip
        for node in self.nodes.values():
            parent = self.nodes.get(node.parent_id) if node.parent_id else None
            if parent is not None:
                parent.children.append(node)
        themes = [n for n in self.nodes.values() if self.parent(n) is None]
        for index, theme in enumerate(themes):
            theme.colour = theme.colour or PALETTE[index % len(PALETTE)]
            self._walk(theme, theme, [])

    def _walk(self, node: CodeNode, theme: CodeNode, names: list[str]) -> None:
        node.theme = theme
        node.path = " › ".join(names) if names else node.name
        for child in node.children:
            child.colour = child.colour or node.colour
            self._walk(child, theme, [*names, child.name])

    def parent(self, node: CodeNode) -> CodeNode | None:
        return self.nodes.get(node.parent_id) if node.parent_id else None

    def descendants(self, code_id: uuid.UUID) -> set[uuid.UUID]:
        """The code and every code below it."""
        found, stack = set(), [self.nodes[code_id]]
        while stack:
            node = stack.pop()
            found.add(node.id)
            stack.extend(node.children)
        return found

    def order(self, code_id: uuid.UUID) -> tuple[int, int]:
        """Codebook order: the theme's position, then the code's."""
        node = self.nodes[code_id]
        return (node.theme.position if node.theme else 0, node.position)

    @property
    def themes(self) -> list[CodeNode]:
        return [n for n in self.nodes.values() if n.parent_id is None]


def code_tree(session: Session) -> CodeTree:
    return CodeTree(session.scalars(select(Code)))


def _as_list(value: StrOrList) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


@dataclass
class _Filters:
    """Every filter of a quotes query; the one place that decides which codings count."""

    code_ids: set[uuid.UUID] | None
    coder_ids: set[uuid.UUID] | None
    where: dict[str, set[str]]
    text: str | None
    cooccurs: list[set[uuid.UUID]]
    include_archived: bool
    live_codes: set[uuid.UUID]

    def select(self, *columns: Any) -> Select[Any]:
        """Codings that pass the SQL filters (codes, coders, archived codes)."""
        query = select(*columns).select_from(Coding)
        if self.code_ids is not None:  # named codes count even when archived
            query = query.where(Coding.code_id.in_(self.code_ids))
        elif not self.include_archived:
            query = query.where(Coding.code_id.in_(self.live_codes))
        if self.coder_ids is not None:
            query = query.where(Coding.coder_id.in_(self.coder_ids))
        return query

    def spans(self, *columns: Any) -> Select[Any]:
        """Codings that may overlap an excerpt (any code; same coders; live codes)."""
        query = select(*columns).select_from(Coding)
        if not self.include_archived:
            query = query.where(Coding.code_id.in_(self.live_codes))
        if self.coder_ids is not None:
            query = query.where(Coding.coder_id.in_(self.coder_ids))
        return query

    def keep(self, attributes: Mapping[str, Any], fixed: Mapping[str, Any]) -> bool:
        for key, wanted in self.where.items():
            value = attributes[key] if key in attributes else fixed.get(key)
            values = value if isinstance(value, list) else [value]
            if not any(_norm(v) in wanted for v in values if v is not None):
                return False
        return True


_NONE: frozenset[uuid.UUID] = frozenset()


def _norm(value: Any) -> str:
    return str(value).strip().casefold()


def _resolve(session: Session, tree: CodeTree, refs: list[str]) -> set[uuid.UUID]:
    """The codes named and those below them; archived ones only if named themselves."""
    found: set[uuid.UUID] = set()
    for ref in refs:
        named = find_code(session, ref)
        below = tree.descendants(named.id) - {named.id}
        found |= {named.id} | {i for i in below if not tree.nodes[i].archived}
    return found


def _coder_ids(
    session: Session, names: list[str], only: str | None = None
) -> set[uuid.UUID] | None:
    """Ids of the coders asked for (None: all), narrowed to ``only`` in a blind round."""
    coders = dict(session.execute(select(Coder.name, Coder.id)).all())
    for name in names:
        if name not in coders:
            near = difflib.get_close_matches(name, list(coders), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
            raise NotFound(f"no coder {name!r} in this project{hint} (known: "
                           f"{', '.join(sorted(coders)) or 'none yet'})")  # fmt: skip
    asked = {coders[name] for name in names} if names else None
    if only is None:
        return asked
    mine = {coders[only]} if only in coders else set()
    return mine if asked is None else mine & asked


def _where(where: Mapping[str, Any] | None) -> dict[str, set[str]]:
    return {
        key: {_norm(v) for v in ([value] if isinstance(value, str | int | float) else value)}
        for key, value in (where or {}).items()
    }


def _check_where_keys(session: Session, keys: Iterable[str]) -> None:
    known = {"document", "speaker", "coder", "origin", "attribution"}
    for (attributes,) in session.execute(select(Document.attributes)):
        known.update(attributes)
    for (attributes,) in session.execute(select(Speaker.attributes)):
        known.update(attributes)
    for key in keys:
        if key not in known:
            near = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise NotFound(f"no attribute {key!r} on any document or speaker{hint} "
                           f"(attributes: {', '.join(sorted(known))})")  # fmt: skip


class _DocumentIndex:
    """A document's segments, for finding an excerpt's speaker, time and context bounds."""

    def __init__(self, segments: list[Any]) -> None:
        self.segments = segments  # in order of start
        self.starts = [s.start for s in segments]

    def at(self, offset: int, end: int | None = None) -> int | None:
        """Index of the segment covering ``offset`` (or the first one starting before ``end``)."""
        i = bisect.bisect_right(self.starts, offset) - 1
        if i >= 0 and self.segments[i].end > offset:
            return i
        if end is not None and i + 1 < len(self.segments) and self.starts[i + 1] < end:
            return i + 1
        return None


def _window(
    text: str, starts: list[int], start: int, end: int, size: int
) -> tuple[int, int, bool, bool]:
    """Bounds of the context around [start, end), and whether each side was cut short.

    Context stays in the quote's paragraph (a speaker's turn, or part of one) and leaves
    out what precedes the paragraph's first segment (its ``[00:01:10] Jo:`` label); at
    most ``size`` characters each side, cut at a space.
    """
    if size <= 0:
        return start, end, False, False
    lower = text.rfind("\n", 0, start) + 1
    first = bisect.bisect_left(starts, lower)
    if first < len(starts) and starts[first] <= start:
        lower = starts[first]
    upper = text.find("\n", end)
    upper = len(text) if upper < 0 else upper
    begin, finish = max(lower, start - size), min(upper, end + size)
    if begin > lower and not text[begin - 1].isspace():
        space = text.find(" ", begin, start)
        begin = space + 1 if space >= 0 else start
    if finish < upper and not text[finish].isspace():
        space = text.rfind(" ", end, finish)
        finish = space if space >= 0 else end
    return begin, finish, begin > lower, finish < upper


def clock(seconds: float | None) -> str:
    """``93.0`` -> ``00:01:33``; nothing for an unknown time."""
    if seconds is None or seconds != seconds:
        return ""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def reference(
    document: str, speaker: str | None, time: float | None, segment: int | None, start: int,
    end: int,
) -> str:  # fmt: skip
    """Where an excerpt comes from: ``area-1.md, Maureen, 00:01:10`` (or a segment number)."""
    where = clock(time) or (f"segment {segment}" if segment else f"characters {start}–{end}")
    return f"{document}, {speaker}, {where}" if speaker else f"{document}, {where}"


def label(value: Any, labels: Mapping[str, str] | None = None) -> str:
    """How an attribute value is shown: ``local authority`` -> ``Local authority``."""
    if value is None or value == "":
        return ""
    text = str(value)
    if labels and text in labels:
        return labels[text]
    return text[:1].upper() + text[1:]


def project_redactor(
    project: Project, path: str | Path | None = None, *, real_names: bool = False
) -> Redactor:
    """The redaction rules for an export: ``path`` or the project's ``redact.yaml`` if
    there is one, plus every speaker's name (unless ``real_names`` or ``speakers: false``).
    """
    if path is not None:
        redactor = load_redactions(path)
    elif (project.root / REDACT_FILE).is_file():
        redactor = load_redactions(project.root / REDACT_FILE)
    else:
        redactor = Redactor()
    if real_names:
        return Redactor(redactor.rules, False, redactor.keep, redactor.source)
    if not redactor.speakers:
        return redactor
    with project.sessionmaker() as session:
        speakers = session.execute(select(Speaker.label, Speaker.attributes)).all()
    return redactor.with_names(speaker_names(speakers))


def quotes(
    project: Project,
    *,
    code: StrOrList = None,
    theme: StrOrList = None,
    coder: StrOrList = None,
    where: Mapping[str, Any] | None = None,
    text: str | None = None,
    cooccurs_with: StrOrList = None,
    context: int = 150,
    attribution: str = "agency_type",
    labels: Mapping[str, str] | None = None,
    redactor: Redactor | None = None,
    include_archived: bool = False,
    viewer: str | None = None,
) -> pd.DataFrame:
    """Coded excerpts, one row per coding, in codebook order, then document order.

    >>> quotes(project, code="speaking-the-language", where={"agency_type": "health agency"})

    :param code: codes by name, slug or id; a code includes the codes below it.
    :param theme: themes, likewise (a theme includes its codes); ``code`` and ``theme``
        together keep codings of either.
    :param where: attribute -> value or list of values (any case).
    :param text: keep excerpts whose text contains this (any case).
    :param cooccurs_with: keep excerpts overlapping a coding of each of these codes.
    :param context: characters of context each side, within the speaker's paragraph.
    :param attribution: the attribute that ``attribution`` shows (``Local authority``).
    :param labels: attribute value -> label (``{"community": "Big Local partnership"}``).
    :param redactor: hide names in texts and attributes, speakers shown by their role.
    :param include_archived: keep codings of archived codes (those of a code named in
        ``code`` or ``theme`` are kept anyway).
    :param viewer: who asks: while a blind round is closed, a coder sees only their own
        codings (see :mod:`qualcode.team`).
    """
    from .team import visible_coder

    with project.sessionmaker() as session:
        tree = code_tree(session)
        refs = _as_list(code) + _as_list(theme)
        filters = _Filters(
            code_ids=_resolve(session, tree, refs) if refs else None,
            coder_ids=_coder_ids(session, _as_list(coder), visible_coder(session, viewer or None)),
            where=_where(where),
            text=text.casefold() if text else None,
            cooccurs=[tree.descendants(find_code(session, r).id) for r in _as_list(cooccurs_with)],
            include_archived=include_archived,
            live_codes={i for i, n in tree.nodes.items() if not n.archived},
        )
        if filters.where:
            _check_where_keys(session, filters.where)
        data = _fetch(session, filters)
    builder = _Builder(tree, filters, data, context, attribution, labels, redactor)
    return builder.frame()


def _raw(column: Any) -> Any:
    """A column as the driver gives it: ids stay text, skipping a UUID object per row."""
    return type_coerce(column, String).label(column.key)


def _id_text(raw: Any) -> str:
    """A raw id as the canonical UUID text (SQLite stores 32 hex digits)."""
    text = str(raw)
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


@dataclass
class _Fetched:
    rows: list[Any]
    documents: dict[Any, Any]
    texts: dict[Any, str]
    speakers: dict[int, Any]
    starts: dict[Any, list[int]]  # document -> its segments' starts, in order
    unaligned: dict[Any, _DocumentIndex]  # segments of documents with unaligned codings
    overlaps: dict[Any, set[uuid.UUID]]


def _fetch(session: Session, filters: _Filters) -> _Fetched:
    """Everything the excerpts need, in a handful of selects whatever their number."""
    rows = session.execute(
        filters.select(
            _raw(Coding.id), _raw(Coding.document_id), Coding.start, Coding.end,
            Coding.segment_id, _raw(Coding.code_id), Coder.name.label("coder"), Coding.origin,
            Coding.memo, Segment.speaker_id, Segment.ordinal, Segment.time_start,
        )
        .join(Coder, Coding.coder_id == Coder.id)
        .outerjoin(Segment, Coding.segment_id == Segment.id)
    ).all()  # fmt: skip
    docs = filters.select(Coding.document_id).distinct().scalar_subquery()
    documents = {
        row.id: row
        for row in session.execute(
            select(_raw(Document.id), Document.name, Document.attributes).where(
                Document.id.in_(docs)
            )
        )
    }
    texts = dict(
        session.execute(select(_raw(Document.id), Document.text).where(Document.id.in_(docs))).all()
    )
    speakers = {
        row.id: row
        for row in session.execute(
            select(Speaker.id, Speaker.label, Speaker.attributes).where(
                Speaker.document_id.in_(docs)
            )
        )
    }
    starts: dict[Any, list[int]] = {}
    for doc_id, start in session.execute(
        select(_raw(Segment.document_id), Segment.start)
        .where(Segment.document_id.in_(docs))
        .order_by(Segment.document_id, Segment.start)
    ):
        starts.setdefault(doc_id, []).append(start)
    # A coding that spans segments has no segment_id: find its speaker by its start.
    unaligned: dict[Any, list[Any]] = {row.document_id: [] for row in rows if not row.segment_id}
    if unaligned:
        for seg in session.execute(
            select(_raw(Segment.document_id), Segment.ordinal, Segment.speaker_id,
                   Segment.start, Segment.end, Segment.time_start)
            .where(Segment.document_id.in_([uuid.UUID(_id_text(d)) for d in unaligned]))
            .order_by(Segment.document_id, Segment.start)
        ):  # fmt: skip
            unaligned[seg.document_id].append(seg)
    if filters.code_ids is None:
        spans = rows  # every coding of these documents is in the result already
    else:
        spans = session.execute(
            filters.spans(_raw(Coding.id), _raw(Coding.document_id), Coding.start, Coding.end,
                          _raw(Coding.code_id)).where(Coding.document_id.in_(docs))
        ).all()  # fmt: skip
    indexes = {doc_id: _DocumentIndex(segs) for doc_id, segs in unaligned.items()}
    return _Fetched(rows, documents, texts, speakers, starts, indexes, _overlaps(spans))


def _overlaps(spans: Iterable[Any]) -> dict[Any, set[uuid.UUID]]:
    """coding id -> codes of the *other* codings that overlap it (same document)."""
    by_document: dict[Any, list[Any]] = {}
    for span in spans:
        by_document.setdefault(span.document_id, []).append(span)
    codes: dict[Any, uuid.UUID] = {}
    found: dict[Any, set[uuid.UUID]] = {}
    for doc_spans in by_document.values():
        doc_spans.sort(key=lambda s: (s.start, s.end))
        for i, first in enumerate(doc_spans):
            for j in range(i + 1, len(doc_spans)):
                second = doc_spans[j]
                if second.start >= first.end:
                    break
                for one, other in ((first, second), (second, first)):
                    if other.code_id not in codes:
                        codes[other.code_id] = uuid.UUID(_id_text(other.code_id))
                    found.setdefault(one.id, set()).add(codes[other.code_id])
    return found


class _Pair:
    """A (document, speaker) pair: its attributes, labels and attribution, made once."""

    __slots__ = ("attribution", "doc", "document", "id_text", "label", "merged", "speaker", "spk",
                 "values")  # fmt: skip

    def __init__(self, builder: _Builder, doc: Any, speaker: Any) -> None:
        self.id_text = _id_text(doc.id)
        self.doc = doc.attributes
        self.spk = dict(speaker.attributes) if speaker else {}
        self.merged = {**self.doc, **self.spk}
        self.document = builder.clean(doc.name)
        self.label = speaker.label if speaker else None
        self.speaker = self.label
        if speaker and builder.redactor is not None and builder.redactor.speakers:
            self.speaker = str(self.spk.get("role") or "") or "[speaker]"
        value = self.merged.get(builder.attribution)
        self.attribution = label(value, builder.labels) or label(self.spk.get("role"))
        self.values: tuple[Any, ...] = ()


class _Builder:
    """Turns fetched rows into the excerpts frame (speaker, context, attributes...)."""

    def __init__(
        self, tree: CodeTree, filters: _Filters, data: _Fetched, context: int,
        attribution: str, labels: Mapping[str, str] | None, redactor: Redactor | None,
    ) -> None:  # fmt: skip
        self.tree, self.filters, self.data, self.context = tree, filters, data, context
        self.attribution, self.labels = attribution, labels
        self.redactor = redactor
        self.pairs: dict[tuple[Any, int | None], _Pair] = {}
        self.documents: dict[Any, tuple[str, list[int], list[Any] | None]] = {}
        self.cleaned: dict[str, str] = {}
        self.codes: dict[Any, tuple[CodeNode, tuple[Any, ...]]] = {}
        self.co_codes: dict[tuple[Any, frozenset[uuid.UUID]], tuple[str, ...]] = {}

    def clean(self, value: Any) -> Any:
        """A redacted string attribute (cached: attribute values repeat)."""
        if self.redactor is None or not isinstance(value, str):
            return value
        if value not in self.cleaned:
            self.cleaned[value] = self.redactor.apply(value)
        return self.cleaned[value]

    def pair(self, doc_id: Any, speaker_id: int | None) -> _Pair:
        key = (doc_id, speaker_id)
        if key not in self.pairs:
            speaker = self.data.speakers.get(speaker_id) if speaker_id is not None else None
            self.pairs[key] = _Pair(self, self.data.documents[doc_id], speaker)
        return self.pairs[key]

    def code(self, raw: Any) -> tuple[CodeNode, tuple[Any, ...]]:
        """A code's node and its fixed columns (code, code_id, slug, path, theme)."""
        if raw not in self.codes:
            node = self.tree.nodes[uuid.UUID(_id_text(raw))]
            theme = node.theme.name if node.theme else node.name
            self.codes[raw] = (node, (node.name, str(node.id), node.slug, node.path, theme))
        return self.codes[raw]

    def names(self, node: CodeNode, others: Set[uuid.UUID]) -> tuple[str, ...]:
        """This code's name, then the overlapping codes' in codebook order."""
        key = (node.id, frozenset(others))
        if key not in self.co_codes:
            rest = sorted(others - {node.id}, key=self.tree.order)
            self.co_codes[key] = (node.name, *(self.tree.nodes[c].name for c in rest))
        return self.co_codes[key]

    def frame(self) -> pd.DataFrame:
        data = self.data
        order = {
            raw: self.tree.order(self.code(raw)[0].id) for raw in {r.code_id for r in data.rows}
        }
        names = {doc_id: doc.name for doc_id, doc in data.documents.items()}
        rows = sorted(
            data.rows,
            key=lambda r: (order[r.code_id], names[r.document_id], r.start, r.end, r.coder),
        )
        records, pairs = [], []
        for row in rows:
            record = self.excerpt(row)
            if record is not None:
                records.append(record)
                pairs.append(record[-1])
        columns = list(zip(*records, strict=True)) if records else [[]] * (len(QUOTE_COLUMNS) + 1)
        frame = pd.DataFrame(dict(zip(QUOTE_COLUMNS, columns, strict=False)), columns=QUOTE_COLUMNS)
        for name, values in self.attribute_columns(pairs).items():
            frame[name] = values
        return frame.astype({"segment": "Int64"})

    def document(self, doc_id: Any) -> tuple[str, list[int], list[Any] | None]:
        """A document's text, segment starts and (when redacting) the names found in it."""
        if doc_id not in self.documents:
            text = self.data.texts[doc_id]
            matches = self.redactor.matches(text) if self.redactor is not None else None
            self.documents[doc_id] = (text, self.data.starts.get(doc_id, []), matches)
        return self.documents[doc_id]

    def excerpt(self, row: Any) -> tuple[Any, ...] | None:
        """One excerpt's fixed columns (and its pair last), or None if a filter drops it."""
        (coding_id, doc_id, start, end, segment_id, code_raw, coder, origin, memo, speaker_id,
         ordinal, time) = row  # fmt: skip
        text, starts, matches = self.document(doc_id)
        if not segment_id and doc_id in self.data.unaligned:
            index = self.data.unaligned[doc_id]
            position = index.at(start, end)
            if position is not None:
                segment = index.segments[position]
                speaker_id, ordinal, time = segment.speaker_id, segment.ordinal, segment.time_start
        pair = self.pair(doc_id, speaker_id)
        filters = self.filters
        if filters.where:
            fixed = {"document": pair.document, "speaker": pair.label, "coder": coder,
                     "origin": origin, "attribution": pair.attribution}  # fmt: skip
            if not filters.keep(pair.merged, fixed):
                return None
        if filters.text and filters.text not in text[start:end].casefold():
            return None
        others = self.data.overlaps.get(coding_id, _NONE)
        if filters.cooccurs and any(not (others & wanted) for wanted in filters.cooccurs):
            return None
        begin, finish, cut_before, cut_after = _window(text, starts, start, end, self.context)
        if matches:
            before, quote, after = redact_pieces(text, matches, [begin, start, end, finish])
        else:
            before, quote, after = text[begin:start], text[start:end], text[end:finish]
        if cut_before and before:
            before = "…" + before.lstrip()
        if cut_after and after:
            after = after.rstrip() + "…"
        node, code_columns = self.code(code_raw)
        if memo and self.redactor is not None:
            memo = self.redactor.apply(memo)
        return (
            _id_text(coding_id), *code_columns, self.names(node, others), coder, origin, memo,
            pair.document, pair.id_text, pair.speaker, ordinal, time, start, end, before, quote,
            after, pair.attribution,
            reference(pair.document, pair.speaker, time, ordinal, start, end), pair,
        )  # fmt: skip

    def attribute_columns(self, pairs: list[_Pair]) -> dict[str, list[Any]]:
        """A column per attribute (see the module docstring for names that clash)."""
        unique = list({id(p): p for p in pairs}.values())
        doc_keys = list(dict.fromkeys(k for p in unique for k in p.doc))
        spk_keys = list(dict.fromkeys(k for p in unique for k in p.spk))
        both = set(doc_keys) & set(spk_keys)
        names, getters = [], []
        for key in dict.fromkeys([*doc_keys, *spk_keys]):
            names.append(f"attr_{key}" if key in QUOTE_COLUMNS else key)
            getters.append(lambda p, key=key: p.merged.get(key))
            if key in both:
                names += [f"document_{key}", f"speaker_{key}"]
                getters += [lambda p, key=key: p.doc.get(key), lambda p, key=key: p.spk.get(key)]
        for p in unique:  # values are made once per pair, not once per excerpt
            p.values = tuple(self.clean(get(p)) for get in getters)
        values = list(zip(*(p.values for p in pairs), strict=True)) if pairs else []
        return {name: list(column) for name, column in zip(names, values, strict=False)}


def code_matrix(frame: pd.DataFrame, attribute: str = "agency_type") -> pd.DataFrame:
    """Excerpts per code (rows: theme, code, in the frame's order) and value of ``attribute``.

    >>> code_matrix(quotes(project), "agency_type")
    """
    if attribute not in frame.columns:
        raise NotFound(f"no column {attribute!r} in the excerpts; columns: "
                       f"{', '.join(frame.columns)}")  # fmt: skip
    values = frame[attribute].where(frame[attribute].notna(), MISSING).astype(str)
    table = pd.crosstab([frame["theme"], frame["code"]], values)
    rows = list(dict.fromkeys(zip(frame["theme"].tolist(), frame["code"].tolist(), strict=True)))
    order = sorted(table.columns, key=lambda v: (v == MISSING, v.casefold()))
    table = table.reindex(index=pd.MultiIndex.from_tuples(rows, names=["theme", "code"]),
                          columns=order, fill_value=0)  # fmt: skip
    table.columns.name = attribute
    return table


def cooccurrence(frame: pd.DataFrame) -> pd.DataFrame:
    """How many excerpts of each code (row) overlap a coding of each code (column).

    The diagonal is the number of excerpts of the code.
    """
    names = list(dict.fromkeys(frame["code"]))
    counts: Counter[tuple[str, str]] = Counter()
    for own, codes in zip(frame["code"].tolist(), frame["codes"].tolist(), strict=True):
        for other in set(codes) | {own}:
            counts[own, other] += 1
    table = pd.DataFrame(
        [[counts[(row, col)] for col in names] for row in names], index=names, columns=names
    )
    table.index.name = "code"
    return table


__all__ = [
    "QUOTE_COLUMNS",
    "CodeTree",
    "clock",
    "code_matrix",
    "code_tree",
    "cooccurrence",
    "label",
    "project_redactor",
    "quotes",
    "reference",
]
