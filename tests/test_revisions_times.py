"""A corrected subtitle document keeps its cue times: `qualcode edit` and the browser's
in-place correction read the new text back as plain text (no times), so each new segment
takes the times of the old segments its words came from."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient
from helpers import write
from sqlalchemy import select

from qualcode import open_project
from qualcode.cli import cli
from qualcode.models import Document, Segment
from qualcode.web import WebSettings, create_app

REPO = Path(__file__).resolve().parent.parent
ZOOM = REPO / "transcripts" / "area-6-zoom-mapping-workshop.vtt"
# One speaker over several cues: one turn whose sentences take their own cues' times.
SRT = """\
1
00:00:01,000 --> 00:00:04,500
Ana: We met the council twice. They never wrote back.

2
00:00:05,000 --> 00:00:09,000
Ana: The second time the housing oficer came along.

3
00:00:10,250 --> 00:00:12,000
Ben: That was the turning point.
"""


def segments(root: Path) -> list[tuple[str, float | None, float | None]]:
    with open_project(root) as project, project.sessionmaker() as session:
        text = session.scalars(select(Document.text)).one()
        rows = session.execute(
            select(Segment.start, Segment.end, Segment.time_start, Segment.time_end).order_by(
                Segment.start
            )
        ).all()
    return [(text[s:e], t0, t1) for s, e, t0, t1 in rows]


def project_with(root: Path, source: Path, runner) -> Path:
    shutil.copy(source, root / source.name)
    for args in (["init"], ["import", str(root / source.name)]):
        result = runner.invoke(cli, ["--project", str(root), *args])
        assert result.exit_code == 0, result.output
    return root / source.name


def test_edit_of_a_zoom_vtt_keeps_every_segments_times(tmp_path, runner):
    project_with(tmp_path, ZOOM, runner)
    before = segments(tmp_path)
    assert all(t0 is not None and t1 is not None for _, t0, t1 in before)
    editor = write(
        tmp_path / "fix.sh",
        "#!/bin/sh\nsed -i -e 's/big sheet of paper/large sheet of paper/' -e "
        "'s/^Nell Ashcombe: Go for it.$/&\\n\\nSam: We met at the library too./' \"$1\"\n",
    )
    editor.chmod(0o755)
    result = runner.invoke(
        cli, ["--project", str(tmp_path), "--as", "lee", "edit", ZOOM.name],
        env={"EDITOR": str(editor)},
    )  # fmt: skip
    assert result.exit_code == 0 and "revision 2" in result.output, result.output
    after = segments(tmp_path)
    new = "We met at the library too."
    assert [row for row in after if row[0] == new] == [(new, None, None)]  # no time to take
    kept = [row for row in after if row[0] != new]
    assert [times for _, *times in kept] == [times for _, *times in before]
    changed = next(row for row in kept if "large sheet" in row[0])
    assert changed[1:] == next(row for row in before if "big sheet" in row[0])[1:]


def test_a_turn_of_an_srt_corrected_in_the_browser_keeps_its_cue_times(tmp_path, runner):
    path = project_with(tmp_path, write(tmp_path / "source" / "call.srt", SRT), runner)
    before = segments(tmp_path)
    assert [row[1:] for row in before] == [(1.0, 4.5), (1.0, 4.5), (5.0, 9.0), (10.25, 12.0)]
    with open_project(tmp_path) as project:
        with project.sessionmaker() as session:
            text = session.scalars(select(Document.text)).one()
        app = create_app(project, WebSettings(token="t", coder="ana"))
        web = TestClient(app, headers={"Authorization": "Bearer t"})
        start = text.index("oficer")
        answer = web.post(
            f"/api/documents/{path.name}/correct",
            json={"start": start, "end": start + len("oficer"), "text": "officer"},
        )
    assert answer.status_code == 200, answer.text
    after = segments(tmp_path)
    assert [row[0] for row in after][2] == "The second time the housing officer came along."
    assert [row[1:] for row in after] == [row[1:] for row in before]
