"""The web app of ``qualcode serve``: pages to read and code transcripts, and a JSON API.

>>> from qualcode import open_project
>>> from qualcode.web import WebSettings, create_app
>>> app = create_app(open_project("."), WebSettings(coder="ana"))

``create_app`` builds a FastAPI app over one open project; routes call the same
library functions as the CLI, and each write is one transaction. See ``security`` for
the token and the checks against cross-site requests.
"""

from .app import create_app
from .settings import WebSettings

__all__ = ["WebSettings", "create_app"]
