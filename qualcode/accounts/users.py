"""Accounts of a team server: added by a lead with a one-time invitation link, listed,
disabled, reset. Each change is written to the audit log with who made it."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..coding import get_coder
from ..errors import NotAllowed, NotFound, QualcodeError
from ..models import Coder, Setting, utcnow
from ..team import check_grants
from .audit import record
from .models import ACCOUNT_ROLES, Account, AccountLink, WebSession
from .passwords import hash_password
from .tokens import aware, digest, new_secret

if TYPE_CHECKING:
    import pandas as pd

    from ..project import Project

LINK_HOURS = 72
URL_KEY = "team_url"  # the address people open, stored by `qualcode serve --team`
USER_COLUMNS = ["name", "role", "status", "created_at"]


def find_account(session: Session, name: str) -> Account:
    found = session.scalars(select(Account).where(Account.name == name.strip())).one_or_none()
    if found is None:
        raise NotFound(f"no account {name!r}: see `qualcode user list`")
    return found


def _check_role(role: str) -> None:
    if role not in ACCOUNT_ROLES:
        raise QualcodeError(f"unknown role {role!r}: choose one of {', '.join(ACCOUNT_ROLES)}")


def add_user(session: Session, name: str, role: str, *, by: str, hours: int = LINK_HOURS) -> str:
    """Make an account and return its invitation link's secret (shown once, kept hashed).

    A lead or coder codes as the coder of the same name (made, or given this role); a
    viewer must not share a name with a coder, whose work they would then own.
    """
    _check_role(role)
    name = name.strip()
    if not name or len(name) > 100:
        raise QualcodeError("an account needs a name of 1 to 100 characters")
    if session.scalars(select(Account.id).where(Account.name == name)).first():
        raise QualcodeError(
            f"{name} has an account already: `qualcode user reset {name}` sends a new link"
        )
    coder = session.scalars(select(Coder).where(Coder.name == name)).one_or_none()
    if role == "viewer" and coder is not None:
        raise QualcodeError(f"{name} is a coder of this project: give the viewer another name")
    if role == "lead" or (coder is not None and coder.role == "lead"):
        check_grants(session, by, f"user add {name} --role {role}")
    if role != "viewer":
        get_coder(session, name, role=role)
    account = Account(name=name, role=role)
    session.add(account)
    session.flush()
    record(session, by, "user add", name, role=role)
    return new_link(session, account, "invite", hours)


def new_link(session: Session, account: Account, purpose: str, hours: int = LINK_HOURS) -> str:
    secret = new_secret()
    expires = utcnow() + timedelta(hours=hours)
    session.add(
        AccountLink(digest=digest(secret), account_id=account.id, purpose=purpose,
                    expires_at=expires)
    )  # fmt: skip
    return secret


def link_url(session: Session, secret: str) -> str:
    """The address of a link: under the server's address if `serve --team` stored one."""
    stored = session.get(Setting, URL_KEY)
    base = str(stored.value).rstrip("/") if stored and stored.value else "https://SERVER"
    return f"{base}/invite/{secret}"


def _open_link(session: Session, secret: str) -> AccountLink:
    link = session.get(AccountLink, digest(secret))
    if link is None or link.used_at is not None or aware(link.expires_at) <= utcnow():
        raise NotAllowed(
            "this link was used already or has expired: ask a lead for a new one "
            "(`qualcode user reset NAME`)"
        )
    return link


def account_of_link(session: Session, secret: str) -> Account:
    """Whose link this is, while it still works."""
    link = _open_link(session, secret)
    account = session.get_one(Account, link.account_id)
    if account.disabled:
        raise NotAllowed(f"{account.name}'s account is disabled: ask a lead")
    return account


def redeem(session: Session, secret: str, password: str) -> Account:
    """Set the password through an invitation or reset link, which then stops working;
    the account's other sessions end."""
    account = account_of_link(session, secret)
    link = _open_link(session, secret)
    account.password_hash = hash_password(password)
    link.used_at = utcnow()
    end_sessions(session, account)
    record(session, account.name, f"user {link.purpose} used", account.name)
    return account


def end_sessions(session: Session, account: Account) -> None:
    session.execute(
        update(WebSession)
        .where(WebSession.account_id == account.id, WebSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def disable(session: Session, name: str, *, by: str) -> Account:
    """No more sign-ins, and every session of theirs ends; their work stays."""
    account = find_account(session, name)
    account.disabled = True
    end_sessions(session, account)
    record(session, by, "user disable", account.name)
    return account


def reset(session: Session, name: str, *, by: str, hours: int = LINK_HOURS) -> str:
    """A new one-time link to set a password (the account is enabled again); the old
    password stops working and their sessions end."""
    account = find_account(session, name)
    account.disabled = False
    account.password_hash = None
    end_sessions(session, account)
    record(session, by, "user reset", account.name)
    return new_link(session, account, "reset", hours)


def set_role(session: Session, name: str, role: str, *, by: str) -> Account:
    """Give an account another role (and its coder the same)."""
    _check_role(role)
    account = find_account(session, name)
    if (role == "viewer") != (account.role == "viewer"):
        raise QualcodeError(
            f"{account.name} is a {account.role}: a viewer and someone who codes are two "
            "accounts; add the other one under another name"
        )
    if "lead" in (role, account.role):
        check_grants(session, by, f"user role {account.name} {role}")
    if role != "viewer":
        get_coder(session, account.name, role=role)
    account.role = role
    record(session, by, "user role", account.name, role=role)
    return account


def has_accounts(session: Session) -> bool:
    return session.scalars(select(Account.id).limit(1)).first() is not None


def users(project: Project) -> pd.DataFrame:
    """Every account with its role and status: invited (no password yet), active, disabled."""
    import pandas as pd

    with project.sessionmaker() as session:
        rows = [
            (a.name, a.role,
             "disabled" if a.disabled else "active" if a.password_hash else "invited",
             a.created_at)
            for a in session.scalars(select(Account).order_by(Account.name))
        ]  # fmt: skip
    return pd.DataFrame(rows, columns=USER_COLUMNS)
