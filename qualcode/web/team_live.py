"""What each worker of a team server keeps for itself and hears from the others.

- :class:`Identities`: who each session id belongs to, remembered for a few seconds, so
  that a coder's stream of requests costs one look at the sessions table every
  :data:`REMEMBER` seconds rather than one per request. Signing out, or a lead
  disabling or resetting an account, forgets at once in the worker that did it, and in
  every other worker as soon as PostgreSQL tells it (:data:`~qualcode.accounts.notices.ACCOUNTS`);
  on SQLite, whose one worker did it itself, or for a change made by a command in a
  shell, within :data:`REMEMBER` seconds at most.
- :class:`Notices`: on PostgreSQL, one connection per worker that ``LISTEN``s for the
  notices each change sends (:mod:`qualcode.accounts.notices`) and wakes the live
  streams of this worker's leads at once, wherever the change was made. On SQLite the
  streams look at the database every second instead.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from ..accounts.notices import ACCOUNTS, CHANGES
from ..accounts.sessions import Identity

REMEMBER = 5.0  # seconds a worker trusts a session it has looked up
MOST = 10_000  # sessions remembered at once; then it starts afresh


class Identities:
    """Session ids (or trusted names) and who they are, each for :data:`REMEMBER` seconds."""

    def __init__(self, seconds: float = REMEMBER) -> None:
        self.seconds = seconds
        self.known: dict[str, tuple[float, Identity | None]] = {}

    def remembered(self, key: str) -> tuple[Identity | None] | None:
        """``(who key is,)`` while it is remembered, else None (look it up)."""
        found = self.known.get(key)
        return (found[1],) if found is not None and found[0] > time.monotonic() else None

    def get(self, key: str, look: Callable[[], Identity | None]) -> Identity | None:
        """Who ``key`` is: remembered, else ``look()`` (a query), then remembered."""
        remembered = self.remembered(key)
        if remembered is not None:
            return remembered[0]
        now = time.monotonic()
        identity = look()
        if len(self.known) >= MOST:
            self.known = {}
        self.known[key] = (now + self.seconds, identity)
        return identity

    def forget(self) -> None:
        """Look every session up again (one ended, or an account changed)."""
        self.known = {}


class Notices:
    """This worker's ear on PostgreSQL's notices (none on SQLite: ``listening`` is False)."""

    def __init__(self, engine: Engine, on_accounts: Callable[[], None]) -> None:
        self.listening = engine.dialect.name == "postgresql"
        self.address = engine.url.set(drivername="postgresql").render_as_string(False)
        self.on_accounts = on_accounts
        self.waiting: dict[asyncio.Event, asyncio.AbstractEventLoop] = {}
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()

    def start(self) -> None:
        """Start listening, once (a daemon thread with a connection of its own)."""
        if not self.listening or self.thread is not None:
            return
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._listen, name="qualcode-notices",
                                               daemon=True)  # fmt: skip
                self.thread.start()

    def stop(self) -> None:
        self.stopping.set()

    def subscribe(self) -> asyncio.Event:
        """An event set at each change, for a stream of this worker's event loop."""
        self.start()
        woken = asyncio.Event()
        with self.lock:
            self.waiting[woken] = asyncio.get_running_loop()
        return woken

    def unsubscribe(self, woken: asyncio.Event) -> None:
        with self.lock:
            self.waiting.pop(woken, None)

    def _wake(self) -> None:
        with self.lock:
            waiting = list(self.waiting.items())
        for woken, loop in waiting:
            try:
                loop.call_soon_threadsafe(woken.set)
            except RuntimeError:  # that loop has closed
                self.unsubscribe(woken)

    def _listen(self) -> None:
        import psycopg

        while not self.stopping.is_set():
            try:
                with psycopg.connect(self.address, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANGES}")
                    connection.execute(f"LISTEN {ACCOUNTS}")
                    self.on_accounts()  # whatever was said while not listening
                    self._wake()
                    while not self.stopping.is_set():
                        for notice in connection.notifies(timeout=1.0):
                            self._heard(notice)
            except psycopg.Error:
                self.stopping.wait(1.0)  # the database restarts: listen again soon

    def _heard(self, notice: Any) -> None:
        if notice.channel == ACCOUNTS:
            self.on_accounts()
        else:
            self._wake()
