"""Files a user names: read only ordinary files, and say plainly what anything else is.

Opening a named pipe blocks until someone writes to it, a link in a loop has no
content, and ``/dev/zero`` never ends: :func:`plain_file` refuses them all by looking
(``stat``) before anything is opened. :func:`writing_to` does the same service for
output: a place that cannot be written is named, not shown as a traceback.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


def not_plain(path: Path) -> str | None:
    """Why ``path`` is not an ordinary file that can be read, and what to do; None if it is."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        if error.errno == errno.ELOOP or (error.errno == errno.ENOENT and os.path.lexists(path)):
            return (
                "is a symbolic link that leads nowhere (a loop, or a missing target). "
                "Point it at a file, or remove it"
            )
        if error.errno == errno.ENOENT:
            return "does not exist. Check the path and the file name"
        return f"cannot be read ({error.strerror}). Check its permissions"
    if stat.S_ISDIR(mode):
        return "is a folder, not a file. Name a file inside it"
    for test, kind in _KINDS:
        if test(mode):
            return f"is {kind}, not a file. qualcode reads ordinary files only: save it as one"
    return None


def plain_file(path: Path) -> Path:
    """``path`` if it is an ordinary file, else an InputError saying what it is instead."""
    reason = not_plain(path)
    if reason is not None:
        raise InputError(path, reason)
    return path


def read_bytes(path: Path) -> bytes:
    """The bytes of an ordinary file; anything else, or an unreadable file, is an InputError."""
    plain_file(path)
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(
            path, f"cannot be read ({error.strerror})", hint="Check its permissions"
        ) from None


@contextmanager
def writing_to(place: Path, what: str, hint: str) -> Iterator[None]:
    """Turn an OSError raised while writing ``what`` to ``place`` into an InputError
    naming the file it failed on."""
    try:
        yield
    except OSError as error:
        raise InputError(
            error.filename or place, f"cannot write {what} there ({error.strerror})", hint=hint
        ) from None
