"""Round trip as a property: any project of transcripts with non-ASCII text, emoji and
CRLF line ends, nested codes and two coders comes back whole through a .qdpx."""

from __future__ import annotations

import tempfile
import zipfile
from contextlib import suppress
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_exchange import project_schema, snapshot

from qualcode import import_files, init_project, load_codebook, sync_codebook
from qualcode.coding import apply_coding
from qualcode.errors import QualcodeError
from qualcode.exchange import write_qdpx
from qualcode.exchange.qdpx_import import import_qdpx

WORD = st.text(
    alphabet=st.sampled_from(list("abcdefxyz") + ["é", "ß", "ø", "語", "😀", "🎉", "'", "—"]),
    min_size=1,
    max_size=8,
)
SPEAKERS = ["Jo", "Priya", "Zoë"]
SCHEMA = project_schema()  # every export is checked against REFI's Project.xsd


@st.composite
def transcripts(draw: st.DrawFn) -> list[str]:
    """Each transcript: turns of `Speaker: words`, paragraphs apart, CRLF line ends."""
    found = []
    for _ in range(draw(st.integers(1, 2))):
        turns = []
        for _ in range(draw(st.integers(1, 4))):
            words = draw(st.lists(WORD, min_size=2, max_size=10))
            turns.append(f"{draw(st.sampled_from(SPEAKERS))}: {' '.join(words)}.")
        found.append("\r\n\r\n".join(turns) + "\r\n")
    return found


CODEBOOK = """title: Generated
themes:
  - name: Theme Ä
    description: a theme
    exclusive: false
    codes:
      - name: Code 😀
        definition: a code
        codes:
          - name: Sub-code ß
            definition: a sub-code
  - name: Other theme
    description: another
    codes:
      - name: Plain
        definition: plain
"""


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=transcripts(),
    picks=st.lists(
        st.tuples(
            st.integers(0, 10**6),
            st.integers(1, 40),
            st.sampled_from(["Code 😀", "Sub-code ß", "Plain", "Theme Ä"]),
            st.sampled_from(["ana", "bén"]),
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_any_project_survives_a_round_trip(texts, picks):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "t").mkdir()
        for index, text in enumerate(texts):
            (root / "t" / f"doc-{index}.txt").write_bytes(text.encode("utf-8"))
        (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
        with init_project(root / "a") as source:
            with source.transaction() as session:
                sync_codebook(session, load_codebook(root / "codebook.yaml"))
            assert not import_files(source, [root / "t"]).failed
            with source.transaction() as session:
                for offset, length, code, coder in picks:
                    name = f"doc-{offset % len(texts)}.txt"
                    size = len(texts[offset % len(texts)].replace("\r\n", "\n"))
                    start = offset % size
                    with suppress(QualcodeError):  # a span of white space only
                        apply_coding(
                            session,
                            name,
                            start,
                            min(size, start + length),
                            code,
                            coder,
                            memo=f"memo ✓ {offset}" if offset % 2 else None,
                        )
            write_qdpx(source, root / "x.qdpx")
            with zipfile.ZipFile(root / "x.qdpx") as archive:
                written = etree.fromstring(archive.read("project.qde"))
            assert SCHEMA.validate(written), SCHEMA.error_log
            before = snapshot(source)
        with init_project(root / "b") as copy:
            report = import_qdpx(copy, root / "x.qdpx")
            assert report.unplaced == []
            after = snapshot(copy)
    for key in ("documents", "codes", "codings", "memos", "coders"):
        assert after[key] == before[key], key
    assert all("\r" not in text for text in after["documents"].values())
