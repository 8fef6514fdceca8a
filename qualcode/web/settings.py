"""What the web app is told at start: its token, who codes, where it listens, and
whether it is a team server (people sign in; see ``security.TeamMiddleware``).

``qualcode serve`` builds one :class:`WebSettings` from its options and passes it to
:func:`qualcode.web.create_app`; tests build their own. Nothing here is global.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def new_token() -> str:
    """A fresh secret for one run of the server (like Jupyter's)."""
    return secrets.token_urlsafe(32)


@dataclass
class WebSettings:
    """Options of the web app, each with its help text."""

    token: str = field(default_factory=new_token, metadata={"help": "The secret of this run."})
    coder: str | None = field(default=None, metadata={"help": "Code as this coder (else ask)."})
    host: str = field(default="127.0.0.1", metadata={"help": "Address the server binds."})
    port: int = field(default=8765, metadata={"help": "Port it listens on (0: any free one)."})
    template_dirs: list[Path] = field(
        default_factory=list, metadata={"help": "Page templates here win over the packaged."}
    )
    allowed_hosts: list[str] = field(
        default_factory=list, metadata={"help": "Host header names accepted (empty: any)."}
    )
    quote_limit: int = field(default=300, metadata={"help": "Most excerpts the quotes page shows."})
    team: bool = field(default=False, metadata={"help": "People sign in with accounts."})
    trusted_user_header: str | None = field(
        default=None, metadata={"help": "A reverse proxy's header naming who signed in."}
    )
    https: bool = field(default=False, metadata={"help": "Cookies only over TLS (Secure)."})
    session_hours: int = field(default=12, metadata={"help": "How long a sign-in lasts."})

    @property
    def csrf(self) -> str:
        """The value forms and scripts must send back: derived from the token, never the
        token itself, so a page that leaks it does not leak the way in."""
        return hmac.new(self.token.encode(), b"qualcode-csrf", hashlib.sha256).hexdigest()[:40]

    @property
    def token_cookie(self) -> str:
        """Cookies are per host, not per port: two servers on one machine keep apart."""
        return f"qualcode_token_{self.port}"

    @property
    def coder_cookie(self) -> str:
        return f"qualcode_coder_{self.port}"

    @property
    def session_cookie(self) -> str:
        return f"qualcode_session_{self.port}"

    @property
    def form_cookie(self) -> str:
        """The value the sign-in forms send back (no session exists yet to tie them to)."""
        return f"qualcode_form_{self.port}"

    def url(self, path: str = "/") -> str:
        """The address to open, with the token: what ``qualcode serve`` prints first
        (on this machine's loopback when the server listens on every interface)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}{path}?token={self.token}"
