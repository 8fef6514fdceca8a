"""The codebook as quotes and exports see it: each code's theme, path, order and colour."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Code

# Colours for codes whose theme has none (Tableau 10, as in the example codebook).
PALETTE = (
    "#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F",
    "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F", "#BAB0AC",
)  # fmt: skip


@dataclass
class CodeNode:
    """A code with what quotes and exports need: its theme, path, order and colour."""

    id: uuid.UUID
    name: str
    slug: str
    parent_id: uuid.UUID | None
    position: int
    colour: str
    archived: bool
    description: str = ""
    theme: CodeNode | None = None
    path: str = ""
    children: list[CodeNode] = field(default_factory=list)


class CodeTree:
    """Every code of a project, by id, with themes, paths and colours resolved."""

    def __init__(self, codes: Iterable[Code]) -> None:
        rows = sorted(codes, key=lambda c: (c.position, c.name))
        self.nodes = {
            c.id: CodeNode(c.id, c.name, c.slug, c.parent_id, c.position, c.colour or "",
                           c.archived, c.definition or c.description)
            for c in rows
        }  # fmt: skip
        for node in self.nodes.values():
            parent = self.nodes.get(node.parent_id) if node.parent_id else None
            if parent is not None:
                parent.children.append(node)
        themes = [n for n in self.nodes.values() if self.parent(n) is None]
        for index, theme in enumerate(themes):
            theme.colour = theme.colour or PALETTE[index % len(PALETTE)]
            self._walk(theme, theme, [])

    def _walk(self, node: CodeNode, theme: CodeNode, names: list[str]) -> None:
        node.theme = theme
        node.path = " › ".join(names) if names else node.name
        for child in node.children:
            child.colour = child.colour or node.colour
            self._walk(child, theme, [*names, child.name])

    def parent(self, node: CodeNode) -> CodeNode | None:
        return self.nodes.get(node.parent_id) if node.parent_id else None

    def descendants(self, code_id: uuid.UUID) -> set[uuid.UUID]:
        """The code and every code below it."""
        found, stack = set(), [self.nodes[code_id]]
        while stack:
            node = stack.pop()
            found.add(node.id)
            stack.extend(node.children)
        return found

    def order(self, code_id: uuid.UUID) -> tuple[int, int]:
        """Codebook order: the theme's position, then the code's."""
        node = self.nodes[code_id]
        return (node.theme.position if node.theme else 0, node.position)

    @property
    def themes(self) -> list[CodeNode]:
        return [n for n in self.nodes.values() if n.parent_id is None]


def code_tree(session: Session) -> CodeTree:
    return CodeTree(session.scalars(select(Code)))
