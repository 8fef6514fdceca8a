"""``kill -9`` of an import must not leave its spaCy worker, or the resource tracker that
waits for it, running for good."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import write

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds processes through /proc"
)

SENTENCES = " ".join(f"We met the council about point {n} and they listened." for n in range(60))


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name, or None once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def children(parent: int) -> dict[int, str]:
    """The processes whose parent is ``parent``, with their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) and fields[1] == str(parent):
            try:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
    return {pid: line.decode(errors="replace") for pid, line in found.items()}


def running(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")  # a zombie has ended


def test_kill_9_of_an_import_ends_its_worker_and_resource_tracker(project):
    folder = project.root / "transcripts"
    for n in range(600):  # more than a quiet machine imports before the kill
        write(folder / f"interview-{n:03}.md", f"Jo: {SENTENCES}\n\nSam: {SENTENCES}\n")
    importer = subprocess.Popen(
        [sys.executable, "-m", "qualcode", "import", str(folder), "--workers", "1"],
        cwd=project.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    helpers: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and importer.poll() is None:
            helpers = children(importer.pid)
            if any("spawn_main" in line for line in helpers.values()):
                break
            time.sleep(0.1)
        assert any("spawn_main" in line for line in helpers.values()), helpers
        time.sleep(1)  # the worker is inside qualcode now, loading the pipeline or segmenting
        while time.monotonic() < deadline and importer.poll() is None:
            helpers = children(importer.pid)
            if any("resource_tracker" in line for line in helpers.values()):
                break
            time.sleep(0.1)
        assert importer.poll() is None, "the import ended before it could be killed"
        assert any("resource_tracker" in line for line in helpers.values()), helpers
        importer.send_signal(signal.SIGKILL)
        importer.wait()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(map(running, helpers)):
            time.sleep(0.2)
        assert {pid: line for pid, line in helpers.items() if running(pid)} == {}
    finally:
        importer.kill()
        importer.wait()
        for pid in helpers:  # processes this test started, should the assertion fail
            if running(pid):
                os.kill(pid, signal.SIGKILL)
