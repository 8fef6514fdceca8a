"""A transcript's recording, found beside its file and served in byte ranges.

A player asks for ``Range: bytes=START-END`` to start anywhere in a recording; the
answer (Starlette's ``FileResponse``) is ``206 Partial Content`` with that slice, so
a click on a turn's time plays from there at once. Nothing leaves the machine: only a
file inside the project's folder is served.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import FileResponse

from ..project import Project

KINDS = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".wav": "audio/wav",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
}


def recording_of(root: Path, source: Path) -> Path | None:
    """The recording with the transcript's name and a media suffix, if there is one
    inside the project folder."""
    place = source if source.is_absolute() else root / source
    for suffix in KINDS:
        found = place.with_suffix(suffix)
        if found.is_file() and found.resolve().is_relative_to(root.resolve()):
            return found
    return None


def served(path: Path) -> FileResponse:
    """The file, in the ranges the player asks for."""
    return FileResponse(
        path, media_type=KINDS[path.suffix.lower()], headers={"Cache-Control": "no-store"}
    )


def recording_for(project: Project, document: str) -> Path | None:
    """The recording beside the file a document was imported from, if any."""
    from ..lookup import find_document

    with project.sessionmaker() as session:
        source = Path(find_document(session, document).source_path)
    return recording_of(project.root, source)
