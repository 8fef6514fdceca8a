"""Who may see what, and who may change what: the rule of blind coding, in one place.

While the round is closed (the default), a coder sees only their own work: their
codings, their memos, the history of their codings, the counts made of them, and the
suggestions made for them. A lead sees everything. Once a lead opens the round,
everyone does, named or not. Someone who did not say who they are (:data:`NOBODY`: no
``--as``, no coder chosen in the browser) sees no coder's work while the round is
closed, unless the project has at most one coder: then there is nobody to be blind to.

A team server (``qualcode serve --team``) adds accounts: a lead or coder account is the
coder of the same name; a viewer account (an author) is no coder at all, so it sees
coders' work only once the round is open, and the server lets it change nothing.

Changing is narrower than seeing: only a coding's own coder, or a lead, may change it
or its memo, whether the round is open or not (:func:`check_may_change`).

A lead may mark a coder's codings as training material for everyone (an earlier study,
an imported project, the consensus: :func:`set_training`). Then suggestion models of
every coder learn from them, blind round or not; people still see them only as above.
The lead's decision is what makes them visible to models of others, and nothing else.

Every query, command, page, API route, export and model asks :func:`viewer_for` who is
looking and filters with :meth:`Viewer.where`; ``tests/test_visibility.py`` drives
every route and command through it. A Python caller that passes no viewer (``None``)
holds the project file and sees everything, as sqlite3 would show it to them; the CLI
and the web app always say who asks, a name or NOBODY. Blind coding keeps coders from
being led by each other's work; on a machine of your own it is not access control, on a
team server, where people sign in and hold no project file, it is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, false, func, select, true
from sqlalchemy.orm import Session

from .accounts import audit as _audit  # noqa: F401  (its hook logs codebook changes)
from .accounts.models import Account
from .errors import NotAllowed, NotFound
from .models import Coder, Setting

ROUND_KEY = "round_open"
TRAINING_KEY = "training_coders"  # coders whose codings every model learns from
CONSENSUS = "consensus"  # the coder that adjudication settles disagreements into


class _Nobody:
    """The type of :data:`NOBODY`."""

    def __repr__(self) -> str:
        return "NOBODY"


NOBODY: Final = _Nobody()
"""Who asks when nobody said: no ``--as NAME``, no coder chosen in the browser."""


@dataclass(frozen=True)
class Viewer:
    """Who asks, resolved once per request: what they may see follows from this alone."""

    name: str | None  # None: nobody said, or a script holding the project file
    coder_id: uuid.UUID | None  # their coder row (None if they have none yet)
    lead: bool
    sees_everyone: bool
    role: str = "coder"  # lead, coder, viewer (an account that codes nothing), or nobody

    @property
    def coder_ids(self) -> frozenset[uuid.UUID] | None:
        """Whose work they see: None for everyone's, else their own (none if no coder)."""
        if self.sees_everyone:
            return None
        return frozenset({self.coder_id}) if self.coder_id else frozenset()

    def where(self, column: ColumnElement[Any], *, as_text: bool = False) -> ColumnElement[bool]:
        """A SQL condition on a column of coder ids: true for everyone, else only theirs.

        ``as_text`` compares ids written as text (the coding log's JSON data).
        """
        ids = self.coder_ids
        if ids is None:
            return true()
        if not ids:
            return false()
        return column.in_([str(i) for i in ids] if as_text else ids)

    def sees(self, coder_id: uuid.UUID | None) -> bool:
        """May they see the work of this coder?"""
        ids = self.coder_ids
        return ids is None or coder_id in ids

    def describe(self) -> str:
        """Whose work is shown, in words for a status line."""
        if self.sees_everyone:
            return "everyone's work"
        if self.name is None:
            return "no coder's work: the round is closed and nobody said who is asking (--as NAME)"
        if self.role == "viewer":
            return "no coder's work yet: a viewer reads it once the lead opens the round"
        return f"{self.name}'s own work (the round is closed)"


Who = str | _Nobody | Viewer | None
"""What callers pass as ``viewer``: a name, NOBODY, a resolved Viewer, or None (all)."""


def round_is_open(session: Session) -> bool:
    row = session.get(Setting, ROUND_KEY)
    return bool(row and row.value)


def viewer_for(session: Session, who: Who) -> Viewer:
    """Resolve who asks into what they may see (see the module's rule)."""
    if isinstance(who, Viewer):
        return who
    if who is None:
        return Viewer(None, None, lead=False, sees_everyone=True, role="lead")
    name = who.strip() if isinstance(who, str) else ""
    person = None
    if name:
        person = session.scalars(select(Coder).where(Coder.name == name)).one_or_none()
    lead = person is not None and person.role == "lead"
    role = "lead" if lead else "coder" if person else _account_role(session, name)
    sees = lead or round_is_open(session) or (not name and _coders(session) <= 1)
    return Viewer(name or None, person.id if person else None, lead, sees, role)


def _account_role(session: Session, name: str) -> str:
    """What someone who is no coder is: a viewer account, a coder-to-be, or nobody."""
    if not name:
        return "nobody"
    role = session.scalars(select(Account.role).where(Account.name == name)).first()
    return "viewer" if role == "viewer" else "coder"


def _coders(session: Session) -> int:
    """How many coders (not leads, not the consensus) the project has."""
    query = select(func.count()).where(Coder.role == "coder", Coder.name != CONSENSUS)
    return session.scalar(query.select_from(Coder)) or 0


def require_everyone(session: Session, who: Who, action: str) -> Viewer:
    """Refuse ``action`` (which shows every coder's work) unless ``who`` sees everyone's."""
    viewer = viewer_for(session, NOBODY if who is None else who)
    if viewer.sees_everyone:
        return viewer
    person = f"{viewer.name} is not a lead" if viewer.name else "nobody said who is asking"
    raise NotAllowed(
        f"{person}: {action} shows every coder's codings, so it needs a lead (--as NAME, a "
        "coder made with `qualcode coder NAME --role lead`) or an open round "
        "(`qualcode round open --coder LEAD`)"
    )


def may_change(actor: Coder, owner_id: uuid.UUID | None) -> bool:
    """Only a coding's own coder, or a lead, changes it (the round does not matter)."""
    return actor.role == "lead" or (owner_id is not None and owner_id == actor.id)


def changeable(actor: Coder, column: ColumnElement[Any]) -> ColumnElement[bool]:
    """A SQL condition on a column of coder ids: the rows ``actor`` may change."""
    return true() if actor.role == "lead" else column == actor.id


def check_may_change(session: Session, actor: Coder, owner_id: uuid.UUID | None, what: str) -> None:
    """Raise :class:`NotAllowed` unless ``actor`` may change ``what`` (owned by ``owner_id``)."""
    if may_change(actor, owner_id):
        return
    owner = session.get(Coder, owner_id) if owner_id is not None else None
    whose = f"{owner.name}'s" if owner else "another coder's"
    raise NotAllowed(f"{what} is {whose}: only they or a lead may change it, not {actor.name}")


def ensure_sees(viewer: Viewer, owner_id: uuid.UUID | None, what: str) -> None:
    """Raise :class:`NotAllowed` if ``what`` is another coder's work hidden from ``viewer``."""
    if not viewer.sees(owner_id):
        raise NotAllowed(f"{what} is another coder's, hidden while the round is closed")



def training_coders(session: Session) -> tuple[str, ...]:
    """The coders a lead marked as training material for everyone's models, by name."""
    row = session.get(Setting, TRAINING_KEY)
    return tuple(sorted(row.value)) if row and row.value else ()


def set_training(session: Session, who: Who, coder: str, on: bool = True) -> tuple[str, ...]:
    """Mark (or unmark) ``coder``'s codings as training material for every coder's model.

    Only a lead decides it; the coder must exist. Returns the coders marked now."""
    viewer = viewer_for(session, NOBODY if who is None else who)
    if not viewer.lead:
        person = f"{viewer.name} is not a lead" if viewer.name else "nobody said who is asking"
        raise NotAllowed(
            f"{person}: only a lead may let every coder's model learn from {coder}'s codings"
        )
    if session.scalars(select(Coder.id).where(Coder.name == coder)).first() is None:
        raise NotFound(f"no coder named {coder!r} (add one with `qualcode coder NAME`)")
    marked = set(training_coders(session))
    marked = marked | {coder} if on else marked - {coder}
    session.merge(Setting(key=TRAINING_KEY, value=sorted(marked)))
    return tuple(sorted(marked))
