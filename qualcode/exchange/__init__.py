"""Exchange with other qualitative-analysis tools: REFI-QDA projects (``.qdpx``) and
codebooks (``.qdc``), codebook spreadsheets and printable codebooks.

Modules, each with one job: ``refi`` (what reader and writers share), ``qdpx_write``
(export a project), ``qdpx_read`` (read a vendor's file, offsets verified),
``qdpx_import`` (write what was read into a project), ``codebooks`` (codebooks in and out).
Heavy modules (lxml, openpyxl, python-docx) load only when a function needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

__getattr__ = lazy_exports(
    __name__,
    {
        "write_qdpx": ".qdpx_write",
    },
)

if TYPE_CHECKING:
    from .qdpx_write import write_qdpx

__all__ = ["write_qdpx"]
