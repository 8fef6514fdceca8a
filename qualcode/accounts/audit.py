"""Who did what, and when: the audit log a lead reads.

Changes to users, assignments and the round are written here by the functions that make
them (:func:`record`); changes to the codebook by a hook on every flush of a session, so
that no codebook command can forget to; changes to codings are in the coding log already
(who, what, when), and :func:`qualcode.accounts.report.audit` shows both, newest first.
Who acts is the account of a web request, or the ``--as`` name (else the system user)
of a command: whoever runs the code sets :data:`ACTOR`.
"""

from __future__ import annotations

import getpass
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..models import Code
from . import notices as _notices  # noqa: F401  (its hook tells server workers of changes)
from .models import AuditEntry

ACTOR: ContextVar[str | None] = ContextVar("qualcode_actor", default=None)


def actor(named: str | None = None) -> str:
    """Who acts: the name given, else :data:`ACTOR`, else the system user."""
    if named:
        return named
    found = ACTOR.get()
    if found:
        return found
    try:
        return f"{getpass.getuser()} (system user)"
    except (KeyError, OSError):  # no name for this uid (a container)
        return "(system user)"


def record(session: Session, by: str | None, action: str, target: str = "", **detail: Any) -> None:
    """Write one entry in the same transaction as the change it describes."""
    session.add(
        AuditEntry(actor=actor(by)[:255], action=action, target=target[:255], detail=detail)
    )


def _codebook_changes(session: Session, _context: Any, _instances: Any) -> None:
    """Before each flush: one entry per code added, changed or removed."""
    for kind, objects in (("add", session.new), ("change", session.dirty),
                          ("remove", session.deleted)):  # fmt: skip
        for code in objects:
            if not isinstance(code, Code):
                continue
            if kind == "change":
                state = inspect(code)
                changed = sorted(a.key for a in state.attrs if a.history.has_changes())
                changed = [name for name in changed if name != "updated_at"]
                if not changed:
                    continue
                record(session, None, "code change", code.name, fields=changed)
            else:
                record(session, None, f"code {kind}", code.name)


event.listen(Session, "before_flush", _codebook_changes)
