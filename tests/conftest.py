"""Fixtures shared by the whole suite: projects in temporary folders, the CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode import init_project, load_codebook, sync_codebook
from qualcode.importing import import_files
from qualcode.project import Project

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO.parent / "shared" / "sample-transcripts"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """An empty project in a temporary folder."""
    with init_project(tmp_path) as made:
        yield made


@pytest.fixture
def example_root(tmp_path: Path) -> Path:
    """A copy of the repository's example project (codebook.yaml, transcripts/)."""
    root = tmp_path / "study"
    root.mkdir()
    shutil.copy(REPO / "codebook.yaml", root / "codebook.yaml")
    shutil.copytree(REPO / "transcripts", root / "transcripts")
    return root


@pytest.fixture
def example_project(example_root: Path) -> Project:
    """The example project imported and synced, as `make example` leaves it."""
    with init_project(example_root) as made:
        with made.transaction() as session:
            sync_codebook(session, load_codebook(example_root / "codebook.yaml"))
        report = import_files(made, [example_root / "transcripts"])
        assert not report.failed, [r.message for r in report.failed]
        yield made


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
