"""Every filter of a quotes query, and the one place that decides which codings count.

Codes and coders are filtered in SQL, attributes, text and co-occurrence in Python. Who
may see which codings (a coder sees only their own while a blind round is closed,
:mod:`qualcode.visibility`) narrows the coders here, so excerpts, co-occurring codes and
matrices all follow the same rule.
"""

from __future__ import annotations

import difflib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..lookup import find_code
from ..models import Coder, Coding, Document, Speaker
from ..visibility import Viewer
from .codes import CodeTree

StrOrList = str | Sequence[str] | None
FIXED_KEYS = ("document", "speaker", "coder", "origin", "attribution")  # usable in ``where``


def as_list(value: StrOrList) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def norm(value: Any) -> str:
    return str(value).strip().casefold()


@dataclass
class Filters:
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
            if not any(norm(v) in wanted for v in values if v is not None):
                return False
        return True


def resolve_codes(session: Session, tree: CodeTree, refs: list[str]) -> set[uuid.UUID]:
    """The codes named and those below them; archived ones only if named themselves."""
    found: set[uuid.UUID] = set()
    for ref in refs:
        named = find_code(session, ref)
        below = tree.descendants(named.id) - {named.id}
        found |= {named.id} | {i for i in below if not tree.nodes[i].archived}
    return found


def coder_ids(session: Session, names: list[str], seen: Viewer) -> set[uuid.UUID] | None:
    """Ids of the coders asked for (None: all), narrowed to those ``seen`` may see."""
    coders = dict(session.execute(select(Coder.name, Coder.id)).all())
    for name in names:
        if name not in coders:
            near = difflib.get_close_matches(name, list(coders), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
            raise NotFound(f"no coder {name!r} in this project{hint} (known: "
                           f"{', '.join(sorted(coders)) or 'none yet'})")  # fmt: skip
    asked = {coders[name] for name in names} if names else None
    if seen.coder_ids is None:
        return asked
    return set(seen.coder_ids) if asked is None else asked & seen.coder_ids


def where_values(where: Mapping[str, Any] | None) -> dict[str, set[str]]:
    return {
        key: {norm(v) for v in ([value] if isinstance(value, str | int | float) else value)}
        for key, value in (where or {}).items()
    }


def check_where_keys(session: Session, keys: Iterable[str]) -> None:
    known = set(FIXED_KEYS)
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
