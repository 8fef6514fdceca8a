"""Hostile and broken .docx / .odt packages: one line naming the file, never a traceback,
and nothing decompressed beyond what the checks allow."""

from __future__ import annotations

import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from readers_helpers import error_of

DOCX_HINT = "Open it in Word or LibreOffice and save it again as .docx"
ODT_HINT = "Open it in LibreOffice or Word and save it again as .odt"
BOMB_HINT = "If you trust the file, open it in a word processor and save it again"


def deflated_spaces(size: int) -> tuple[bytes, int]:
    """A raw deflate stream of ``size`` spaces and its CRC, made quickly: one MiB block
    compressed with a full flush (so that it stands alone), repeated."""
    block = b" " * 2**20
    assert size % len(block) == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size // len(block)):
        crc = zlib.crc32(block, crc)
    return piece * (size // len(block)) + compressor.flush(), crc


def write_zip(
    path: Path, parts: dict[str, bytes], bomb: tuple[str, int, int] | None = None
) -> Path:
    """A zip of ``parts`` (deflated), plus, when ``bomb`` is (name, real size, declared size),
    a part of that many spaces whose headers declare the other size."""
    entries: list[tuple[str, bytes, int, int]] = []  # name, deflated data, crc, size
    for name, data in parts.items():
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        entries.append(
            (name, compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data))
        )
    if bomb:
        name, real, declared = bomb
        data, crc = deflated_spaces(real)
        entries.append((name, data, crc, declared))
    out, central = bytearray(), bytearray()
    for name, data, crc, size in entries:
        encoded = name.encode()
        offset = len(out)
        fields = (20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields) + encoded + data
        central += (
            struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, offset) + encoded
        )
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(out), 0
    )
    path.write_bytes(bytes(out + central + end))
    return path


def word_parts() -> dict[str, bytes]:
    """The parts of a real (tiny) Word document, as python-docx writes them."""
    folder = Path(__file__).parent
    document = docx.Document()
    document.add_paragraph("Jo: hello.")
    path = folder / "unused.docx"
    try:
        document.save(str(path))
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist()}
    finally:
        path.unlink()


def test_package_docx_holding_only_content_types_names_the_missing_part(tmp_path: Path) -> None:
    types = word_parts()["[Content_Types].xml"]
    path = write_zip(tmp_path / "empty.docx", {"[Content_Types].xml": types})

    assert error_of(path) == (
        ": cannot be read as a Word document (.docx): it has no word/document.xml part. "
        + DOCX_HINT
    )


def test_package_odt_without_content_names_the_missing_part(tmp_path: Path) -> None:
    path = write_zip(
        tmp_path / "empty.odt", {"mimetype": b"application/vnd.oasis.opendocument.text"}
    )

    assert error_of(path) == (
        ": cannot be read as an OpenDocument text (.odt): it has no content.xml part. " + ODT_HINT
    )


def test_package_a_1_mb_docx_that_expands_to_1_gb_is_refused_before_decompressing(
    tmp_path: Path,
) -> None:
    parts = word_parts()
    del parts["word/document.xml"]
    path = write_zip(tmp_path / "bomb.docx", parts, bomb=("word/document.xml", 2**30, 2**30))
    assert path.stat().st_size < 2 * 2**20
    probe = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from qualcode.errors import InputError\n"
        "from qualcode.readers import read_transcript\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    read_transcript(Path(sys.argv[1]))\n"
        "except InputError as error:\n"
        "    print(error)\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n"
    )

    run = subprocess.run(
        [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True
    )

    message, grown_mib = run.stdout.splitlines()
    assert message == (
        f"{path}: refused, as it may be a zip bomb: its word/document.xml part would expand to "
        f"1,024 MiB (qualcode reads parts of at most 128 MiB). {BOMB_HINT}"
    )
    assert int(grown_mib) < 50


def test_package_a_part_that_expands_a_thousandfold_is_refused(tmp_path: Path) -> None:
    parts = word_parts()
    del parts["word/document.xml"]
    path = write_zip(tmp_path / "bomb.docx", parts, bomb=("word/document.xml", 2**25, 2**25))

    message = error_of(path)

    assert message.startswith(
        ": refused, as it may be a zip bomb: its word/document.xml part would expand 1,0"
    )
    assert message.endswith(
        f"to 33,554,432 bytes (a document expands at most about 30 times). {BOMB_HINT}"
    )


def test_package_odt_bomb_in_content_is_refused(tmp_path: Path) -> None:
    mimetype = {"mimetype": b"application/vnd.oasis.opendocument.text"}
    path = write_zip(tmp_path / "bomb.odt", mimetype, bomb=("content.xml", 2**25, 2**25))

    assert error_of(path).startswith(
        ": refused, as it may be a zip bomb: its content.xml part would expand 1,0"
    )


def test_package_declared_sizes_that_lie_stop_the_read_at_the_declared_size(
    tmp_path: Path,
) -> None:
    """The headers say 1 MiB; the data would expand to 512 MiB. Reading stops at 1 MiB."""
    parts = word_parts()
    del parts["word/document.xml"]
    path = write_zip(tmp_path / "liar.docx", parts, bomb=("word/document.xml", 2**29, 2**20))

    assert error_of(path) == (
        ": cannot be read as a Word document (.docx): its word/document.xml part is damaged. "
        + DOCX_HINT
    )


def test_package_parts_compressed_with_bzip2_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_BZIP2) as archive:
        for name, data in word_parts().items():
            archive.writestr(name, data)

    assert error_of(path) == (
        ": cannot be read as a Word document (.docx): its _rels/.rels part is compressed in a "
        f"way word processors do not use. {DOCX_HINT}"
    )


def test_package_broken_xml_names_the_part_and_line(tmp_path: Path) -> None:
    parts = word_parts()
    parts["word/document.xml"] = b'<?xml version="1.0"?>\n<w:document>\n<oops\n'
    path = write_zip(tmp_path / "broken.docx", parts)

    assert error_of(path) == (
        ": cannot be read as a Word document (.docx): its word/document.xml part is not valid "
        f"XML (line 2 of it). {DOCX_HINT}"
    )


def test_package_old_doc_renamed_docx_says_what_it_is(tmp_path: Path) -> None:
    path = tmp_path / "old.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)

    assert error_of(path) == (
        ": cannot be read as a Word document (.docx): it is an old Word .doc file or a "
        f"password-protected document. {DOCX_HINT}"
    )


def test_package_spreadsheet_renamed_odt_is_refused(tmp_path: Path) -> None:
    kind = b"application/vnd.oasis.opendocument.spreadsheet"
    path = write_zip(tmp_path / "sheet.odt", {"mimetype": kind, "content.xml": b"<x/>"})

    assert error_of(path) == (
        ": is an OpenDocument file of another kind (application/vnd.oasis.opendocument."
        "spreadsheet), not a text document. Save the transcript from a word processor as .odt"
    )


def test_package_import_reports_the_bomb_in_one_line_and_imports_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from qualcode.cli import cli

    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "talks"
    folder.mkdir()
    parts = word_parts()
    del parts["word/document.xml"]
    write_zip(folder / "a-bomb.docx", parts, bomb=("word/document.xml", 2**30, 2**30))
    write_zip(folder / "b-empty.docx", {"[Content_Types].xml": b"<Types/>"})
    (folder / "c-talk.txt").write_text("Jo: We met the council.\n", encoding="utf-8")
    runner = CliRunner()
    runner.invoke(cli, ["init"])

    result = runner.invoke(cli, ["import", "talks"])

    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert [line.split(": ")[1] for line in errors] == [
        str(Path("talks") / "a-bomb.docx"),
        str(Path("talks") / "b-empty.docx"),
    ]
    assert "1 imported; 1 segments; 2 failed" in result.output
