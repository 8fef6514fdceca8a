"""Read YAML that someone else wrote: the one place qualcode parses YAML.

Front matter, ``codebook.yaml`` and ``redact.yaml`` all come through :func:`parse_yaml`,
which adds limits to PyYAML's safe loader so that no file can exhaust the stack or memory:

- the text is at most :data:`MAX_CHARS` characters (checked before parsing);
- lists and mappings nest at most :data:`MAX_DEPTH` levels, counted while composing
  (PyYAML composes recursively, so 20,000 ``[`` would overflow the stack), and again
  with aliases followed;
- a document holds at most :data:`MAX_ALIASES` aliases, none refers to a node that
  contains it, and following them adds at most :data:`MAX_ALIAS_NODES` nodes (a
  600-byte "billion laughs" otherwise grows into gigabytes once copied);
- a value Python cannot hold (a date with month 13, an integer of 5,000 digits) is a
  YAML error at its line, not a ``ValueError`` from deep inside the constructor.

Every problem is an :class:`~qualcode.errors.InputError` naming the file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

from .errors import InputError

MAX_CHARS = 4_000_000
MAX_DEPTH = 64
MAX_ALIASES = 10_000
MAX_ALIAS_NODES = 100_000

SYNTAX_HINT = (
    "Check the indentation on that line, and put quotes around values "
    "that contain ': ' or start with a special character"
)


class _TooMuch(ComposerError):
    """A limit was passed: reported with its own hint rather than the syntax hint."""

    def __init__(self, problem: str, mark: Any, hint: str) -> None:
        super().__init__(None, None, problem, mark)
        self.hint = hint


class _BadValue(ConstructorError):
    """A scalar of a known type that Python cannot hold, such as the date 2021-13-45."""

    hint = "Put quotes around it if it is meant as text"


class SafeYamlLoader(yaml.SafeLoader):
    """PyYAML's safe loader, counting depth and aliases as it composes.

    Subclass it to add constructors (as the codebook does to keep line numbers).
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _TooMuch(
                    f"more than {MAX_ALIASES:,} aliases (*name)",
                    self.peek_event().start_mark,
                    "Write the values out instead of repeating them by alias",
                )
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooMuch(
                    f"lists and mappings nested more than {MAX_DEPTH} levels deep",
                    self.peek_event().start_mark,
                    "Nothing qualcode reads needs that many; check for unclosed brackets",
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as error:
            reason = str(error).split(";")[0]
            raise _BadValue(
                None, None, f"cannot read this value ({reason})", node.start_mark
            ) from None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def check_aliases(root: yaml.Node) -> None:
    """Refuse a node graph that aliases make endless, too deep or too large once followed.

    Walks the graph once (iteratively, remembering each node's expanded size and depth),
    so the check costs as much as the document as written, whatever it would expand to.
    """
    size: dict[int, int] = {}  # id(node) -> nodes it stands for, aliases followed
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if size[key] - len(size) > MAX_ALIAS_NODES or depth[key] > MAX_DEPTH:
                raise _TooMuch(
                    "aliases (*name) that expand past what qualcode reads "
                    f"({MAX_ALIAS_NODES:,} extra values, or {MAX_DEPTH} levels)",
                    node.start_mark,
                    "Write the values out instead of nesting aliases in aliases",
                )
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise _TooMuch(
                "an alias (*name) inside the list or mapping it refers to",
                node.start_mark,
                "Remove that alias: the value would never end",
            )
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((kid, False) for kid in _children(node) if id(kid) not in size)


def parse_yaml(
    path: Path,
    text: str,
    *,
    what: str = "the file",
    hint: str = SYNTAX_HINT,
    first_line: int = 1,
    loader: type[SafeYamlLoader] = SafeYamlLoader,
    construct: bool = True,
) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and, if ``construct``, the Python values of ``text``.

    ``first_line`` is the line of ``path`` on which ``text`` starts; ``what`` names the
    text in messages (``front matter is not valid YAML: ...``); ``hint`` follows a
    syntax error. One parse serves both results.

    >>> node, data = parse_yaml(Path("c.yaml"), "themes: [a, b]\\n")
    >>> data
    {'themes': ['a', 'b']}
    """
    if len(text) > MAX_CHARS:
        raise InputError(
            path,
            f"{what} is {len(text):,} characters of YAML, more than the "
            f"{MAX_CHARS:,} qualcode reads",
            line=first_line,
            hint="Check that this is the file you meant",
        )
    reader = loader(text)
    try:
        node = reader.get_single_node()
        if node is None:
            return None, None
        check_aliases(node)
        return node, reader.construct_document(node) if construct else None
    except yaml.YAMLError as error:
        raise _input_error(path, error, what, hint, first_line) from None
    finally:
        reader.dispose()


def _input_error(
    path: Path, error: yaml.YAMLError, what: str, hint: str, first_line: int
) -> InputError:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or "cannot be parsed"
    context, opened = getattr(error, "context", None), getattr(error, "context_mark", None)
    if context and opened and mark and opened.line != mark.line:
        problem += f" ({context} that starts on line {opened.line + first_line})"
    hint = getattr(error, "hint", hint)
    if isinstance(error, _TooMuch):
        message = f"{what or 'the YAML'} has {problem}"
    else:
        message = f"{what} is not valid YAML: {problem}" if what else f"not valid YAML: {problem}"
    return InputError(path, message, line=mark.line + first_line if mark else first_line, hint=hint)
