"""Side files that describe transcripts which cannot carry front matter (.docx, .vtt, ...).

``manifest.csv`` gives document attributes, one row per file::

    file,area,method,date
    area-3-workshop.docx,Area 3,workshop,2021-07-14

``speakers.csv`` gives speaker attributes; the optional ``document`` column limits a row to
one file, otherwise the row holds for every file in the folder::

    speaker,document,role,agency_type
    Jo,,partnership chair,community
    Jo,area-7.vtt,council officer,local authority

The ``file`` and ``speaker`` columns are required, in any position; every other column is an
attribute. Empty cells are skipped, so a row never blanks an attribute set elsewhere. Both
files may be saved by Excel: a byte order mark, cp1252, and ``;`` or tab separators (judged
from the header line) are accepted.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import InputError
from qualcode.readers.encoding import decode
from qualcode.readers.frontmatter import label_key


def read_manifest(path: Path) -> dict[str, dict[str, str]]:
    """Document attributes by file name, from a ``manifest.csv`` with a ``file`` column.

    >>> read_manifest(Path("transcripts/manifest.csv"))  # doctest: +SKIP
    {'area-3-workshop.docx': {'area': 'Area 3', 'method': 'workshop'}}
    """
    manifest: dict[str, dict[str, str]] = {}
    seen: dict[str, int] = {}
    for line, row in _read_table(path, key="file"):
        name = _file_name(row.pop("file"))
        if not name:
            raise InputError(
                path, "row has no file name", line=line, hint="Fill in the file column"
            )
        if name in seen:
            raise InputError(
                path,
                f'"{name}" is listed twice (first on line {seen[name]})',
                line=line,
                hint="Merge the two rows into one",
            )
        seen[name] = line
        manifest[name] = row
    return manifest


@dataclass
class SpeakerTable:
    """Speaker attributes from ``speakers.csv``: rows for all documents, and rows for one.

    ``everywhere`` maps a speaker key (see :func:`label_key`) to attributes; ``by_document``
    maps a file name to such a mapping. Use :meth:`attributes` rather than reading them.
    """

    everywhere: dict[str, dict[str, str]] = field(default_factory=dict)
    by_document: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    def attributes(self, label: str, document: str) -> dict[str, str]:
        """Attributes of ``label`` in ``document``: its own row over the folder-wide one.

        Labels compare case-insensitively, as in front matter.
        """
        key = label_key(label)
        return {
            **self.everywhere.get(key, {}),
            **self.by_document.get(_file_name(document), {}).get(key, {}),
        }


def read_speakers(path: Path) -> SpeakerTable:
    """Speaker attributes from a ``speakers.csv`` with a ``speaker`` column.

    >>> table = read_speakers(Path("transcripts/speakers.csv"))  # doctest: +SKIP
    >>> table.attributes("Jo", "area-7.vtt")  # doctest: +SKIP
    {'role': 'council officer', 'agency_type': 'local authority'}
    """
    table = SpeakerTable()
    seen: dict[tuple[str, str], int] = {}
    for line, row in _read_table(path, key="speaker", also=("document",)):
        label = " ".join(row.pop("speaker").split())
        document = _file_name(row.pop("document", ""))
        if not label:
            raise InputError(
                path, "row has no speaker", line=line, hint="Fill in the speaker column"
            )
        first = seen.setdefault((label_key(label), document), line)
        if first != line:
            raise InputError(
                path,
                f'speaker "{label}" is listed twice (first on line {first})',
                line=line,
                hint="Merge the two rows into one, or give each a different document",
            )
        target = table.by_document.setdefault(document, {}) if document else table.everywhere
        target[label_key(label)] = row
    return table


def _read_table(
    path: Path, key: str, also: tuple[str, ...] = ()
) -> list[tuple[int, dict[str, str]]]:
    """Rows as column -> non-empty cell, with their line numbers, after checking the header.

    ``key`` (required) and the names in ``also`` are matched case-insensitively and come
    back in lower case; every row keeps its ``key`` cell even when empty.
    """
    text, _ = decode(path, path.read_bytes(), table=True)
    first_line = text.split("\n", 1)[0]
    separator = max(",;\t", key=first_line.count)  # header names rarely hold a separator
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header = _header(path, next(reader), key, also)
    rows = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            raise InputError(
                path,
                f"row has {len(cells)} cells but the header names {len(header)} columns",
                line=reader.line_num,
                hint="Name the extra column in the first line, or put quotes around "
                "values that contain the separator",
            )
        row = {
            name: cell.strip() for name, cell in zip(header, cells, strict=False) if cell.strip()
        }
        rows.append((reader.line_num, {key: "", **row}))
    return rows


def _header(path: Path, cells: list[str], key: str, also: tuple[str, ...]) -> list[str]:
    header = [c.strip() for c in cells]
    header = [h.casefold() if h.casefold() in (key, *also) else h for h in header]
    if key not in header:
        raise InputError(
            path,
            f'no "{key}" column (the columns are: {", ".join(header)})',
            line=1,
            hint=f'Name the column that holds the {key} names "{key}"; the others are attributes',
        )
    for number, name in enumerate(header, start=1):
        if not name:
            raise InputError(
                path, f"column {number} has no name", line=1, hint="Give every column a header"
            )
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise InputError(
            path,
            f'column "{repeated[0]}" appears more than once',
            line=1,
            hint="Give each column its own name",
        )
    return header


def _file_name(value: str) -> str:
    """A file cell as it is compared: trimmed, with forward slashes, without a leading ./"""
    name = value.strip().replace("\\", "/")
    return name[2:] if name.startswith("./") else name
