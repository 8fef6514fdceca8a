"""qualcode: qualitative coding of interview and workshop transcripts.

What an analyst may import; everything else may move between versions.

>>> from qualcode import open_project, queries
>>> project = open_project("my-study")
>>> queries.documents(project)          # a pandas DataFrame
"""

from . import queries
from .codebook import Codebook, load_codebook, sync_codebook
from .errors import (
    CodebookError,
    ImportConflict,
    InputError,
    NotFound,
    ProjectNotFound,
    QualcodeError,
)
from .importing import ImportReport, import_files
from .project import Project, init_project, open_project
from .readers import read_transcript

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
    "import_files",
    "init_project",
    "load_codebook",
    "open_project",
    "queries",
    "read_transcript",
    "sync_codebook",
]
