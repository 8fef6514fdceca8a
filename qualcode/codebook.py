"""Load, check and sync ``codebook.yaml``: themes and codes with definitions and patterns.

``load_codebook`` reads the file and collects *every* problem (with its line) before
raising :class:`CodebookError`, so a user fixes them in one pass. ``sync_codebook``
makes the project's Code rows match the file: codes are matched by ``id`` (so a
rename keeps its codings), added, updated, restored or archived, never deleted.

The file holds nested ``themes`` (each with ``codes``, which may nest once more), and
may also list flat ``codes`` that name their ``parent`` by name or id.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import CodebookError, InputError
from .files import read_bytes
from .models import Code, Setting
from .safeyaml import SafeYamlLoader, parse_yaml

TOP_KEYS = {"title", "version", "description", "themes", "codes"}
CODE_KEYS = {
    "id",
    "name",
    "parent",
    "description",
    "definition",
    "use_when",
    "not_when",
    "example",
    "examples",
    "patterns",
    "colour",
    "color",
    "exclusive",
    "codes",
}
TEXT_FIELDS = ("description", "definition", "use_when", "not_when")
MAX_LEVELS = 10  # themes, codes, sub-codes... deeper trees are a mistake, and slow to show
COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


@dataclass
class CodeSpec:
    """One theme or code as the file states it."""

    name: str
    line: int
    id: uuid.UUID | None = None
    parent: str | None = None  # parent's name, resolved while loading
    description: str = ""
    definition: str = ""
    use_when: str = ""
    not_when: str = ""
    examples: list[str] = field(default_factory=list)
    patterns: list[Any] = field(default_factory=list)
    colour: str | None = None
    exclusive: bool = False

    @property
    def slug(self) -> str:
        return slugify(self.name)


@dataclass
class Codebook:
    """A checked codebook: codes in file order, parents before their children."""

    path: Path
    title: str
    version: str
    description: str
    codes: list[CodeSpec]
    sha256: str

    def themes(self) -> list[CodeSpec]:
        return [code for code in self.codes if code.parent is None]


def slugify(name: str) -> str:
    """``Speaking the language`` -> ``speaking-the-language`` (how the CLI names codes)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class _LineLoader(SafeYamlLoader):
    """A safe loader whose mappings remember the line of the mapping and of each key."""


class _LineDict(dict):
    line: int
    key_lines: dict[str, int]


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    mapping = _LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {str(key.value): key.start_mark.line + 1 for key, _value in node.value}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Checker:
    """Walks the parsed YAML, building CodeSpecs and collecting problems with lines."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[tuple[int | None, str]] = []
        self.codes: list[CodeSpec] = []

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append((line, message))

    def unknown_keys(self, mapping: _LineDict, allowed: set[str], what: str) -> None:
        for key in mapping:
            if key not in allowed:
                near = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                known = ", ".join(sorted(allowed - {"color", "examples"}))
                self.problem(
                    mapping.key_lines.get(str(key), mapping.line),
                    f"unknown key {key!r} in {what}{hint}; known keys: {known}",
                )

    def text(self, mapping: _LineDict, key: str) -> str:
        value = mapping.get(key)
        if value is None:
            return ""
        if not isinstance(value, str | int | float):
            self.problem(mapping.key_lines.get(key), f"{key!r} must be text")
            return ""
        return str(value).strip()

    def entry(self, mapping: Any, parent: str | None, line: int, is_theme: bool) -> None:
        if not isinstance(mapping, _LineDict):
            self.problem(line, "each theme or code must be a mapping with at least a name")
            return
        what = "a theme" if is_theme else "a code"
        self.unknown_keys(mapping, CODE_KEYS, what)
        name = self.text(mapping, "name")
        if not name:
            self.problem(mapping.line, f"{what} without a name: add `name:`")
            return
        spec = CodeSpec(name=name, line=mapping.line, parent=parent)
        self.fill(spec, mapping, is_theme)
        self.codes.append(spec)
        children = mapping.get("codes") or []
        if not isinstance(children, list):
            self.problem(mapping.key_lines.get("codes"), f"`codes` of {name!r} must be a list")
            return
        for child in children:
            self.entry(child, name, getattr(child, "line", mapping.line), is_theme=False)

    def fill(self, spec: CodeSpec, mapping: _LineDict, is_theme: bool) -> None:
        line = mapping.key_lines.get
        if "id" in mapping:
            try:
                spec.id = uuid.UUID(str(mapping["id"]))
            except ValueError:
                self.problem(
                    line("id"),
                    f"id of {spec.name!r} is not a UUID: write one such as {uuid.uuid4()}",
                )
        for key in TEXT_FIELDS:
            setattr(spec, key, self.text(mapping, key))
        if is_theme and not (spec.description or spec.definition):
            self.problem(spec.line, f"theme {spec.name!r} has no description: add `description:`")
        if not is_theme and not spec.definition:
            self.problem(spec.line, f"code {spec.name!r} has no definition: add `definition:`")
        examples = mapping.get("examples", mapping.get("example", []))
        examples = [examples] if isinstance(examples, str) else examples
        if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
            self.problem(line("example") or line("examples"), "`example` must be text or a list")
        else:
            spec.examples = [e.strip() for e in examples]
        colour = mapping.get("colour", mapping.get("color"))
        if colour is not None and not COLOUR.match(str(colour)):
            self.problem(
                line("colour") or line("color"),
                f'colour {colour!r} of {spec.name!r} is not a hex colour such as "#1f77b4"',
            )
        spec.colour = str(colour) if colour is not None else None
        exclusive = mapping.get("exclusive", False)
        if not isinstance(exclusive, bool):
            self.problem(line("exclusive"), "`exclusive` must be true or false")
        spec.exclusive = exclusive is True
        spec.patterns = self.patterns(spec.name, mapping)

    def patterns(self, name: str, mapping: _LineDict) -> list[Any]:
        patterns = mapping.get("patterns") or []
        where = mapping.key_lines.get("patterns", mapping.line)
        if not isinstance(patterns, list):
            self.problem(where, f"`patterns` of {name!r} must be a list")
            return []
        for index, pattern in enumerate(patterns):
            message = pattern_problem(pattern)
            if message:
                first = pattern[0] if isinstance(pattern, list) and pattern else None
                line = getattr(first, "line", where)  # a token's mapping knows its line
                self.problem(line, f"pattern {index + 1} of {name!r}: {message}")
        return patterns

    def check_graph(self) -> None:
        """Names and ids unique; flat parents known; no code its own ancestor."""
        seen_names: dict[str, CodeSpec] = {}
        seen_slugs: dict[str, CodeSpec] = {}
        seen_ids: dict[uuid.UUID, CodeSpec] = {}
        for spec in self.codes:
            first = seen_names.get(spec.name.casefold()) or seen_slugs.get(spec.slug)
            if first:
                self.problem(
                    spec.line, f"duplicate name {spec.name!r} (first at line {first.line})"
                )
            seen_names.setdefault(spec.name.casefold(), spec)
            seen_slugs.setdefault(spec.slug, spec)
            if spec.id is not None:
                if spec.id in seen_ids:
                    self.problem(
                        spec.line,
                        f"duplicate id {spec.id} (also {seen_ids[spec.id].name!r}, "
                        f"line {seen_ids[spec.id].line})",
                    )
                seen_ids.setdefault(spec.id, spec)
        by_key = {**{str(k): v for k, v in seen_ids.items()}, **seen_names}
        for spec in self.codes:
            if spec.parent is None:
                continue
            parent = by_key.get(spec.parent.casefold()) or by_key.get(spec.parent)
            if parent is None:
                self.problem(spec.line, f"parent {spec.parent!r} of {spec.name!r} is not a code")
                spec.parent = None
            else:
                spec.parent = parent.name
        self.check_hierarchy(seen_names)

    def check_hierarchy(self, by_name: dict[str, CodeSpec]) -> None:
        """No code its own ancestor, none more than MAX_LEVELS deep; one pass, remembering
        each code's level, so a chain of thousands of parents costs no more than a list."""
        level: dict[int, int] = {}  # id(spec) -> 1 for a theme, 2 for its codes...
        for spec in self.codes:
            path: list[CodeSpec] = []  # from spec upwards, levels still unknown
            on_path: set[int] = set()
            current = spec
            while id(current) not in level:
                if current.parent is None:
                    level[id(current)] = 1
                elif id(current) in on_path:
                    cycle = path[[id(c) for c in path].index(id(current)) :] + [current]
                    self.problem(
                        current.line, "cycle of parents: " + " -> ".join(c.name for c in cycle)
                    )
                    current.parent = None
                    level[id(current)] = 1
                else:
                    path.append(current)
                    on_path.add(id(current))
                    current = by_name[current.parent.casefold()]
            for node in reversed(path):
                if id(node) not in level:
                    assert node.parent is not None
                    level[id(node)] = level[id(by_name[node.parent.casefold()])] + 1
                    if level[id(node)] == MAX_LEVELS + 1:
                        self.problem(
                            node.line,
                            f"{node.name!r} is nested {MAX_LEVELS + 1} levels deep (under "
                            f"{node.parent!r}); qualcode allows {MAX_LEVELS} levels: give it "
                            "a parent nearer the top",
                        )


def pattern_problem(pattern: Any) -> str | None:
    """Why ``pattern`` cannot be used for suggestions, or None when it is fine."""
    if isinstance(pattern, str):
        return None if pattern.strip() else "a phrase pattern must not be empty"
    if (
        not isinstance(pattern, list)
        or not pattern
        or not all(isinstance(t, dict) for t in pattern)
    ):
        return "write a phrase, or a list of token attributes such as [{LOWER: our}, {LOWER: own}]"
    bad_regexes = _regex_problems(pattern)
    if bad_regexes:
        return "; ".join(bad_regexes)
    from spacy.errors import MatchPatternError
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    try:
        Matcher(Vocab(), validate=True).add("check", [pattern])
    except MatchPatternError as error:
        return "not a valid spaCy Matcher pattern: " + "; ".join(_matcher_reasons(str(error)))
    except (ValueError, TypeError, KeyError) as error:  # what else spaCy raises for odd values
        return f"not a valid spaCy Matcher pattern: {str(error).splitlines()[0]}"
    return None


def _regex_problems(pattern: list[dict[Any, Any]]) -> list[str]:
    """Each ``{REGEX: ...}`` that Python cannot compile, by token and attribute.

    spaCy compiles them with ``re`` and lets ``re.error`` escape, with no token named.
    """
    problems = []
    for index, token in enumerate(pattern, start=1):
        attributes = list(token.items())
        while attributes:
            key, value = attributes.pop(0)
            if not isinstance(value, dict):
                continue
            if key == "_":  # custom attributes nest one level deeper
                attributes.extend((f"_.{k}", v) for k, v in value.items())
                continue
            regex = value.get("REGEX")
            if not isinstance(regex, str):
                continue
            try:
                re.compile(regex)
            except re.error as error:
                problems.append(
                    f"token {index} {key}: REGEX {regex!r} is not a regular expression ({error})"
                )
    return problems


def _matcher_reasons(message: str) -> list[str]:
    """``- [pattern -> 0 -> LOWER -> str] Input should be ...`` -> ``token 1 LOWER: ...``."""
    reasons = []
    for line in message.splitlines():
        found = re.match(r"- \[pattern -> (\d+)(?: -> (\w+))?.*?\] (.*)", line)
        if found:
            index, key, why = found.groups()
            reason = f"token {int(index) + 1}" + (f" {key}" if key else "") + f": {why}"
            if reason.split(":")[0] not in [r.split(":")[0] for r in reasons]:
                reasons.append(reason)
    return reasons or [message.splitlines()[0]]


def _flat_entries(checker: _Checker, flat: Any, line: int) -> None:
    if not isinstance(flat, list):
        checker.problem(line, "`codes` must be a list")
        return
    for entry in flat:
        parent = entry.get("parent") if isinstance(entry, dict) else None
        checker.entry(
            entry,
            str(parent) if parent else None,
            getattr(entry, "line", line),
            is_theme=parent is None,
        )


def load_codebook(path: str | Path) -> Codebook:
    """Read and check a codebook file; raise CodebookError listing every problem."""
    path = Path(path)
    try:
        raw = read_bytes(path)
        _node, data = parse_yaml(path, raw.decode("utf-8-sig"), what="", loader=_LineLoader)
    except UnicodeDecodeError:
        raise CodebookError(path, [(None, "not UTF-8 text: save the codebook as UTF-8")]) from None
    except InputError as error:
        raise CodebookError(path, [(error.line, error.detail)]) from None
    checker = _Checker(path)
    if not isinstance(data, _LineDict):
        raise CodebookError(path, [(1, "a codebook is a mapping with `themes:` (see README)")])
    checker.unknown_keys(data, TOP_KEYS, "the codebook")
    themes = data.get("themes") or []
    if not isinstance(themes, list):
        checker.problem(data.key_lines.get("themes"), "`themes` must be a list")
        themes = []
    for theme in themes:
        checker.entry(theme, None, getattr(theme, "line", data.line), is_theme=True)
    _flat_entries(checker, data.get("codes") or [], data.key_lines.get("codes", 1))
    if not checker.codes and not checker.problems:
        checker.problem(data.line, "the codebook has no themes or codes")
    checker.check_graph()
    if checker.problems:
        raise CodebookError(path, sorted(checker.problems, key=lambda p: p[0] or 0))
    return Codebook(
        path=path,
        title=str(data.get("title") or path.stem),
        version=str(data.get("version") or ""),
        description=str(data.get("description") or "").strip(),
        codes=_parents_first(checker.codes),
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def _parents_first(codes: list[CodeSpec]) -> list[CodeSpec]:
    """File order, except that a flat code listed before its parent moves after it."""
    placed: set[str] = set()
    ordered: list[CodeSpec] = []
    pending = list(codes)
    while pending:
        waiting = []
        for spec in pending:
            if spec.parent is None or spec.parent in placed:
                ordered.append(spec)
                placed.add(spec.name)
            else:
                waiting.append(spec)
        if len(waiting) == len(pending):  # unreachable after the cycle check; stay safe
            ordered.extend(waiting)
            break
        pending = waiting
    return ordered


@dataclass
class SyncReport:
    """What ``sync_codebook`` changed, by code name."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old name, new name)
    restored: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    unchanged: int = 0
    ids_missing: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.renamed or self.restored or self.archived)


def _fields(spec: CodeSpec, parent_id: uuid.UUID | None, position: int) -> dict[str, Any]:
    return {
        "name": spec.name,
        "slug": spec.slug,
        "parent_id": parent_id,
        "position": position,
        "description": spec.description,
        "definition": spec.definition,
        "use_when": spec.use_when,
        "not_when": spec.not_when,
        "examples": spec.examples,
        "patterns": spec.patterns,
        "colour": spec.colour,
        "exclusive": spec.exclusive,
    }


def sync_codebook(session: Session, codebook: Codebook) -> SyncReport:
    """Make the Code rows match ``codebook``; the caller owns the transaction.

    A code without an ``id`` in the file is matched to a code of the same name (a live
    one before an archived one), so that it keeps its codings; renaming it then needs
    the id in the file.
    """
    report = SyncReport()
    existing = {code.id: code for code in session.scalars(select(Code))}
    # Without an id, a code is matched by name: a live code first, else an archived one.
    by_name = {code.name.casefold(): code for code in existing.values() if code.archived}
    by_name |= {code.name.casefold(): code for code in existing.values() if not code.archived}
    matched: dict[str, Code] = {}
    for position, spec in enumerate(codebook.codes):
        row = existing.get(spec.id) if spec.id else by_name.get(spec.name.casefold())
        if spec.id is None:
            report.ids_missing.append(spec.name)
        parent_id = matched[spec.parent].id if spec.parent else None
        values = _fields(spec, parent_id, position)
        if row is None:
            row = Code(id=spec.id or uuid.uuid4(), **values)
            session.add(row)
            report.added.append(spec.name)
        else:
            if row.archived:
                row.archived = False
                report.restored.append(spec.name)
            changes = {k: v for k, v in values.items() if getattr(row, k) != v}
            if "name" in changes:
                report.renamed.append((row.name, spec.name))
            elif set(changes) - {"position"}:
                report.updated.append(spec.name)
            elif not changes and spec.name not in report.restored:
                report.unchanged += 1
            for key, value in changes.items():
                setattr(row, key, value)
        session.flush()
        matched[spec.name] = row
    kept = {row.id for row in matched.values()}
    for code in existing.values():
        if code.id not in kept and not code.archived:
            code.archived = True
            report.archived.append(code.name)
    session.merge(
        Setting(
            key="codebook",
            value={
                "title": codebook.title,
                "version": codebook.version,
                "path": str(codebook.path),
                "sha256": codebook.sha256,
                "synced_at": datetime.now(UTC).isoformat(timespec="seconds"),
            },
        )
    )
    return report
