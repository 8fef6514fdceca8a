"""YAML front matter: what a transcript says about itself, and who speaks in it.

A text transcript may open with a YAML block between two ``---`` lines::

    ---
    title: Relationship mapping workshop, area 3
    date: 2021-07-14
    speakers:
      Jo: {role: partnership chair, agency_type: community}
      Counsel: {role: counsel, aliases: [Ms Stephenson, Counsel Inquiry]}
    ---
    Jo: Mostly our worker, and me as chair...

Every key but ``speakers`` is a document attribute; dates become ISO strings so attributes
stay JSON-safe. ``speakers`` maps a canonical label to its attributes; ``aliases`` lists
other labels that are the same person and is consumed here (turns carry the canonical label).
Labels and aliases match case-insensitively, with runs of spaces counted as one.
The block counts only when ``---`` is the very first line; the stored text is what follows
the closing line (``---`` or ``...``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qualcode.errors import InputError
from qualcode.safeyaml import parse_yaml

_OPEN = re.compile(r"---[ \t]*(?:\n|$)")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_FIRST_YAML_LINE = 2  # the YAML starts on the line after the opening ---


@dataclass
class FrontMatter:
    """A transcript's front matter, split from its body."""

    attributes: dict[str, Any] = field(default_factory=dict)
    speakers: dict[str, dict[str, Any]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # alias label -> canonical label
    body: str = ""
    body_line: int = 1  # line of the file on which the body starts
    notes: list[str] = field(default_factory=list)  # doubtful but accepted entries


def split_front_matter(path: Path, text: str) -> FrontMatter:
    """Separate the front matter (if any) from the transcript body, checking it as we go.

    >>> fm = split_front_matter(Path("a.md"), "---\\ntitle: Area 3\\n---\\nJo: hi\\n")
    >>> fm.attributes, fm.body, fm.body_line
    ({'title': 'Area 3'}, 'Jo: hi\\n', 4)
    """
    opening = _OPEN.match(text)
    if not opening:
        return FrontMatter(body=text)
    closing = _CLOSE.search(text, opening.end())
    if closing is None:
        raise InputError(
            path,
            "front matter opened with --- is never closed",
            line=1,
            hint="Add a line with only --- after the last front matter key, "
            "or remove the first line if the file has no front matter",
        )
    body_start = min(closing.end() + 1, len(text))
    node, data = parse_yaml(
        path,
        text[opening.end() : closing.start()],
        what="front matter",
        first_line=_FIRST_YAML_LINE,
    )
    attributes, speakers, aliases = _interpret(path, node, data)
    return FrontMatter(
        attributes=attributes,
        speakers=speakers,
        aliases=aliases,
        body=text[body_start:],
        body_line=text.count("\n", 0, body_start) + 1,
        notes=_empty_attribute_notes(node, speakers),
    )


def _interpret(
    path: Path, node: yaml.Node | None, data: Any
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, str]]:
    if node is None:
        return {}, {}, {}
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):  # !!set is not
        raise InputError(
            path,
            "front matter must be keys and values (title: ..., speakers: ...)",
            line=_line(node),
            hint="Write one 'key: value' per line between the --- lines",
        )
    attributes = {str(k): _json_safe(v) for k, v in data.items() if k != "speakers"}
    speakers_node = next((v for k, v in node.value if k.value == "speakers"), None)
    if speakers_node is None or _is_null(speakers_node):
        return attributes, {}, {}
    if not isinstance(speakers_node, yaml.MappingNode) or not isinstance(data["speakers"], dict):
        raise InputError(
            path,
            "speakers must map each speaker's label to its attributes",
            line=_line(speakers_node),
            hint="Write 'speakers:' and under it one line per speaker, such as "
            "'  Jo: {role: chair}'",
        )
    speakers, aliases = _read_speakers(path, speakers_node, data["speakers"])
    return attributes, speakers, aliases


def _read_speakers(
    path: Path, node: yaml.MappingNode, data: dict[Any, Any]
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    lines = {str(k.value): (_line(k), _line(v)) for k, v in node.value}
    speakers: dict[str, dict[str, Any]] = {}
    aliases: dict[str, str] = {}
    owners: dict[str, str] = {}  # key of every label and alias -> the speaker it belongs to
    for raw_label, value in data.items():
        label = " ".join(str(raw_label).split())
        key_line, value_line = lines.get(str(raw_label), (None, None))
        if value is not None and not isinstance(value, dict):
            raise InputError(
                path,
                f'speaker "{label}" must have its attributes as a mapping, not {value!r}',
                line=value_line,
                hint=f"Write it as '{label}: {{role: ...}}', or '{label}: {{}}' if none is known",
            )
        value = value or {}
        names = _aliases(path, label, value.get("aliases"), value_line)
        for name in [label, *names]:
            owner = owners.setdefault(label_key(name), label)
            if owner != label:
                raise InputError(
                    path,
                    f'label "{name}" is given to both "{owner}" and "{label}"',
                    line=key_line,
                    hint="A label or alias may belong to one speaker only",
                )
        speakers[label] = {str(k): _json_safe(v) for k, v in value.items() if k != "aliases"}
        aliases.update({name: label for name in names})
    return speakers, aliases


def _empty_attribute_notes(
    node: yaml.Node | None, speakers: dict[str, dict[str, Any]]
) -> list[str]:
    """Flag ``{role: lead, primary care network}``: a comma inside a value split it in two."""
    lines = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "speakers" and isinstance(value, yaml.MappingNode):
                lines = {" ".join(str(k.value).split()): _line(k) for k, _ in value.value}
    return [
        f'line {lines.get(label, "?")}: speaker "{label}" has an attribute "{name}" with no value; '
        "if it belongs to the value before it, put that whole value in quotes"
        for label, attributes in speakers.items()
        for name, value in attributes.items()
        if value is None
    ]


def _aliases(path: Path, label: str, value: Any, line: int | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise InputError(
            path,
            f'aliases of "{label}" must be a list of labels',
            line=line,
            hint="Write them as aliases: [The Witness, Ms Allen]",
        )
    return [" ".join(str(v).split()) for v in value]


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + _FIRST_YAML_LINE


def _json_safe(value: Any) -> Any:
    """Dates and times as ISO strings, keys as strings, so attributes can go into JSON columns."""
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def label_key(label: str) -> str:
    """How labels compare: case-insensitive, with runs of whitespace as one space."""
    return " ".join(label.split()).casefold()


class SpeakerBook:
    """The speakers of one document: those declared, their aliases, and labels met in the text.

    Readers ask :meth:`resolve` for every label they accept, so ``speakers`` ends up holding
    every canonical label used by a turn (new ones with ``{}``).
    """

    def __init__(
        self,
        declared: dict[str, dict[str, Any]] | None = None,
        aliases: dict[str, str] | None = None,
    ) -> None:
        self.speakers: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (declared or {}).items()}
        self.declared = bool(self.speakers)
        self._canonical = {label_key(label): label for label in self.speakers}
        self._canonical.update({label_key(a): label for a, label in (aliases or {}).items()})

    def known(self, label: str) -> bool:
        """True when the label (or an alias of it) has been declared or met already."""
        return label_key(label) in self._canonical

    def resolve(self, label: str) -> str:
        """The canonical label for a label as written, adding an unknown one with ``{}``."""
        key = label_key(label)
        if key not in self._canonical:
            self._canonical[key] = " ".join(label.split())
            self.speakers[self._canonical[key]] = {}
        return self._canonical[key]
