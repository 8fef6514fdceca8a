"""Passwords hashed with Argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane).

A hash made with older parameters still verifies, and :func:`needs_rehash` says when to
store it again. An unknown account costs as much as a wrong password, so the time of an
answer does not tell who has an account.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from ..errors import QualcodeError

if TYPE_CHECKING:
    from argon2 import PasswordHasher

SHORTEST, LONGEST = 10, 1024


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher, Type

    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)


def check_strength(password: str) -> None:
    """Refuse a password too short to resist guessing, or too long to hash quickly."""
    if len(password) < SHORTEST:
        raise QualcodeError(f"a password needs at least {SHORTEST} characters")
    if len(password) > LONGEST:
        raise QualcodeError(f"a password may have at most {LONGEST} characters")


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher().hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Does ``password`` match ``stored`` (None: no password yet, never matches)?"""
    from argon2.exceptions import InvalidHashError, VerificationError

    if stored is None:
        _hasher().hash(password[:LONGEST])  # the same work as a real check
        return False
    try:
        return _hasher().verify(stored, password[:LONGEST])
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher().check_needs_rehash(stored)
