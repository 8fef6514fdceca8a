"""Library results as plain JSON data for the API and the pages' scripts."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pandas as pd
from sqlalchemy import String, case, func, select, type_coerce
from sqlalchemy.orm import Session

from ..models import Coder, Coding, Document, Segment, Speaker
from ..queries import code_themes
from ..visibility import Viewer


def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON-safe records: NaN and NA become None, times ISO strings."""
    if frame.empty:
        return []
    return json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))


def page_codings(session: Session, document: uuid.UUID, seen: Viewer) -> dict[str, Any]:
    """The codings of one document that its page draws, as ``seen`` may see them, in
    columns (a long transcript holds thousands): ``id`` (as stored: SQLite's 32 hex
    digits, the page adds the dashes), ``start``, ``end``, ``code`` and ``coder`` (places
    in the lists ``codes``, of ids, and ``coders``, of names); ``memos`` and ``origins``
    (other than manual) by row number. One Core query of plain columns."""
    query = (
        select(type_coerce(Coding.id, String), Coding.start, Coding.end,
               type_coerce(Coding.code_id, String), type_coerce(Coding.coder_id, String),
               Coding.memo, Coding.origin)
        .where(Coding.document_id == document, seen.where(Coding.coder_id))
        .order_by(Coding.start, Coding.end)
    )  # fmt: skip
    found = session.connection().execute(query).all()
    columns = zip(*found, strict=True) if found else [()] * 7
    ids, starts, ends, codes, coders, memos, origins = columns
    names = {_uuid_text(i): name for i, name in session.execute(
        select(type_coerce(Coder.id, String), Coder.name))}  # fmt: skip
    code_place = {code: n for n, code in enumerate(dict.fromkeys(codes))}
    coder_place = {coder: n for n, coder in enumerate(dict.fromkeys(coders))}
    return {
        "id": [i if isinstance(i, str) else str(i) for i in ids],  # PostgreSQL's UUIDs
        "start": starts,
        "end": ends,
        "code": [code_place[code] for code in codes],
        "coder": [coder_place[coder] for coder in coders],
        "codes": [_uuid_text(code) for code in code_place],
        "coders": [names[_uuid_text(coder)] for coder in coder_place],
        "memos": {n: memo for n, memo in enumerate(memos) if memo},
        "origins": {n: origin for n, origin in enumerate(origins) if origin != "manual"},
    }


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
    document; no code read whole with its JSON; of its document, the name and the coded
    words, not the whole text)."""
    code, theme = code_themes(session, only=made.code_id)[made.code_id]
    words = func.substr(Document.text, made.start + 1, made.end - made.start)
    if made.quote is not None:  # its anchor holds its words while the text is that revision
        words = case((Document.revision == made.revision, None), else_=words)
    coder, ordinal, speaker, document, text = session.execute(
        select(Coder.name, Segment.ordinal, Speaker.label, Document.name, words)
        .select_from(Coder)
        .join(Document, Document.id == made.document_id)
        .outerjoin(Segment, Segment.id == made.segment_id)
        .outerjoin(Speaker, Speaker.id == Segment.speaker_id)
        .where(Coder.id == made.coder_id)
    ).one()  # fmt: skip
    return {
        "id": str(made.id),
        "document": document,
        "start": made.start,
        "end": made.end,
        "segment": ordinal,
        "speaker": speaker,
        "code": code,
        "code_id": str(made.code_id),
        "theme": theme,
        "coder": coder,
        "origin": made.origin,
        "memo": made.memo,
        "text": made.quote if text is None else text,
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
