"""Fixtures shared by the whole suite: projects in temporary folders, the CLI runner."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode import init_project, load_codebook, open_project, sync_codebook
from qualcode.importing import import_files
from qualcode.project import Project
from qualcode.sheets import import_codings

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO.parent / "shared" / "sample-transcripts"


# A test module that sets ``ON_BOTH_BACKENDS = True`` runs each test that asks for
# ``project``, ``example_project`` or ``coded_project`` on SQLite and on PostgreSQL.
# PostgreSQL's runs are slow (a server, a database per test), so `make test` leaves them
# to `make test-slow` (CI runs both).
BOTH = ["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.slow])]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if getattr(metafunc.module, "ON_BOTH_BACKENDS", False) and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BOTH, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The database a test's project is on: SQLite, unless its module asks for both."""
    return getattr(request, "param", "sqlite")


def _postgres_database(request: pytest.FixtureRequest, template: str | None = None) -> str:
    """A database of the tests' PostgreSQL server, which commands run with --project ROOT
    find as a user's would ($QUALCODE_DB)."""
    url = request.getfixturevalue("postgres_server").database(template)
    request.getfixturevalue("monkeypatch").setenv("QUALCODE_DB", url)
    return url


@pytest.fixture
def project(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Project:
    """An empty project in a temporary folder."""
    url = _postgres_database(request) if backend == "postgresql" else None
    with init_project(tmp_path, url) as made:
        yield made


@pytest.fixture
def example_root(tmp_path: Path) -> Path:
    """A copy of the repository's example project (codebook.yaml, transcripts/)."""
    root = tmp_path / "study"
    root.mkdir()
    shutil.copy(REPO / "codebook.yaml", root / "codebook.yaml")
    shutil.copytree(REPO / "transcripts", root / "transcripts")
    return root


@pytest.fixture(scope="session")
def example_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project imported and synced once per test run (copied per test)."""
    root = tmp_path_factory.mktemp("example")
    with init_project(root) as made:
        with made.transaction() as session:
            sync_codebook(session, load_codebook(REPO / "codebook.yaml"))
        report = import_files(made, [REPO / "transcripts"])
        assert not report.failed, [r.message for r in report.failed]
    return root / "qualcode.db"


@pytest.fixture
def example_project(example_root: Path, example_database: Path, backend: str,
                    request: pytest.FixtureRequest) -> Project:  # fmt: skip
    """The example project imported and synced, as `make example` leaves it."""
    yield from _example(request, backend, example_root, example_database, "example")


def _example(request: pytest.FixtureRequest, backend: str, root: Path, database: Path,
             name: str) -> Iterator[Project]:  # fmt: skip
    """A copy of an example database: of the SQLite file, or of its copy in PostgreSQL."""
    if backend == "postgresql":
        url = _postgres_database(request, request.getfixturevalue("postgres_examples")[name])
    else:
        shutil.copy(database, root / "qualcode.db")
        url = None
    with open_project(root, url) as made:
        yield made


@pytest.fixture(scope="session")
def coded_database(example_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project with the example codings of ana and ben imported."""
    root = tmp_path_factory.mktemp("coded")
    shutil.copy(example_database, root / "qualcode.db")
    with open_project(root) as made:
        report = import_codings(made, REPO / "codings" / "example-codings.csv")
        assert report.unplaced == [], report.unplaced
    return root / "qualcode.db"


@pytest.fixture
def coded_project(example_root: Path, coded_database: Path, backend: str,
                  request: pytest.FixtureRequest) -> Project:  # fmt: skip
    """The example project as `make example` leaves it, codings of two coders included."""
    yield from _example(request, backend, example_root, coded_database, "coded")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of Debian's, started once per test run (see tests/postgres.py)."""
    from postgres import running_server, server_binaries

    if server_binaries() is None:
        missing = "PostgreSQL is not installed: apt-get install postgresql (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(missing)  # CI installs it: a skip there would hide a broken set-up
        pytest.skip(missing)
    pytest.importorskip("psycopg", reason="the PostgreSQL driver: pip install -e '.[test]'")
    with running_server() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_examples(postgres_server, example_database: Path, coded_database: Path,
                      tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:  # fmt: skip
    """The example project, uncoded and coded, copied once into PostgreSQL (as `qualcode
    db copy` does): the databases each test's own is made from."""
    from qualcode.copying import copy_project

    made = {}
    for name, database in (("example", example_database), ("coded", coded_database)):
        url = postgres_server.database()
        with open_project(database.parent) as source:
            copied = copy_project(source, url, tmp_path_factory.mktemp(f"pg-{name}"))
        assert copied.differences == [], copied.differences
        made[name] = url
    return made


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path: Path) -> str:
    """An empty database on each backend qualcode supports: a SQLite file, a PostgreSQL one."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'qualcode.db'}"
    return request.getfixturevalue("postgres_server").database()


@pytest.fixture
def small_project(tmp_path: Path, database_url: str) -> Project:
    """One example transcript and the codebook, on each backend (``database_url``)."""
    root = tmp_path / "small"
    (root / "transcripts").mkdir(parents=True)
    shutil.copy(REPO / "transcripts" / "area-1-mapping-workshop.md", root / "transcripts")
    with init_project(root, database_url) as made:
        with made.transaction() as session:
            sync_codebook(session, load_codebook(REPO / "codebook.yaml"))
        report = import_files(made, [root / "transcripts"])
        assert not report.failed, [r.message for r in report.failed]
        yield made
