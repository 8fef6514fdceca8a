"""Tell the workers of a team server that something changed, through PostgreSQL's
``NOTIFY``: each transaction that writes the coding log, the audit log or a setting (the
round) notifies :data:`CHANGES`, so that a lead's live pages follow within a moment
whichever worker or command made the change; one that ends a session or changes an
account notifies :data:`ACCOUNTS`, so that no worker goes on trusting a sign-in it
remembered. PostgreSQL delivers a notice only when its transaction commits, and once
per channel however many flushes asked. On SQLite nothing is sent: its one server
process looks at the database instead (see ``qualcode.web.team_live``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from ..models import CodingLog, Setting
from .models import Account, AuditEntry, WebSession

CHANGES = "qualcode_changes"
ACCOUNTS = "qualcode_accounts"


def channels(session: Session) -> set[str]:
    """The channels that what ``session`` is flushing calls for."""
    found = set()
    if any(isinstance(row, CodingLog | AuditEntry | Setting) for row in session.new):
        found.add(CHANGES)
    if any(isinstance(row, Setting) for row in (*session.dirty, *session.deleted)):
        found.add(CHANGES)
    if any(isinstance(row, Account | WebSession) for row in (*session.dirty, *session.deleted)):
        found.add(ACCOUNTS)
    return found


def _notify(session: Session, _context: Any) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    for channel in sorted(channels(session)):
        session.connection().execute(text("SELECT pg_notify(:channel, '')"), {"channel": channel})


event.listen(Session, "after_flush", _notify)
