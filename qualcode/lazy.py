"""Packages whose public names are imported when first used, not when the package is.

spaCy, pandas, FastAPI and Alembic take seconds to import on a small machine; a command
that needs none of them should not wait for them because a package it touches re-exports
a name from a module that does. A package lists its names and where each lives, and
gets a module ``__getattr__`` (PEP 562) that imports the module on first use::

    __getattr__ = lazy_exports(__name__, {"quotes": ".query", "clock": ".shown"})

A name is looked up once: the value is then stored in the package, like a plain import.
Keep ``__all__`` and, for type checkers, the same imports under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A ``__getattr__`` for ``package`` serving ``exports``: name -> module, relative to
    the package (``".query"``), or ``".module:attribute"`` when the name differs there;
    ``".module:"`` gives the module itself."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, _, attribute = exports[name].partition(":")
        module = importlib.import_module(module_name, package)
        value = module if exports[name].endswith(":") else getattr(module, attribute or name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
