"""Importing a folder that holds things other than transcripts: each gets one line naming
it, nothing hangs, and the other files import."""

from __future__ import annotations

import os

import pytest
from helpers import write
from hostile import dump, one_error, query, run, run_limited, write_lock

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")

GOOD = "Jo: We talk to the council every week. They listen.\n"
PIPE = "is a named pipe (FIFO), not a file. qualcode reads ordinary files only: save it as one"
NOWHERE = (
    "is a symbolic link that leads nowhere (a loop, or a missing target). "
    "Point it at a file, or remove it"
)


def test_pipes_link_loops_and_a_crashing_file_fail_alone(project):
    folder = project.root / "transcripts"
    write(folder / "a.md", GOOD)
    os.mkfifo(folder / "pipe.md")
    (folder / "loop1.md").symlink_to("loop2.md")
    (folder / "loop2.md").symlink_to("loop1.md")
    (folder / "gone.md").symlink_to("deleted.md")
    write(folder / "set.md", "---\nspeakers: !!set {Jo, Sam}\n---\n" + GOOD)
    write(folder / "sub" / "b.md", GOOD.replace("Jo", "Sam"))
    os.mkfifo(folder / "sub" / "manifest.csv")  # read for the attributes of sub/b.md
    elsewhere = project.root / "elsewhere"
    elsewhere.mkdir()
    os.mkfifo(elsewhere / "named.txt")
    (elsewhere / "self.txt").symlink_to("self.txt")

    result = run_limited(
        project.root, "import", folder, elsewhere / "named.txt", elsewhere / "self.txt"
    )

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = sorted(line for line in result.stderr.splitlines() if line.startswith("error: "))
    assert errors == sorted(
        [
            f"error: {elsewhere / 'named.txt'}: {PIPE}",
            f"error: {elsewhere / 'self.txt'}: {NOWHERE}",
            f"error: {folder / 'gone.md'}: {NOWHERE}",
            f"error: {folder / 'loop1.md'}: {NOWHERE}",
            f"error: {folder / 'loop2.md'}: {NOWHERE}",
            f"error: {folder / 'pipe.md'}: {PIPE}",
            f"error: {folder / 'set.md'}:2: speakers must map each speaker's label to its "
            "attributes. Write 'speakers:' and under it one line per speaker, such as "
            "'  Jo: {role: chair}'",
            f"error: {folder / 'sub' / 'manifest.csv'}: {PIPE}",
        ]
    )
    assert result.stdout.splitlines()[-1] == "1 imported; 2 segments; 8 failed"
    assert query(project.root / "qualcode.db", "SELECT name FROM documents") == [("a.md",)]


def test_an_import_stops_at_a_lock_held_past_the_timeout(project):
    """A busy database is no fault of the files: say so once, instead of once a file."""
    write(project.root / "transcripts" / "a.md", GOOD)
    write(project.root / "transcripts" / "b.md", GOOD.replace("Jo", "Sam"))
    database = project.root / "qualcode.db"
    before = dump(database)
    with write_lock(database):
        result = run(project.root, "import", project.root / "transcripts")
    assert one_error(result.output) == (
        f"Error: {database}: the database is busy: another program (an import, the web app, "
        "a stuck process) has held it longer than qualcode waits. Try again when it has "
        "finished. The import stopped there: 0 file(s) were written before it"
    )
    assert "error: " not in result.output
    assert dump(database) == before
