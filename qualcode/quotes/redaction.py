"""The redaction rules of a project's exports: its ``redact.yaml`` and its speakers."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from ..models import Speaker
from ..project import Project
from ..redact import Redactor, load_redactions, speaker_names

REDACT_FILE = "redact.yaml"


def project_redactor(
    project: Project, path: str | Path | None = None, *, real_names: bool = False
) -> Redactor:
    """The redaction rules for an export: ``path`` or the project's ``redact.yaml`` if
    there is one, plus every speaker's name (unless ``real_names`` or ``speakers: false``).
    """
    if path is not None:
        redactor = load_redactions(path)
    elif (project.root / REDACT_FILE).is_file():
        redactor = load_redactions(project.root / REDACT_FILE)
    else:
        redactor = Redactor()
    if real_names:
        return Redactor(redactor.rules, False, redactor.keep, redactor.source)
    if not redactor.speakers:
        return redactor
    with project.sessionmaker() as session:
        speakers = session.execute(select(Speaker.label, Speaker.attributes)).all()
    return redactor.with_names(speaker_names(speakers))
