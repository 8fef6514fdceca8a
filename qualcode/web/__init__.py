"""The web app of ``qualcode serve``: pages to read and code transcripts, and a JSON API.

>>> from qualcode import open_project
>>> from qualcode.web import WebSettings, create_app
>>> app = create_app(open_project("."), WebSettings(coder="ana"))

``create_app`` builds a FastAPI app over one open project; routes call the same
library functions as the CLI, and each write is one transaction. See ``security`` for
the token and the checks against cross-site requests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .settings import WebSettings

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["WebSettings", "create_app"]


def __getattr__(name: str) -> Any:
    # FastAPI takes a second or more to import: only ``qualcode serve`` should pay for it,
    # not every command that reads the web settings.
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module 'qualcode.web' has no attribute {name!r}")
