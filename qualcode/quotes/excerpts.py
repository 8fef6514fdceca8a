"""Fetched rows made into the excerpts frame: speaker, context, attribution, attributes.

Attributes: a document's attributes (``area``, ``method``...) and its speaker's
(``role``, ``agency_type``...) become columns. Where a key is on both, the speaker's
value wins in the plain column (and for ``where``), and both are kept as
``document_<key>`` and ``speaker_<key>``. An attribute named like a fixed column
(``text``) is kept as ``attr_<key>``.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Mapping, Set
from typing import Any, NamedTuple

import pandas as pd

from ..readers.pdf import PAGE_KEYS, page_at
from ..redact import Redactor, redact_pieces
from .codes import CodeNode, CodeTree
from .fetch import Fetched, id_text
from .filters import Filters
from .passages import passages
from .shown import label, reference

QUOTE_COLUMNS = [
    "coding_id", "code", "code_id", "code_slug", "code_path", "theme", "codes", "coder",
    "origin", "memo", "document", "document_id", "speaker", "segment", "time", "start",
    "end", "context_before", "text", "context_after", "attribution", "reference",
    "reanchored",
]  # fmt: skip
_NONE: frozenset[uuid.UUID] = frozenset()


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


class _Kept(NamedTuple):
    """A coding that passed the filters, with its speaker, segment and time."""

    id: Any
    doc_id: Any
    start: int
    end: int
    code_raw: Any
    coder: str
    origin: str
    memo: str | None
    ordinal: int | None
    time: float | None
    pair: _Pair
    others: Set[uuid.UUID]
    anchor: str | None  # "reanchored" when a correction moved it and nobody checked


def _memos(group: list[_Kept]) -> str | None:
    """The memos of a passage's codings, each once; by coder where coders differ."""
    memos = [(k.coder, k.memo) for k in group if k.memo]
    if not memos:
        return None
    if len({k.coder for k in group}) == 1:
        return "; ".join(dict.fromkeys(memo for _, memo in memos))
    return "; ".join(dict.fromkeys(f"{coder}: {memo}" for coder, memo in memos))


class _Pair:
    """A (document, speaker) pair: its attributes, labels and attribution, made once."""

    __slots__ = ("attribution", "doc", "document", "id_text", "label", "merged", "speaker", "spk",
                 "values")  # fmt: skip

    def __init__(self, builder: Builder, doc: Any, speaker: Any) -> None:
        self.id_text = id_text(doc.id)
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


class Builder:
    """Turns fetched rows into the excerpts frame (speaker, context, attributes...)."""

    def __init__(
        self, tree: CodeTree, filters: Filters, data: Fetched, context: int,
        attribution: str, labels: Mapping[str, str] | None, redactor: Redactor | None,
        *, merge: bool = False, keep_coders_apart: bool = False,
    ) -> None:  # fmt: skip
        self.tree, self.filters, self.data, self.context = tree, filters, data, context
        self.merge, self.keep_coders_apart = merge, keep_coders_apart
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
            node = self.tree.nodes[uuid.UUID(id_text(raw))]
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
        kept = [k for k in map(self.keep, rows) if k is not None]
        if self.merge:
            groups = passages(
                kept, data.texts, keep_coders_apart=self.keep_coders_apart,
                order=lambda g: (order[g[0].code_raw], names[g[0].doc_id], g[0].start,
                                 max(k.end for k in g), ", ".join(sorted({k.coder for k in g}))),
            )  # fmt: skip
        else:
            groups = [[k] for k in kept]
        records = [self.excerpt(group) for group in groups]
        pairs = [group[0].pair for group in groups]
        columns = list(zip(*records, strict=True)) if records else [[]] * len(QUOTE_COLUMNS)
        frame = pd.DataFrame(dict(zip(QUOTE_COLUMNS, columns, strict=True)), columns=QUOTE_COLUMNS)
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

    def keep(self, row: Any) -> _Kept | None:
        """A coding placed (its speaker, segment and time), or None if a filter drops it."""
        (coding_id, doc_id, start, end, segment_id, code_raw, coder, origin, memo, speaker_id,
         ordinal, time, anchor) = row  # fmt: skip
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
        if filters.text and filters.text not in self.data.texts[doc_id][start:end].casefold():
            return None
        others = self.data.overlaps.get(coding_id, _NONE)
        if filters.cooccurs and any(not (others & wanted) for wanted in filters.cooccurs):
            return None
        return _Kept(coding_id, doc_id, start, end, code_raw, coder, origin, memo, ordinal, time,
                     pair, others, anchor)  # fmt: skip

    def excerpt(self, group: list[_Kept]) -> tuple[Any, ...]:
        """One excerpt's columns, from one coding or several of one passage (see
        :mod:`.passages`): every coder and origin named, the codes of all overlaps."""
        first = group[0]
        doc_id, start, pair, ordinal, time = (
            first.doc_id,
            first.start,
            first.pair,
            first.ordinal,
            first.time,
        )
        end = max(k.end for k in group) if len(group) > 1 else first.end
        text, starts, matches = self.document(doc_id)
        begin, finish, cut_before, cut_after = _window(text, starts, start, end, self.context)
        if matches:
            before, quote, after = redact_pieces(text, matches, [begin, start, end, finish])
        else:
            before, quote, after = text[begin:start], text[start:end], text[end:finish]
        if cut_before and before:
            before = "…" + before.lstrip()
        if cut_after and after:
            after = after.rstrip() + "…"
        node, code_columns = self.code(first.code_raw)
        if len(group) == 1:
            coding_id, coder, origin, memo, others = (
                id_text(first.id),
                first.coder,
                first.origin,
                first.memo,
                first.others,
            )
        else:
            coding_id = "; ".join(id_text(k.id) for k in group)
            coder = ", ".join(sorted({k.coder for k in group}))
            origin = ", ".join(dict.fromkeys(k.origin for k in group))
            memo = _memos(group)
            others = frozenset().union(*(k.others for k in group))
        if memo and self.redactor is not None:
            memo = self.redactor.apply(memo)
        return (
            coding_id, *code_columns, self.names(node, others), coder, origin, memo,
            pair.document, pair.id_text, pair.speaker, ordinal, time, start, end, before, quote,
            after, pair.attribution,
            reference(pair.document, pair.speaker, time, ordinal, start, end,
                      page_at(pair.doc, start)),
            any(k.anchor == "reanchored" for k in group),
        )  # fmt: skip

    def attribute_columns(self, pairs: list[_Pair]) -> dict[str, list[Any]]:
        """A column per attribute (see the module docstring for names that clash)."""
        unique = list({id(p): p for p in pairs}.values())
        doc_keys = list(dict.fromkeys(k for p in unique for k in p.doc if k not in PAGE_KEYS))
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
