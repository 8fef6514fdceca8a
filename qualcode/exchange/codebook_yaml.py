"""Write ``codebook.yaml`` from a code tree, in the layout ``codebook check`` reads.

Imports from other tools end here, so that the YAML file stays the codebook's source of
truth: a ``.qdpx`` import writes the project's file from its code rows, and ``codebook
import`` writes a file from a ``.qdc`` or a spreadsheet.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..codebook import CodeSpec, load_codebook, sync_codebook
from ..models import Code
from ..project import Project

FILE = "codebook.yaml"
BACKUP = "codebook.before-import.yaml"


@dataclass
class Entry(CodeSpec):
    """A code as another format states it: its parent is named by ``key`` (a GUID, or a
    name as written) until the file is written."""

    key: str = ""


class _Literal(str):
    """Text written as a YAML block (``|``) when it spans lines."""


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style=style)


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, _literal)


def yaml_text(
    title: str,
    entries: Iterable[Entry],
    *,
    version: str = "",
    description: str = "",
    source: str = "",
) -> str:
    """The codebook file for ``entries`` (parents before children, or in any order)."""
    entries = list(entries)
    children: dict[str | None, list[Entry]] = defaultdict(list)
    keys = {entry.key for entry in entries}
    for entry in entries:
        children[entry.parent if entry.parent in keys else None].append(entry)

    def node(entry: Entry, theme: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"id": str(entry.id)} if entry.id else {}
        out["name"] = entry.name
        for key in ("description", "definition", "use_when", "not_when"):
            value = getattr(entry, key).strip()
            if value:
                out[key] = _Literal(value)
        if entry.examples:
            out["examples"] = [_Literal(e) for e in entry.examples]
        if entry.patterns:
            out["patterns"] = entry.patterns
        if entry.colour:
            out["colour"] = entry.colour
        if entry.exclusive:
            out["exclusive"] = True
        if children[entry.key]:
            out["codes"] = [node(child, False) for child in children[entry.key]]
        return out

    data: dict[str, Any] = {"title": title}
    if version:
        data["version"] = version
    if description:
        data["description"] = _Literal(description)
    data["themes"] = [node(entry, True) for entry in children[None]]
    head = f"# Written by qualcode from {source}.\n" if source else ""
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=88)
    return head + body


def entries_of(session: Session) -> list[Entry]:
    """The project's live codes as entries, in codebook order."""
    rows = session.scalars(select(Code).where(Code.archived.is_(False)).order_by(Code.position))
    return [
        Entry(
            key=str(row.id),
            name=row.name,
            line=0,
            id=row.id,
            parent=str(row.parent_id) if row.parent_id else None,
            description=row.description,
            definition=row.definition,
            use_when=row.use_when,
            not_when=row.not_when,
            examples=[str(e) for e in row.examples or []],
            patterns=list(row.patterns or []),
            colour=row.colour,
            exclusive=row.exclusive,
        )
        for row in rows
    ]


def write_project_codebook(session: Session, project: Project, title: str) -> Callable[[], Path]:
    """Check the project's ``codebook.yaml`` as its code rows now stand and record it as
    synced, inside the caller's transaction; return what puts the file in place once the
    transaction is committed (the old file kept as ``codebook.before-import.yaml``)."""
    target = project.root / FILE
    settings = project.settings().get("codebook") or {}
    text = yaml_text(
        settings.get("title") or title, entries_of(session), version=settings.get("version") or ""
    )
    part = target.with_name(FILE + ".part")
    part.write_text(text, encoding="utf-8")
    try:
        book = load_codebook(part)
        book.path = target
        sync_codebook(session, book)
    except BaseException:
        part.unlink(missing_ok=True)
        raise

    def place() -> Path:
        if target.exists() and target.read_text(encoding="utf-8", errors="replace") != text:
            os.replace(target, target.with_name(BACKUP))
        os.replace(part, target)
        return target

    return place
