"""Make this example project's files from the shared real data set (run once; the output is kept).

    python examples/inquiry/build.py ../shared/realdata/inquiry-double-coded

Writes, next to this script:
- ``transcripts/<hearing>.txt``: one file per hearing day, each answer a turn of its
  witness under a heading naming the answer (``## d001``), paragraphs kept;
- ``codebook.yaml``: the 19 codes of ``codebook.md``, in its four themes, without
  patterns (the study wrote none);
- ``codings/codings.csv``: each code the annotators ``a`` and ``b`` gave an answer, as a
  coding of the whole answer by that coder (the ``quote`` is the answer's text).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent


def read_codebook(path: Path) -> list[dict]:
    """Themes (``## `` headings) and their codes (`` - `name` — definition. Not: ...``)."""
    themes: list[dict] = []
    text = path.read_text(encoding="utf-8")
    for block in re.split(r"\n(?=- `|## )", text):
        if block.startswith("## "):
            themes.append({"name": block[3:].strip(), "codes": []})
        elif block.startswith("- `") and themes:
            name, _, rest = block[3:].partition("` — ")
            definition, _, not_when = " ".join(rest.split()).partition(" Not: ")
            code = {"name": name, "definition": definition}
            if not_when:
                code["not_when"] = not_when
            themes[-1]["codes"].append(code)
    return themes


def quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_codebook(themes: list[dict], out: Path) -> None:
    lines = [
        "# The codebook of the inquiry-double-coded data set (see README.md): 19 codes in",
        "# four themes, as its annotators applied them. No patterns: the study wrote none.",
        "",
        'title: "Relationships between communities and public agencies (Covid-19 Inquiry answers)"',
        'version: "1.0"',
        "themes:",
    ]
    for theme in themes:
        lines += [
            f"  - name: {quoted(theme['name'])}",
            f"    description: {quoted(theme['name'] + ', as the study named them.')}",
            "    codes:",
        ]
        for code in theme["codes"]:
            lines += [
                f"      - name: {code['name']}",
                f"        definition: {quoted(code['definition'])}",
            ]
            if "not_when" in code:
                lines.append(f"        not_when: {quoted(code['not_when'])}")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(source: Path) -> None:
    answers = [json.loads(line) for line in (source / "answers.jsonl").open(encoding="utf-8")]
    by_hearing: dict[str, list[dict]] = defaultdict(list)
    for answer in answers:
        by_hearing[answer["hearing"]].append(answer)
    (HERE / "transcripts").mkdir(exist_ok=True)
    document_of = {}
    for hearing, found in sorted(by_hearing.items()):
        name = f"{hearing}.txt"
        lines = [
            "---",
            f"title: UK Covid-19 Inquiry hearing {hearing}",
            f"hearing: {hearing}",
            "source: UK Covid-19 Inquiry transcripts, Open Government Licence v3.0",
            "---",
        ]
        for answer in found:
            document_of[answer["unit"]] = (name, answer["text"].strip())
            lines += [
                "",
                f"## {answer['unit']}",
                "",
                f"{answer['speaker']}: {answer['text'].strip()}",
            ]
        (HERE / "transcripts" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_codebook(read_codebook(source / "codebook.md"), HERE / "codebook.yaml")
    (HERE / "codings").mkdir(exist_ok=True)
    with (
        (source / "codes.csv").open(encoding="utf-8") as f,
        (HERE / "codings" / "codings.csv").open("w", encoding="utf-8", newline="") as out,
    ):
        writer = csv.writer(out)
        writer.writerow(["document", "code", "coder", "quote"])
        for row in csv.DictReader(f):
            document, text = document_of[row["unit"]]
            writer.writerow([document, row["code"], row["coder"], text])


if __name__ == "__main__":
    main(
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else HERE.parents[2] / "shared/realdata/inquiry-double-coded"
    )
