"""How long a ``qualcode`` command takes to start and finish, against a bare Python baseline.

Builds a small project in a temporary folder (two example transcripts, the example
codebook), then runs, ``--runs`` times each and taking turns so that a busy machine
slows them all alike, each in a fresh process as a user would:

- the baseline, ``python -c "import sqlalchemy, click"``: what any command of ours must
  at least load;
- ``qualcode --help``;
- ``qualcode status``;
- ``qualcode code DOCUMENT SEGMENT CODE --coder bench``: a real coding, of the next
  segment each run.

It prints the median wall time of each and its ratio to the baseline's. Target: the
light commands within 3 × the baseline. The last line printed is a JSON object.

    .venv/bin/python bench/cli.py [--runs 9]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TRANSCRIPTS = ("area-1-mapping-workshop.md", "area-2-interview-council-officer.txt")
TARGET = 3.0


def qualcode_command() -> list[str]:
    """The ``qualcode`` script beside this Python, as a user runs it; else ``-m qualcode``."""
    script = Path(sys.executable).with_name("qualcode")
    return [str(script)] if script.exists() else [sys.executable, "-m", "qualcode"]


def run(command: list[str], cwd: Path) -> float:
    """Wall time of one run, in seconds; a failure stops the benchmark with its output."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return elapsed


def build_project(root: Path, qualcode: list[str]) -> tuple[str, str, int]:
    """A project of two transcripts; the document to code, a code and its segment count."""
    (root / "transcripts").mkdir()
    for name in TRANSCRIPTS:
        shutil.copy(REPO / "transcripts" / name, root / "transcripts" / name)
    for args in (
        ["init"],
        ["codebook", "sync", str(REPO / "codebook.yaml")],
        ["import", "transcripts"],
    ):
        run([*qualcode, *args], root)
    first = read_json([*qualcode, "documents", "--json"], root)[0]
    code = read_json([*qualcode, "codebook", "show", "--json"], root)["themes"][0]["codes"][0]
    return first["name"], code["name"], first["segments"]


def read_json(command: list[str], cwd: Path) -> Any:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="Runs of each command (median).")
    args = parser.parse_args()
    qualcode = qualcode_command()
    # A coder's own name would make every command blind to the others' work; not wanted here.
    os.environ.pop("QUALCODE_CODER", None)
    os.environ.pop("QUALCODE_DB", None)

    with tempfile.TemporaryDirectory(prefix="qualcode-bench-cli-") as folder:
        root = Path(folder)
        document, code, segments = build_project(root, qualcode)
        print(f"project: 2 transcripts in {root}; coding {code!r} in {document}")
        commands: dict[str, list[str]] = {
            'python -c "import sqlalchemy, click"': [
                sys.executable,
                "-c",
                "import sqlalchemy, click",
            ],
            "qualcode --help": [*qualcode, "--help"],
            "qualcode status": [*qualcode, "status"],
            "qualcode code": [*qualcode, "code", document, "", code, "--coder", "bench"],
        }
        times: dict[str, list[float]] = {label: [] for label in commands}
        for index in range(args.runs):
            for label, command in commands.items():
                if label == "qualcode code":
                    command = [*command[:3], str(index % segments + 1), *command[4:]]
                times[label].append(run(command, root))

    medians = {label: statistics.median(values) for label, values in times.items()}
    baseline = medians['python -c "import sqlalchemy, click"']
    width = max(map(len, medians))
    print(f"median of {args.runs} runs each; target: light commands within {TARGET:g} x baseline")
    for label, median in medians.items():
        print(f"  {label:<{width}}  {median:6.2f} s  {median / baseline:5.1f} x")
    print(
        json.dumps(
            {
                "runs": args.runs,
                "baseline_s": round(baseline, 3),
                "median_s": {label: round(value, 3) for label, value in medians.items()},
                "ratio": {label: round(value / baseline, 2) for label, value in medians.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
