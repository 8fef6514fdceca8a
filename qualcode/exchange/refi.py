"""What the REFI-QDA reader and writers share: namespaces, GUIDs, colours, the schemas,
and how a qualcode code's fields travel in a REFI ``Description``.

REFI-QDA gives a code one ``Description``; qualcode has a definition, when to use it,
when not to, and examples. They travel as labelled paragraphs, which other tools show
as they are and :func:`unpack_description` reads back::

    The partnership holds its own money...      (the definition, or a theme's description)

    When to use: A speaker links the budget to leverage...

    When not to use: Money simply changes hands...

    Example: "We don't go to them cap in hand."
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lxml import etree

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_PREFIX = "urn:QDA-XML:project:"
CODEBOOK_PREFIX = "urn:QDA-XML:codebook:"
EXCLUSIVE_MARK = "qualcode: exclusive theme"  # the Description of a Set that keeps `exclusive`
PROJECT = "project"  # target type and id of a memo on the project as a whole (REFI Project/NoteRef)

_LABELS = {
    "description": "Description: ",
    "use_when": "When to use: ",
    "not_when": "When not to use: ",
    "example": "Example: ",
}
_HEX = re.compile(r"#?([0-9a-fA-F]{6})(?:[0-9a-fA-F]{2})?|#?([0-9a-fA-F]{3})")
_RGB = re.compile(r"rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,[^)]*)?\)", re.I)
# Characters XML 1.0 cannot hold (lxml refuses them): controls other than tab and newlines.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def guid(value: uuid.UUID) -> str:
    """A GUID as we write it: upper case, no braces (as ATLAS.ti and the spec's Annex A.2)."""
    return str(value).upper()


def read_guid(value: str | None) -> str | None:
    """A GUID from a file, made comparable: braces stripped, upper case."""
    if not value:
        return None
    return value.strip(" \t\n{}").upper() or None


def as_uuid(value: str | None) -> uuid.UUID | None:
    """A GUID as a UUID, or None if it is not one (some tools write odd ids)."""
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def derived(namespace: uuid.UUID, *key: object) -> uuid.UUID:
    """The same GUID for the same key in every export of a project (uuid5)."""
    return uuid.uuid5(namespace, "\x1f".join(str(part) for part in key))


def colour(value: str | None) -> str | None:
    """A colour as ``#RRGGBB``/``#RGB``, repaired from ``rgb(...)`` or ``#RRGGBBAA``; else None."""
    if not value:
        return None
    value = value.strip()
    found = _HEX.fullmatch(value)
    if found:
        return "#" + (found[1] or found[2]).upper()
    found = _RGB.fullmatch(value)
    if found and all(int(part) <= 255 for part in found.groups()):
        return "#" + "".join(f"{int(part):02X}" for part in found.groups())
    return None


def xml_text(text: str) -> str:
    """Text an XML file can hold: characters XML 1.0 forbids become U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


@cache
def schema(name: str) -> etree.XMLSchema:
    """``Project.xsd`` or ``Codebook.xsd`` (REFI-QDA 1.0, MIT; shipped in ``schemas/``)."""
    from lxml import etree

    with resources.as_file(resources.files(__package__) / "schemas" / name) as path:
        return etree.XMLSchema(etree.parse(str(path)))


def schema_errors(root: etree._Element, name: str) -> list[str]:
    """What the schema finds wrong with ``root``, one line each (empty when valid)."""
    checker = schema(name)
    if checker.validate(root):
        return []
    return [f"line {e.line}: {e.message}" for e in checker.error_log]


def pack_description(
    main: str,
    *,
    description: str = "",
    use_when: str = "",
    not_when: str = "",
    examples: list[str] | None = None,
) -> str:
    """A code's fields as one REFI ``Description`` (see the module docstring)."""
    parts = [main.strip()] if main.strip() else []
    if description.strip() and description.strip() != main.strip():
        parts.append(_LABELS["description"] + description.strip())
    for key, value in (("use_when", use_when), ("not_when", not_when)):
        if value.strip():
            parts.append(_LABELS[key] + value.strip())
    parts.extend(_LABELS["example"] + e.strip() for e in examples or [] if e.strip())
    return "\n\n".join(parts)


def code_description(code: Any) -> str:
    """The ``Description`` of a code row or codebook entry (definition first, else description)."""
    return pack_description(
        code.definition or code.description,
        description=code.description,
        use_when=code.use_when,
        not_when=code.not_when,
        examples=[str(e) for e in code.examples or []],
    )


@dataclass
class CodeText:
    """A ``Description`` read back into qualcode's fields.

    ``main`` is the definition, or a theme's description when no ``description`` is given.
    """

    main: str = ""
    description: str = ""
    use_when: str = ""
    not_when: str = ""
    examples: list[str] = field(default_factory=list)


def unpack_description(text: str) -> CodeText:
    """The inverse of :func:`pack_description`; a plain description is all ``main``."""
    found = CodeText()
    main: list[str] = []
    for paragraph in re.split(r"\n[ \t]*\n", text.strip()):
        key = next((k for k, label in _LABELS.items() if paragraph.startswith(label)), None)
        if key is None:
            main.append(paragraph)
        elif key == "example":
            found.examples.append(paragraph[len(_LABELS[key]) :].strip())
        else:
            setattr(found, key, paragraph[len(_LABELS[key]) :].strip())
    found.main = "\n\n".join(main).strip()
    return found


def variable_type(values: list[Any]) -> str:
    """The REFI ``typeOfVariable`` that holds every value: Boolean, Integer, Float, Date or Text."""
    if values and all(isinstance(v, bool) for v in values):
        return "Boolean"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "Integer"
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    if values and numbers and all(v == v and abs(v) != float("inf") for v in values):
        return "Float"
    if values and all(_is_date(v) for v in values):
        return "Date"
    return "Text"


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
