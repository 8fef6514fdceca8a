"""Survey sheets as survey tools export them: a header row of questions, a row per respondent.

Open answers are sentences of the real transcripts in ../shared/sample-transcripts, so the
text is the kind people write; closed answers are drawn from fixed options.
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "sample-transcripts"
HEADER = [
    "Respondent ID",
    "Region",
    "Role",
    "Which support did you use?",
    "What worked well in the partnership?",
    "What would you change?",
    "Satisfaction (1-5)",
]
REGIONS = ["North", "South", "Wales", "Northern Ireland"]
ROLES = ["Chair", "Officer", "Volunteer"]
SUPPORT = ["Training", "Funding", "Mentoring", "Networking"]


def sentences() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt")))
    found = re.findall(r"[A-Z][^.?!\n\[\]#:]{30,200}[.?!]", text)
    return sorted(set(found))


def survey_rows(respondents: int, seed: int = 3) -> list[list[object]]:
    """Rows of answers; some open answers left blank, some several sentences long."""
    rng = random.Random(seed)
    pool = sentences()
    rows = []
    for number in range(1, respondents + 1):
        support = rng.sample(SUPPORT, rng.randint(1, 3))
        worked = " ".join(rng.sample(pool, rng.randint(1, 3))) if rng.random() > 0.1 else ""
        change = rng.choice(pool) if rng.random() > 0.3 else ""
        rows.append([
            f"R{number:04d}", rng.choice(REGIONS), rng.choice(ROLES),
            ", ".join(s for s in SUPPORT if s in support), worked, change, rng.randint(1, 5),
        ])  # fmt: skip
    return rows


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Responses"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def write_csv(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path
