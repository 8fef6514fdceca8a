"""Change the codebook while coding, and write each change back to ``codebook.yaml``.

The file stays the source of truth: every change (create, rename, recolour, define,
move, merge) is made to the file with ruamel.yaml's round trip, which keeps its
comments, key order and quoting, so that a ``git diff`` of it shows just that change.
The new text is checked by :func:`load_codebook` and synced into the project in the
caller's transaction; the file is replaced only once both have succeeded. Each change
is logged (action ``codebook``, with the text before and after), so ``qualcode undo``
and the page's undo put the file and the codes back; a merge also moves the codings,
logged in the same change.
"""

from __future__ import annotations

import io
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from .changes import log_change, one_change
from .codebook import COLOUR, load_codebook, sync_codebook
from .coding import get_coder, merge_codes
from .errors import CodebookError, QualcodeError
from .lookup import find_code
from .models import Code, CodingLog, Setting

ACTIONS = ("create", "rename", "recolour", "define", "move", "merge")


@dataclass
class Edited:
    """What a change did: the code concerned, and one line saying what."""

    code_id: str
    message: str


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()  # round trip: comments, order and quotes stay as written
    yaml.preserve_quotes = True
    yaml.brace_single_entry_mapping_in_flow_sequence = True
    yaml.width = 4096  # long lines stay whole
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def codebook_path(session: Session, root: Path) -> Path:
    """The file the project's codebook was last synced from."""
    setting = session.get(Setting, "codebook")
    path = (setting.value or {}).get("path") if setting else None
    if not path:
        raise QualcodeError("no codebook synced yet: run `qualcode codebook sync codebook.yaml`")
    found = Path(path) if Path(path).is_absolute() else root / path
    if found.resolve().is_relative_to(root.resolve()):
        if not found.is_file():
            raise QualcodeError(f"no codebook at {found}: put it back, or sync another one")
        return found
    # Synced from elsewhere: the project's own copy of that file, never the other one.
    own = root / found.name
    if own.is_file():
        return own
    raise QualcodeError(
        f"the codebook was synced from {found}, outside the project folder: copy it into "
        f"{root} and run `qualcode codebook sync {found.name}` to change it from here"
    )


def _entries(node: Any, parent: Any = None) -> list[tuple[Any, Any]]:
    """Every theme and code mapping of the file, with the list that holds it."""
    found = []
    for key in ("themes", "codes"):
        items = node.get(key) if hasattr(node, "get") else None
        for item in items or []:
            if hasattr(item, "get"):
                found.append((item, items))
                found.extend(_entries(item, items))
    return found


def _entry(data: Any, code: Code) -> tuple[Any, Any]:
    for item, holder in _entries(data):
        if str(item.get("id") or "") == str(code.id):
            return item, holder
    for item, holder in _entries(data):
        if not item.get("id") and str(item.get("name", "")).casefold() == code.name.casefold():
            return item, holder
    raise QualcodeError(f"{code.name!r} is not in codebook.yaml: sync the codebook first")


def _set(item: Any, key: str, value: Any, after: str = "name") -> None:
    """Set ``key``, placed after ``after`` when the entry has no such key yet."""
    if key in item:
        item[key] = value
        return
    keys = list(item.keys())
    item.insert(keys.index(after) + 1 if after in keys else len(keys), key, value)


def _name(text: str) -> str:
    name = re.sub(r"\s+", " ", text or "").strip().strip(".,;:!?\"'“”‘’").strip()
    if not name:
        raise QualcodeError("a code needs a name: select some words or type one")
    if len(name) > 120:
        raise QualcodeError("a code's name is at most 120 characters: select fewer words")
    return name


def _block(text: str) -> Any:
    """Long text as a folded block (``>-``), as the file's definitions are written."""
    from ruamel.yaml.scalarstring import FoldedScalarString

    text = re.sub(r"\s+", " ", text).strip()
    return FoldedScalarString(text) if len(text) > 60 else text


def edit_codebook(
    session: Session, root: Path, coder: str, action: str, code: str | None = None, **what: Any
) -> Edited:
    """Make one change to the codebook file and the project's codes, in ``session``'s
    transaction; the file is written when both are done.

    ``create``: ``name``, ``parent`` (a theme or code; none makes a theme), optional
    ``colour`` and ``definition``. ``rename``: ``name``. ``recolour``: ``colour``.
    ``define``: ``definition``. ``move``: ``parent``. ``merge``: ``into`` (the code
    receiving the codings; ``code`` leaves the codebook).
    """
    if action not in ACTIONS:
        raise QualcodeError(f"unknown codebook change {action!r}: use one of {', '.join(ACTIONS)}")
    actor = get_coder(session, coder)
    path = codebook_path(session, root)
    before = path.read_text(encoding="utf-8")
    yaml = _yaml()
    data = yaml.load(before)
    target = find_code(session, code) if code else None
    with one_change(session):
        if action == "create":
            edited = _create(session, data, what)
        else:
            if target is None:
                raise QualcodeError(f"say which code to {action}")
            item, holder = _entry(data, target)
            edited = _change(session, data, target, item, holder, action, what, actor.name)
        out = io.StringIO()
        yaml.dump(data, out)
        after = out.getvalue()
        _sync(session, path, after)
        log_change(
            session, actor, "codebook", None, target=uuid.UUID(edited.code_id),
            code_id=edited.code_id, path=str(path), before=before, after=after,
            what=edited.message,
        )  # fmt: skip
    _replace(path, after)
    return edited


def _create(session: Session, data: Any, what: dict[str, Any]) -> Edited:
    from ruamel.yaml.comments import CommentedMap

    name = _name(what.get("name", ""))
    new = CommentedMap()
    new["id"] = str(uuid.uuid4())
    new["name"] = name
    # The file asks every code for a definition: an in-vivo code starts with its words.
    new["definition"] = _block(what.get("definition") or f"In vivo: “{name}”.")
    if what.get("colour"):
        new["colour"] = _colour(what["colour"])
    if what.get("parent"):
        parent = find_code(session, what["parent"])
        item, _ = _entry(data, parent)
        if "codes" not in item or item["codes"] is None:
            item["codes"] = []
        item["codes"].append(new)
        return Edited(new["id"], f"made {name!r} under {parent.name!r}")
    data.setdefault("themes", []).append(new)
    return Edited(new["id"], f"made the theme {name!r}")


def _colour(value: str) -> str:
    if not COLOUR.match(value or ""):
        raise QualcodeError(f"{value!r} is no colour: write it as #RRGGBB")
    return value


def _change(
    session: Session, data: Any, target: Code, item: Any, holder: Any, action: str,
    what: dict[str, Any], actor: str,
) -> Edited:  # fmt: skip
    old = target.name
    code_id = str(target.id)
    if "id" not in item:  # a code named without an id keeps its codings by its id from now on
        item.insert(0, "id", code_id)
    if action == "rename":
        item["name"] = _name(what.get("name", ""))
        return Edited(code_id, f"renamed {old!r} to {item['name']!r}")
    if action == "recolour":
        item.pop("color", None)
        _set(item, "colour", _colour(what.get("colour", "")))
        return Edited(code_id, f"gave {old!r} the colour {item['colour']}")
    if action == "define":
        key = "description" if "description" in item and "definition" not in item else "definition"
        _set(item, key, _block(what.get("definition", "")))
        return Edited(code_id, f"defined {old!r}")
    if action == "move":
        parent = find_code(session, what.get("parent") or "")
        if parent.id == target.id or _below(session, parent, target):
            raise QualcodeError(f"{old!r} cannot move under itself or one of its own codes")
        into, _ = _entry(data, parent)
        holder.remove(item)
        item.pop("parent", None)
        if into.get("codes") is None:
            into["codes"] = []
        into["codes"].append(item)
        _prune(data)
        return Edited(code_id, f"moved {old!r} under {parent.name!r}")
    into = find_code(session, what.get("into") or "")
    if item.get("codes"):
        raise QualcodeError(f"{old!r} has codes of its own: move them elsewhere first")
    moved = merge_codes(session, target, into, actor)
    session.flush()
    from sqlalchemy import func, select

    from .models import Coding

    left = session.scalar(select(func.count()).where(Coding.code_id == target.id))
    if left:
        raise QualcodeError(
            f"{left} coding(s) of {old!r} belong to other coders: only a lead merges those"
        )
    holder.remove(item)
    _prune(data)
    return Edited(str(into.id), f"merged {old!r} into {into.name!r} ({moved} coding(s) moved)")


def _below(session: Session, code: Code, ancestor: Code) -> bool:
    while code.parent_id is not None:
        if code.parent_id == ancestor.id:
            return True
        code = session.get_one(Code, code.parent_id)
    return False


def _prune(data: Any) -> None:
    """No empty ``codes:`` lists left behind by a move or a merge."""
    for item, _ in _entries(data):
        if "codes" in item and not item["codes"]:
            del item["codes"]


def _sync(session: Session, path: Path, text: str) -> None:
    """Check ``text`` as the codebook it would become and sync it (nothing written yet)."""
    draft = path.with_name(f".{path.name}.draft")
    draft.write_text(text, encoding="utf-8")
    try:
        book = load_codebook(draft)
    except CodebookError as error:  # name the file the user knows, not the draft
        said = [(None, f"this change would leave {m}") for _, m in error.problems]
        raise CodebookError(path, said) from None
    finally:
        draft.unlink(missing_ok=True)
    book.path = path
    sync_codebook(session, book)


def _replace(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.new")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def undo_codebook(session: Session, entry: CodingLog) -> str:
    """Put the file and the codes back as they were before ``entry``'s change."""
    path = Path(entry.data["path"])
    now = path.read_text(encoding="utf-8") if path.exists() else None
    if now != entry.data["after"]:
        raise QualcodeError(
            f"{path.name} was changed since ({entry.data['what']}): edit it by hand instead"
        )
    _sync(session, path, entry.data["before"])
    _replace(path, entry.data["before"])
    return f"codebook.yaml as before: {entry.data['what']} undone"
