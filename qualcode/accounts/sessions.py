"""Signing in and out: a random session id in the browser's cookie, its digest in the
database, ended by logging out, by a lead disabling the account, or by its age."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotAllowed
from ..models import utcnow
from . import throttle
from .audit import record
from .models import Account, WebSession
from .passwords import hash_password, needs_rehash, verify
from .tokens import derived, digest, new_secret

SESSION_HOURS = 12


@dataclass(frozen=True)
class Identity:
    """Who a request comes from, as the web app needs it."""

    name: str
    role: str
    csrf: str  # what their writes must send back


def sign_in(
    session: Session, name: str, password: str, address: str | None,
    hours: int = SESSION_HOURS,
) -> str:  # fmt: skip
    """Check the password and return a new session id (the caller sets the cookie).

    Failures are counted per account and address (:mod:`.throttle`) and answered alike,
    whether the account exists or not.
    """
    keys = throttle.keys(name, address)
    throttle.check(session, keys)
    account = session.scalars(select(Account).where(Account.name == name.strip())).one_or_none()
    stored = account.password_hash if account and not account.disabled else None
    if not verify(stored, password) or account is None:
        throttle.failed(session, keys)
        raise NotAllowed("wrong name or password (or the account is disabled)")
    throttle.succeeded(session, keys)
    if needs_rehash(account.password_hash or ""):
        account.password_hash = hash_password(password)
    secret = new_secret()
    session.add(
        WebSession(digest=digest(secret), account_id=account.id,
                   expires_at=utcnow() + timedelta(hours=hours))
    )  # fmt: skip
    record(session, account.name, "sign in", account.name)
    return secret


def identify(session: Session, secret: str | None) -> Identity | None:
    """The account of a live session id: not ended, not expired, not disabled."""
    if not secret:
        return None
    row = session.execute(
        select(Account.name, Account.role)
        .join(WebSession, WebSession.account_id == Account.id)
        .where(
            WebSession.digest == digest(secret), WebSession.ended_at.is_(None),
            WebSession.expires_at > utcnow(), Account.disabled.is_(False),
        )
    ).first()  # fmt: skip
    return Identity(row.name, row.role, derived(secret, "csrf")) if row else None


def identify_trusted(session: Session, name: str, key: str) -> Identity | None:
    """The account a trusted proxy header names (single sign-on), if it is enabled."""
    account = session.scalars(
        select(Account).where(Account.name == name.strip(), Account.disabled.is_(False))
    ).one_or_none()
    if account is None:
        return None
    return Identity(account.name, account.role, derived(key, f"csrf:{account.name}"))


def sign_out(session: Session, secret: str | None) -> None:
    if not secret:
        return
    row = session.get(WebSession, digest(secret))
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
