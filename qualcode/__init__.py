"""qualcode: qualitative coding of interview and workshop transcripts.

What an analyst may import; everything else may move between versions.

>>> from qualcode import coded_quotes, open_project, queries
>>> project = open_project("my-study")
>>> queries.documents(project)                       # a pandas DataFrame
>>> coded_quotes(project, code="speaking-the-language", where={"agency_type": "health agency"})
"""

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

__all__ = [
    "Codebook",
    "agreement_table",
    "apply_coding",
    "code_segment",
    "export_codings",
    "import_codings",
    "merge_codes",
    "coded_quotes",
    "render_export",
    "split_code",
    "uncode",
    "undo_last",
    "CodebookError",
    "ImportConflict",
    "ImportReport",
    "InputError",
    "NotFound",
    "Project",
    "ProjectNotFound",
    "QualcodeError",
    "import_files",
    "init_project",
    "load_codebook",
    "open_project",
    "queries",
    "read_transcript",
    "sync_codebook",
]
