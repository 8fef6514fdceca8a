"""Zip packages (.docx, .odt, .xlsx) opened with their sizes checked before decompressing.

A word-processor file is a zip of XML parts. A hostile or broken one can claim a part that
expands a thousandfold (a "zip bomb": 1 MB on disk, 1 GB of XML), or hold no document at
all. :class:`Package` refuses, with one line naming the file:

- a part whose declared size is over :data:`MAX_PART_BYTES`, or that is more than
  :data:`MAX_RATIO` times its compressed size (plain XML deflates 3 to 30 times; a bomb
  a thousand times), before a byte of it is decompressed;
- a part that turns out bigger than declared, while it is read (a zip's sizes can lie):
  reading stops at the limit;
- a part compressed other than by deflate (the only method word processors use), and a
  file that is not a zip, is encrypted, or lacks the part the format needs.

Parts are read in chunks (:meth:`Package.stream`) and parsed as they come with lxml
(:meth:`Package.elements`), which is several times faster than the standard library here.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from qualcode.errors import InputError

if TYPE_CHECKING:  # lxml is imported when a package is read, not when the CLI starts
    from lxml.etree import XMLSyntaxError
    from lxml.etree import _Element as Element

MAX_PART_BYTES = 128 * 2**20  # the XML of a million-word transcript is a fraction of this
MAX_RATIO = 100  # uncompressed / compressed size, for parts big enough to matter
_RATIO_FLOOR = 2**20  # below a MiB, a high ratio (a run of spaces) does no harm
_CHUNK = 2**16
# No entities, nothing fetched, and libxml2's limits on depth and node size kept.
_SAFE = {"resolve_entities": False, "no_network": True, "huge_tree": False}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .doc, and Office's encrypted files


class Package:
    """An open .docx or .odt; use as a context manager.

    ``kind`` names the format in messages ("a Word document (.docx)"), ``hint`` says what
    to do when the file cannot be used at all, ``program`` what makes such files.
    """

    def __init__(
        self, path: Path, kind: str, hint: str, *, program: str = "a word processor"
    ) -> None:
        self.path, self.kind, self.hint, self.program = path, kind, hint, program
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise self._unreadable() from None
        self._entries = {info.filename: info for info in self._zip.infolist()}

    def __enter__(self) -> Package:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._zip.close()

    def has(self, name: str) -> bool:
        """True when the package holds a part of that name."""
        return name in self._entries

    def require(self, name: str) -> None:
        """Refuse the file when it lacks ``name``, the part its format cannot do without."""
        if not self.has(name):
            raise InputError(
                self.path,
                f"cannot be read as {self.kind}: it has no {name} part",
                hint=self.hint,
            )

    def read(self, name: str) -> bytes:
        """The whole part, within the limits of :meth:`stream`."""
        return b"".join(self.stream(name))

    def xml(self, name: str) -> Element | None:
        """A small part parsed whole, or None when the package does not have it."""
        from lxml import etree

        if not self.has(name):
            return None
        try:
            return etree.fromstring(self.read(name), etree.XMLParser(**_SAFE))
        except etree.XMLSyntaxError as error:
            raise self._not_xml(name, error) from None

    def elements(self, name: str, tags: tuple[str, ...]) -> Iterator[Element]:
        """Each element of the part whose tag is in ``tags``, complete, as the XML is
        decompressed. The tree is still built: remove what has been read from its parent
        (``element.getparent().remove(element)``) to keep memory flat."""
        from lxml import etree

        parser = etree.XMLPullParser(("end",), tag=tags, **_SAFE)
        try:
            for chunk in self.stream(name):
                parser.feed(chunk)
                for _, element in parser.read_events():
                    yield element
            parser.close()
        except etree.XMLSyntaxError as error:
            raise self._not_xml(name, error) from None

    def _not_xml(self, name: str, error: XMLSyntaxError) -> InputError:
        where = f" (line {error.lineno} of it)" if error.lineno else ""
        return self._unreadable(f"its {name} part is not valid XML{where}")

    def stream(self, name: str) -> Iterator[bytes]:
        """The part's bytes in chunks, after checking its declared sizes, and capped as read."""
        info = self._entries[name]
        self.check(name)
        limit = min(info.file_size, MAX_PART_BYTES)
        seen = 0
        try:
            with self._zip.open(info) as part:
                while chunk := part.read(_CHUNK):
                    seen += len(chunk)
                    if seen > limit:
                        raise self._too_big(
                            name, f"expands past its declared {info.file_size:,} bytes"
                        )
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError):
            raise self._unreadable(f"its {name} part is damaged") from None
        except RuntimeError:  # zipfile's word for a part that needs a password
            raise InputError(
                self.path,
                f"{self.kind} is protected by a password",
                hint="Save a copy without the password and import that",
            ) from None

    def check(self, name: str) -> None:
        """Refuse the file when the zip directory says part ``name`` would expand too far
        or is compressed oddly; nothing is decompressed."""
        info = self._entries[name]
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # Other methods (bzip2, lzma) decompress without a bound on each step's output.
            raise self._unreadable(
                f"its {name} part is compressed in a way word processors do not use"
            )
        if info.file_size > MAX_PART_BYTES:
            raise self._too_big(
                name,
                f"would expand to {info.file_size / 2**20:,.0f} MiB "
                f"(qualcode reads parts of at most {MAX_PART_BYTES // 2**20} MiB)",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > MAX_RATIO:
            raise self._too_big(
                name,
                f"would expand {ratio:,.0f} times, from {info.compress_size:,} to "
                f"{info.file_size:,} bytes (a document expands at most about 30 times)",
            )

    def _too_big(self, name: str, what: str) -> InputError:
        return InputError(
            self.path,
            f"refused, as it may be a zip bomb: its {name} part {what}",
            hint=f"If you trust the file, open it in {self.program} and save it again",
        )

    def _unreadable(self, why: str = "") -> InputError:
        if not why:
            why = "it is not a zip package"
            try:
                with self.path.open("rb") as file:
                    if file.read(len(_OLE_MAGIC)) == _OLE_MAGIC:
                        why = "it is an old Word .doc file or a password-protected document"
            except OSError:
                pass
        return InputError(self.path, f"cannot be read as {self.kind}: {why}", hint=self.hint)
