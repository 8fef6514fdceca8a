"""The excerpts frame made into what templates show: headings, excerpts, a legend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..codebook import slugify
from ..errors import NotFound
from ..quotes import MISSING, QUOTE_COLUMNS, CodeTree, clock, label
from .context import Chip, Excerpt, Group
from .memos import Notes

GROUP_KEYS = ("theme", "code")
DEFAULT_BY = ("theme", "agency_type")  # the study's way; left out where nobody has it


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


class ContextBuilder:
    """Builds an :class:`ExportContext` from the excerpts frame."""

    def __init__(
        self, frame: pd.DataFrame, tree: CodeTree, by: Sequence[str] | None,
        labels: Mapping[str, str] | None, attribution: str, notes: Notes | None = None,
    ) -> None:  # fmt: skip
        self.frame, self.tree, self.labels = frame, tree, labels
        self.memos = notes or Notes()
        self.by = list(DEFAULT_BY if by is None else by)
        self.levels, self.notes = plan_levels(by, frame)
        self.nodes = {str(i): n for i, n in tree.nodes.items()}
        self.chips = {n.name: Chip(n.name, n.colour) for n in reversed(tree.nodes.values())}
        self.chip_lists: dict[tuple[str, ...], list[Chip]] = {}
        attrs = [k for k in self.levels if k not in GROUP_KEYS]
        # Counted by: the attributes grouped by, else the attribution's (if excerpts have it).
        self.counted = attrs or ([attribution] if attribution in frame.columns else [])
        self.matrix_attribute = self.counted[0] if self.counted else ""

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
        attribute_rows = (
            zip(*(_values(f[c]) for c in attribute_names), strict=True)
            if attribute_names
            else [()] * len(f)
        )
        made = []
        names = ["code_id", "code_path", "theme", "codes", "context_before", "text",
                 "context_after", "attribution", "reference", "document", "speaker", "time",
                 "segment", "start", "end", "coder", "origin", "memo", "document_id"]  # fmt: skip
        rows = zip(*(_values(f[name]) for name in names), attribute_rows, strict=True)
        reanchored = f["reanchored"].tolist()
        for n, row in enumerate(rows, 1):
            (code_id, path, theme, codes, before, text, after, attribution, ref, document, speaker,
             time, segment, start, end, coder, origin, memo, doc_id, attrs) = row  # fmt: skip
            before, text, after = _display(before, text, after)
            chips = self.chip_lists.get(codes)
            if chips is None:  # a few lists shared by many excerpts
                chips = self.chip_lists[codes] = [self.chips[c] for c in codes if c in self.chips]
            made.append(
                Excerpt(
                    f"q{n}", path, theme, self.nodes[code_id].colour, chips, chips[1:] or _NO_CHIPS,
                    before, text, after,
                    attribution, ref, document, speaker or "", clock(time), segment, start, end,
                    coder, origin, bool(reanchored[n - 1]), memo or "",
                    dict(zip(attribute_names, attrs, strict=True)),
                    self.memos.on_span(doc_id, start, end),
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
                        self.memos.on_code(str(node.id)) if key in GROUP_KEYS else [],
                    )
                )  # fmt: skip
            return made

        return build(list(range(len(self.frame))), 0, "") if self.levels else []

    def coders(self) -> list[str]:
        """Every coder named in the excerpts, in order of name."""
        return sorted({name for names in self.frame["coder"] for name in names.split(", ")})

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


def _hashable(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    return tuple(value) if isinstance(value, list) else value


def plan_levels(by: Sequence[str] | None, frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Heading levels, and what the default grouping left out, a sentence each.

    ``theme`` brings ``code`` under it unless ``code`` is given too. ``by=None`` is
    :data:`DEFAULT_BY` less the attributes no excerpt has (a project of plain transcripts
    has none); an attribute asked for by name that no excerpt has is an error.
    """
    asked = list(DEFAULT_BY if by is None else by)
    levels: list[str] = []
    notes: list[str] = []
    for key in asked:
        if key not in GROUP_KEYS and len(frame) and key not in frame.columns:
            if by is None:
                notes.append(f"not grouped by {key}: no document or speaker of these "
                             "excerpts has it")  # fmt: skip
                continue
            fixed = ("document", "speaker", "coder", "origin", "attribution")
            known = [k for k in frame.columns if k not in QUOTE_COLUMNS or k in fixed]
            raise NotFound(
                f"cannot group by {key!r}: not a theme, code or attribute of these excerpts "
                f"(choose from theme, code, {', '.join(known)})"
            )
        levels.append(key)
        if key == "theme" and "code" not in asked:
            levels.append("code")
    return list(dict.fromkeys(levels)), notes
