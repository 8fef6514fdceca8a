"""Failed sign-ins slow down the next try, per account and per address.

After ``FREE`` failures in a row, each further try must wait twice as long as the
last (1 s, 2 s, 4 s ... up to ``LONGEST``); a success clears the account's count.
Counts live in the database, so every server worker sees them.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..errors import QualcodeError
from ..models import utcnow
from .models import LoginFailure
from .tokens import aware

FREE = 5
LONGEST = 15 * 60


class TooManyTries(QualcodeError):
    """Sign-ins refused for a while after failures (HTTP 429)."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"too many failed sign-ins: wait {seconds} s and try again")
        self.seconds = seconds


def keys(name: str, address: str | None) -> list[str]:
    return [f"account:{name.strip().casefold()}"[:320], f"address:{address or '?'}"[:320]]


def delay(count: int) -> int:
    """Seconds to wait after ``count`` failures in a row."""
    return 0 if count < FREE else min(2 ** (count - FREE), LONGEST)


def check(session: Session, names: list[str]) -> None:
    """Raise :class:`TooManyTries` while any of these keys must still wait."""
    now = utcnow()
    for key in names:
        row = session.get(LoginFailure, key)
        if row is None:
            continue
        ready = aware(row.last_at) + timedelta(seconds=delay(row.count))
        if ready > now:
            raise TooManyTries(max(1, int((ready - now).total_seconds() + 0.999)))


def failed(session: Session, names: list[str]) -> None:
    for key in names:
        row = session.get(LoginFailure, key)
        if row is None:
            session.add(LoginFailure(key=key, count=1, last_at=utcnow()))
        else:
            row.count += 1
            row.last_at = utcnow()


def succeeded(session: Session, names: list[str]) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.key.in_(names)))
