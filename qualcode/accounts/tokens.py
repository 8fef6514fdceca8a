"""Random secrets handed to people (session ids, invitation links) and the digests the
database keeps of them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime


def new_secret() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What the database stores of a secret: its SHA-256 (the secret is random and long,
    so a plain hash suffices; no salt or stretching is needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def derived(key: str, purpose: str) -> str:
    """A value tied to ``key`` that does not reveal it (the CSRF value of a session)."""
    return hmac.new(key.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:40]


def aware(moment: datetime) -> datetime:
    """A stored time in UTC (SQLite gives it back without its zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
