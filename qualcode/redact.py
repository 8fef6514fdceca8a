"""Pseudonymisation for exports: names, places and organisations out, placeholders in.

A project's ``redact.yaml`` says what to hide and what to write instead::

    names:                          # a mapping: match -> replacement
      Jo Bloggs: "[name]"
      Priya: "[council officer]"
    places:
      Meadowbank: "[Big Local area]"
    organisations:                  # or a list: each gets the category's placeholder
      - Harrowfield Homes
    speakers: true                  # also hide speaker labels found in the text (default)
    keep: [Council]                 # never hide these, even if a speaker is called so

Matching is case-insensitive and whole-word (``Jo`` never matches inside ``Joanne``,
but does in ``Jo's``, ``Jo’s`` and ``Jo-led``), the longest match wins (``Jo Bloggs``
before ``Jo``), and spaces, hyphens or underscores between words of a rule match any run
of them. All rules are compiled into one regular expression, factored as a trie so that
a hundred names cost about as much as one.

Pure: no database here. :func:`qualcode.quotes.project_redactor` adds the project's
speakers; :func:`qualcode.quotes.quotes` applies a :class:`Redactor` to each excerpt.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError
from .safeyaml import parse_yaml

CATEGORIES = {
    "names": "[name]",
    "places": "[place]",
    "organisations": "[organisation]",
    "organizations": "[organisation]",
    "other": "[redacted]",
}
OPTIONS = ("speakers", "keep")

# Speaker labels that are roles, not people: never hidden as names.
GENERIC_LABELS = frozenset({
    "a", "q", "all", "everyone", "audience", "chair", "facilitator", "group", "host",
    "interviewee", "interviewer", "moderator", "narrator", "notetaker", "participant",
    "researcher", "respondent", "speaker", "unknown", "voice",
})  # fmt: skip
TITLES = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "lord", "lady", "rev",
    "cllr", "councillor",
})  # fmt: skip
_NUMBERED = re.compile(r"(?:speaker|participant|person|respondent|interviewee|p)\s*\d+", re.I)
_SEPARATOR = re.compile(r"[\s_\-]+")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'"})

Match = tuple[int, int, str]  # start, end, replacement


def _key(text: str) -> str:
    """The form in which rules are looked up: lower case, one space, straight apostrophes."""
    return _SEPARATOR.sub(" ", text.translate(_APOSTROPHES).strip()).lower()


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex matching any of ``words`` (already keyed), longest first, as a trie."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def atom(char: str) -> str:
        if char == " ":
            return r"[\s_\-]+"
        if char == "'":
            return "['’‘]"
        return re.escape(char)

    def build(node: dict[str, Any]) -> str:
        branches = [atom(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


@dataclass(frozen=True)
class Redactor:
    """What to hide and what replaces it; ``speakers`` also swaps speaker names for roles.

    >>> r = Redactor({"Jo Bloggs": "[name]", "Jo": "[name]"})
    >>> r.apply("Jo's idea, not Joanne's: ask jo bloggs")
    "[name]'s idea, not Joanne's: ask [name]"
    """

    rules: Mapping[str, str] = field(default_factory=dict)
    speakers: bool = True
    keep: frozenset[str] = frozenset()
    source: Path | None = None
    added: int = 0  # how many of the rules came from with_names (speakers' names)

    @cached_property
    def _lookup(self) -> dict[str, str]:
        return {_key(match): replacement for match, replacement in self.rules.items()}

    @cached_property
    def _seen(self) -> dict[str, str]:
        return {}  # matched text -> replacement, as met

    @cached_property
    def _regex(self) -> re.Pattern[str] | None:
        if not self._lookup:
            return None
        return re.compile(r"(?<!\w)" + _trie_pattern(self._lookup) + r"(?!\w)", re.IGNORECASE)

    @cached_property
    def _lower_regex(self) -> re.Pattern[str] | None:
        """The same rules for lower-cased text: twice as fast as matching any case."""
        if not self._lookup:
            return None
        return re.compile(r"(?<!\w)" + _trie_pattern(self._lookup) + r"(?!\w)")

    def __bool__(self) -> bool:
        return bool(self.rules) or self.speakers

    def matches(self, text: str) -> list[Match]:
        """Every span of ``text`` to hide, in order, with its replacement."""
        if self._regex is None:
            return []
        lookup, seen = self._lookup, self._seen
        lowered = text.lower()
        if len(lowered) == len(text):  # offsets agree (a few letters lengthen when lowered)
            found_by = self._lower_regex.finditer(lowered)
        else:
            found_by = self._regex.finditer(text)
        found = []
        for m in found_by:
            matched = text[m.start() : m.end()]
            replacement = seen.get(matched)
            if replacement is None:
                replacement = seen[matched] = lookup.get(_key(matched), "[redacted]")
            found.append((*m.span(), replacement))
        return found

    def apply(self, text: str) -> str:
        """``text`` with every rule applied."""
        if self._regex is None or not text:
            return text
        return redact_pieces(text, self.matches(text), [0, len(text)])[0]

    def with_names(self, names: Iterable[str], replacement: str = "[name]") -> Redactor:
        """A copy that also hides ``names`` (rules already given, and ``keep``, win)."""
        kept = {_key(word) for word in self.keep}
        rules = dict(self.rules)
        known = set(self._lookup)
        for name in sorted(names):
            if _key(name) not in known and _key(name) not in kept:
                rules[name] = replacement
                known.add(_key(name))
        added = self.added + len(rules) - len(self.rules)
        return Redactor(rules, self.speakers, self.keep, self.source, added)

    def describe(self) -> str:
        """What is hidden, in a sentence (for the head of an export)."""
        parts = []
        if len(self.rules) > self.added:
            where = f" from {self.source.name}" if self.source else ""
            parts.append(f"{len(self.rules) - self.added} rules{where}")
        if self.added:
            parts.append(f"{self.added} speakers' names")
        hidden = f"Names hidden ({' and '.join(parts)})" if parts else "No names listed to hide"
        who = "speakers shown by their role" if self.speakers else "speaker names kept"
        return f"{hidden}; {who}."


def redact_pieces(text: str, matches: list[Match], bounds: list[int]) -> list[str]:
    """Cut ``text`` at ``bounds`` (sorted offsets) and hide ``matches`` inside the pieces.

    Matches are found once on the whole text, so a name is seen whole even where a
    piece boundary falls inside it: it is replaced in the piece where it starts, and the
    next piece starts after it. This is how an excerpt's context and quote are redacted
    without breaking the offsets of its highlight.
    """
    index = bisect.bisect_right(matches, (bounds[0], bounds[0], "")) if matches else 0
    while index > 0 and matches[index - 1][1] > bounds[0]:
        index -= 1  # a match that starts before the first piece but runs into it
    if index == len(matches) or matches[index][0] >= bounds[-1]:  # nothing to hide here
        return [text[start:end] for start, end in zip(bounds, bounds[1:], strict=False)]
    pieces = []
    position = bounds[0]
    for start, end in zip(bounds, bounds[1:], strict=False):
        parts = []
        position = max(position, start)
        while index < len(matches) and matches[index][0] < end:
            m_start, m_end, replacement = matches[index]
            index += 1
            if m_end <= position:
                continue
            parts.append(text[position : max(m_start, position)])
            parts.append(replacement)
            position = m_end
        if position < end:
            parts.append(text[position:end])
        pieces.append("".join(parts))
    return pieces


def speaker_names(speakers: Iterable[tuple[str, Mapping[str, Any]]]) -> set[str]:
    """The labels (and parts of full names) of speakers who are people, to hide in text.

    Skipped: role-like labels (``Facilitator``, ``Q``, ``Speaker 2``) and labels that
    repeat their own role or agency type (``Council`` for a council officer). From a
    full name such as ``Nell Ashcombe`` the first and last names are hidden too.
    """
    names = set()
    for label, attributes in speakers:
        label = label.strip()
        folded = label.casefold()
        described = " ".join(
            str(attributes.get(key) or "") for key in ("role", "agency_type")
        ).casefold()
        if len(label) < 2 or folded in GENERIC_LABELS or _NUMBERED.fullmatch(label):
            continue
        if folded in described:
            continue
        names.add(label)
        words = label.split()
        if 2 <= len(words) <= 4 and all(word[:1].isupper() for word in words):
            names.update(
                word
                for word in words
                if len(word) >= 3
                and word.casefold().strip(".") not in TITLES | GENERIC_LABELS
                and word.casefold() not in described
            )
    return names


def load_redactions(path: str | Path) -> Redactor:
    """Read a ``redact.yaml``; a problem raises :class:`InputError` naming its line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(path, f"cannot read the redaction rules ({error.strerror})") from None
    root, _ = parse_yaml(path, text, what="", hint="Fix the YAML syntax", construct=False)
    if root is None:
        return Redactor(source=path)
    if not isinstance(root, yaml.MappingNode):
        raise _bad(path, root, "the rules must be a mapping", "Start with names:, places: ...")
    rules: dict[str, str] = {}
    seen: dict[str, int] = {}
    speakers, keep = True, frozenset[str]()
    for key_node, value_node in root.value:
        key = key_node.value
        if key == "speakers":
            speakers = _boolean(path, value_node)
        elif key == "keep":
            keep = frozenset(_strings(path, value_node))
        elif key in CATEGORIES:
            for match, replacement, line in _category(path, value_node, CATEGORIES[key]):
                if _key(match) in seen:
                    raise InputError(
                        path,
                        f"{match!r} is listed twice (first on line {seen[_key(match)]})",
                        line=line,
                        hint="Keep one rule for it",
                    )
                seen[_key(match)] = line
                rules[match] = replacement
        else:
            near = difflib.get_close_matches(key, [*CATEGORIES, *OPTIONS], n=1)
            hint = f"Did you mean {near[0]!r}?" if near else ""
            known = ", ".join([*CATEGORIES, *OPTIONS])
            raise _bad(path, key_node, f"unknown key {key!r} (known: {known})", hint)
    return Redactor(rules, speakers=speakers, keep=keep, source=path)


def _bad(path: Path, node: yaml.Node, message: str, hint: str = "") -> InputError:
    return InputError(path, message, line=node.start_mark.line + 1, hint=hint)


def _scalar(path: Path, node: yaml.Node, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise _bad(path, node, f"{what} must be a non-empty piece of text")
    return str(node.value).strip()


def _boolean(path: Path, node: yaml.Node) -> bool:
    if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:bool":
        raise _bad(path, node, "speakers must be true or false")
    return node.value.lower() in ("true", "yes", "on")


def _replacement(path: Path, key: yaml.Node, node: yaml.Node) -> str:
    """A replacement; ``[name]`` unquoted (a one-item YAML list) means the text "[name]"."""
    if isinstance(node, yaml.SequenceNode) and node.flow_style and len(node.value) == 1:
        return f"[{_scalar(path, node.value[0], 'a replacement')}]"
    return _scalar(path, node, f"the replacement of {key.value!r}")


def _strings(path: Path, node: yaml.Node) -> list[str]:
    if isinstance(node, yaml.ScalarNode):
        return [_scalar(path, node, "a value")]
    if not isinstance(node, yaml.SequenceNode):
        raise _bad(path, node, "expected a list of words", "Write it as [One, Two]")
    return [_scalar(path, item, "each entry") for item in node.value]


def _category(path: Path, node: yaml.Node, default: str) -> list[tuple[str, str, int]]:
    """``match -> replacement`` entries of one category, from a mapping or a list."""
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return []
    if isinstance(node, yaml.SequenceNode):
        return [
            (_scalar(path, item, "a name"), default, item.start_mark.line + 1)
            for item in node.value
        ]
    if isinstance(node, yaml.MappingNode):
        return [
            (_scalar(path, key, "a name"), _replacement(path, key, value), key.start_mark.line + 1)
            for key, value in node.value
        ]
    raise _bad(
        path, node, "expected a mapping (name: replacement) or a list of names",
        'Write e.g. "Jo Bloggs: [name]" on its own line',
    )  # fmt: skip
