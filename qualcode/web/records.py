"""Library results as plain JSON data for the API and the pages' scripts."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pandas as pd
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from ..models import Code, Coder, Coding, Document, Segment, Speaker
from ..visibility import Viewer


def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON-safe records: NaN and NA become None, times ISO strings."""
    if frame.empty:
        return []
    return json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))


def page_codings(session: Session, document: uuid.UUID, seen: Viewer) -> list[dict[str, Any]]:
    """The codings of one document that its page draws (span, code, coder, memo, origin),
    as ``seen`` may see them: one Core query of plain columns, ids read as stored rather
    than made ``UUID`` objects and back (a long transcript holds thousands of codings)."""
    query = (
        select(type_coerce(Coding.id, String), Coding.start, Coding.end,
               type_coerce(Coding.code_id, String), Coder.name, Coding.memo, Coding.origin)
        .join(Coder, Coding.coder_id == Coder.id)
        .where(Coding.document_id == document, seen.where(Coding.coder_id))
        .order_by(Coding.start, Coding.end, Coder.name)
    )  # fmt: skip
    return [
        {"id": _uuid_text(id_), "start": start, "end": end, "code_id": _uuid_text(code),
         "coder": coder, "memo": memo, "origin": origin}
        for id_, start, end, code, coder, memo, origin in session.connection().execute(query)
    ]  # fmt: skip


def _uuid_text(stored: Any) -> str:
    """An id as ``str(uuid)`` writes it, from SQLite's 32 hex digits or a native UUID."""
    if isinstance(stored, str) and len(stored) == 32:
        return f"{stored[:8]}-{stored[8:12]}-{stored[12:16]}-{stored[16:20]}-{stored[20:]}"
    return str(stored)


def plain(data: Any) -> Any:
    """Nested data with numpy numbers and NaN made JSON-safe (NaN becomes None)."""

    def default(value: Any) -> Any:
        return value.item() if hasattr(value, "item") else str(value)

    text = json.dumps(data, default=default, allow_nan=True)
    return json.loads(text, parse_constant=lambda _name: None)


def coding(session: Session, made: Coding) -> dict[str, Any]:
    """One coding in the shape of ``qualcode codings --json``, in two small queries of
    plain columns (no query over all codings: applying a coding stays fast on a large
    document; no code read whole with its JSON)."""
    document = session.get_one(Document, made.document_id)
    tree = {code_id: (parent, name) for code_id, parent, name in session.execute(
        select(Code.id, Code.parent_id, Code.name))}  # fmt: skip
    theme = made.code_id
    while tree[theme][0] is not None and tree[theme][0] in tree:
        theme = tree[theme][0]
    coder, ordinal, speaker = session.execute(
        select(Coder.name, Segment.ordinal, Speaker.label)
        .select_from(Coder)
        .outerjoin(Segment, Segment.id == made.segment_id)
        .outerjoin(Speaker, Speaker.id == Segment.speaker_id)
        .where(Coder.id == made.coder_id)
    ).one()  # fmt: skip
    return {
        "id": str(made.id),
        "document": document.name,
        "start": made.start,
        "end": made.end,
        "segment": ordinal,
        "speaker": speaker,
        "code": tree[made.code_id][1],
        "code_id": str(made.code_id),
        "theme": tree[theme][1],
        "coder": coder,
        "origin": made.origin,
        "memo": made.memo,
        "text": document.text[made.start : made.end],
        "created_at": made.created_at,
    }


def why(evidence: dict[str, Any]) -> list[str]:
    """A suggestion's evidence in words: what matched, nearby matches, the model's words."""
    said = []
    for match in (evidence.get("rules") or {}).get("matches", []):
        said.append(f"matched “{match.get('text', '')}”")
    for near in evidence.get("nearby") or []:
        words = ", ".join(f"“{m.get('text', '')}”" for m in near.get("matches", []))
        said.append(f"segment {near.get('segment')} nearby: {words}")
    model = evidence.get("model") or {}
    if model:
        words = ", ".join(f"{w[0]} {w[1]:+.2f}" for w in model.get("words", [])[:4])
        said.append("model" + (f": {words}" if words else ""))
        for like in model.get("similar", [])[:2]:
            said.append(f"like {like.get('document')} segment {like.get('segment')}")
    return said


def suggestion_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    found = rows(frame)
    for row in found:
        row["evidence"] = row.get("evidence") or {}
        row["why"] = why(row["evidence"])
    return found


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
