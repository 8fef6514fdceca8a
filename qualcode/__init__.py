"""qualcode: qualitative coding of interview and workshop transcripts.

What an analyst may import; everything else may move between versions.

>>> from qualcode import coded_quotes, open_project, queries
>>> project = open_project("my-study")
>>> queries.documents(project)                       # a pandas DataFrame
>>> coded_quotes(project, code="speaking-the-language", where={"agency_type": "health agency"})

Each name is imported from its module when first used, so ``import qualcode`` (and
every ``qualcode`` command) loads only what it needs: spaCy, FastAPI and Alembic take
seconds to import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .lazy import lazy_exports

__getattr__ = lazy_exports(
    __name__,
    {
        "queries": ".queries:",
        "Codebook": ".codebook",
        "load_codebook": ".codebook",
        "sync_codebook": ".codebook",
        "apply_coding": ".coding",
        "code_segment": ".coding",
        "merge_codes": ".coding",
        "split_code": ".coding",
        "uncode": ".coding",
        "undo_last": ".undo",
        "CodebookError": ".errors",
        "InputError": ".errors",
        "NotFound": ".errors",
        "ProjectNotFound": ".errors",
        "QualcodeError": ".errors",
        "render_export": ".export",
        "ImportReport": ".importing",
        "import_files": ".importing",
        "Project": ".project",
        "init_project": ".project",
        "open_project": ".project",
        "coded_quotes": ".quotes:quotes",
        "read_transcript": ".readers",
        "agreement_table": ".reliability",
        "export_codings": ".sheets",
        "import_codings": ".sheets",
    },
)

__all__ = [
    "Codebook",
    "CodebookError",
    "ImportReport",
    "InputError",
    "NotFound",
    "Project",
    "ProjectNotFound",
    "QualcodeError",
    "agreement_table",
    "apply_coding",
    "code_segment",
    "coded_quotes",
    "export_codings",
    "import_codings",
    "import_files",
    "init_project",
    "load_codebook",
    "merge_codes",
    "open_project",
    "queries",
    "read_transcript",
    "render_export",
    "split_code",
    "sync_codebook",
    "uncode",
    "undo_last",
]


if TYPE_CHECKING:  # what type checkers and editors see
    from . import queries
    from .codebook import Codebook, load_codebook, sync_codebook
    from .coding import apply_coding, code_segment, merge_codes, split_code, uncode
    from .errors import (
        CodebookError,
        InputError,
        NotFound,
        ProjectNotFound,
        QualcodeError,
    )
    from .export import render_export
    from .importing import ImportReport, import_files
    from .project import Project, init_project, open_project
    from .quotes import quotes as coded_quotes
    from .readers import read_transcript
    from .reliability import agreement_table
    from .sheets import export_codings, import_codings
    from .undo import undo_last
