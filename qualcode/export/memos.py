"""Memos in exports: those on the sentences and codes of the quotes an export shows,
and every memo one may see as a file of its own (``qualcode memos --export``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import String, cast, select

from ..errors import QualcodeError
from ..models import Coder, Memo, Segment
from ..project import Project
from ..visibility import Who, viewer_for

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Notes:
    """The memos an export shows beside its quotes and headings, each ``coder: words``."""

    spans: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)  # by document
    codes: dict[str, list[str]] = field(default_factory=dict)  # by code id

    def on_span(self, document_id: str, start: int, end: int) -> list[str]:
        """The memos on the segments that [start, end) of a document touches."""
        return [t for a, b, t in self.spans.get(document_id, ()) if a < end and b > start]

    def on_code(self, code_id: str) -> list[str]:
        return self.codes.get(code_id, [])


def export_notes(
    project: Project, *, viewer: Who = None, hide: Callable[[str], str] | None = None
) -> Notes:
    """The memos on segments and codes that ``viewer`` may see, for exports; ``hide``
    (a redactor's ``apply``) takes names out of their words as out of the quotes'."""
    notes = Notes()
    with project.sessionmaker() as session:
        seen = viewer_for(session, viewer).where(Memo.coder_id)
        for doc, start, end, author, text in session.execute(
            select(Segment.document_id, Segment.start, Segment.end, Coder.name, Memo.text)
            .join(Segment, Memo.target_id == cast(Segment.id, String))
            .outerjoin(Coder, Memo.coder_id == Coder.id)
            .where(Memo.target_type == "segment", seen)
            .order_by(Memo.created_at)
        ):  # fmt: skip
            line = f"{author}: {hide(text) if hide else text}"
            notes.spans.setdefault(str(doc), []).append((start, end, line))
        for code_id, author, text in session.execute(
            select(Memo.target_id, Coder.name, Memo.text)
            .outerjoin(Coder, Memo.coder_id == Coder.id)
            .where(Memo.target_type == "code", seen)
            .order_by(Memo.created_at)
        ):  # fmt: skip
            notes.codes.setdefault(code_id, []).append(f"{author}: {hide(text) if hide else text}")
    return notes


KINDS = {"document": "documents", "segment": "segments", "code": "codes", "coding": "codings"}


def write_memos(frame: pd.DataFrame, path: Path) -> None:
    """Memos (:func:`qualcode.memos.every_memo`) as ``.csv`` or ``.md`` (by what they are on)."""
    from ..formulas import csv_frame
    from .templates import md_escape

    table = frame[["target_type", "target", "coder", "text", "created_at"]].rename(
        columns={"target_type": "on", "target": "about", "text": "memo"}
    )
    if path.suffix == ".csv":
        csv_frame(table).to_csv(path, index=False, encoding="utf-8")
        return
    if path.suffix != ".md":
        raise QualcodeError(f"{path}: memos export as .csv or .md; give a file name ending so")
    lines = [f"# Memos ({len(table)})"]
    for kind, heading in KINDS.items():
        some = table[table["on"] == kind]
        if len(some):
            lines += ["", f"## On {heading} ({len(some)})", ""]
            lines += [
                f"- **{md_escape(row.about or '')}** ({md_escape(row.coder or 'nobody')}): "
                f"{md_escape(' '.join(row.memo.split()))}"
                for row in some.itertuples()
            ]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
