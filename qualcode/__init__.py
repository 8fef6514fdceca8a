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

import importlib
from typing import TYPE_CHECKING, Any

# Public name -> (module, name in that module); a module itself when the name is None.
_EXPORTS: dict[str, tuple[str, str | None]] = {
    "queries": (".queries", None),
    "Codebook": (".codebook", "Codebook"),
    "load_codebook": (".codebook", "load_codebook"),
    "sync_codebook": (".codebook", "sync_codebook"),
    "apply_coding": (".coding", "apply_coding"),
    "code_segment": (".coding", "code_segment"),
    "merge_codes": (".coding", "merge_codes"),
    "split_code": (".coding", "split_code"),
    "uncode": (".coding", "uncode"),
    "undo_last": (".coding", "undo_last"),
    "CodebookError": (".errors", "CodebookError"),
    "ImportConflict": (".errors", "ImportConflict"),
    "InputError": (".errors", "InputError"),
    "NotFound": (".errors", "NotFound"),
    "ProjectNotFound": (".errors", "ProjectNotFound"),
    "QualcodeError": (".errors", "QualcodeError"),
    "render_export": (".export", "render_export"),
    "ImportReport": (".importing", "ImportReport"),
    "import_files": (".importing", "import_files"),
    "Project": (".project", "Project"),
    "init_project": (".project", "init_project"),
    "open_project": (".project", "open_project"),
    "coded_quotes": (".quotes", "quotes"),
    "read_transcript": (".readers", "read_transcript"),
    "agreement_table": (".reliability", "agreement_table"),
    "export_codings": (".sheets", "export_codings"),
    "import_codings": (".sheets", "import_codings"),
}

__all__ = [
    "Codebook",
    "CodebookError",
    "ImportConflict",
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


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'qualcode' has no attribute {name!r}")
    module_name, attribute = _EXPORTS[name]
    module = importlib.import_module(module_name, __name__)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:  # what type checkers and editors see
    from . import queries
    from .codebook import Codebook, load_codebook, sync_codebook
    from .coding import apply_coding, code_segment, merge_codes, split_code, uncode, undo_last
    from .errors import (
        CodebookError,
        ImportConflict,
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
