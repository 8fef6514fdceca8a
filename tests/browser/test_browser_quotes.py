"""The quotes page in Chromium: its filters, the way back to a transcript, and each export
downloaded, for a blind coder (their own excerpts), the lead (everyone's) and a coder of
a plain transcript without attributes."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest
from browsing import LEAD, PLAIN, apply_code, open_document, piece_with, start_as
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
FORMATS = ("html", "md", "docx", "csv", "xlsx")


def download(page, fmt: str, folder) -> bytes:
    with page.expect_download() as waiting:
        page.click(f"[data-control=export-{fmt}]")
    path = folder / waiting.value.suggested_filename
    waiting.value.save_as(path)
    return path.read_bytes()


def zipped(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode("utf-8")


def test_browser_coder_filters_their_quotes_and_downloads_every_export(page, server, shot,
                                                                         tmp_path):  # fmt: skip
    start_as(page, server.url, "ana")
    page.click("nav >> text=Quotes")
    everything = page.locator("li.quote").count()
    assert everything > 0
    assert set(page.locator(".attribution .muted").all_text_contents()) == {"ana"}  # blind
    page.select_option('select[name="code"]', value="trust")
    page.select_option('select[name="where"]:has(option[value="area=Area 1"])', value="area=Area 1")
    page.click("[data-control=show-quotes]")
    page.wait_for_url("**/quotes?*code=trust*")
    shown = page.locator("li.quote").count()
    assert 0 < shown < everything
    assert all("Trust" in chips for chips in page.locator(".quote-codes").all_text_contents())
    expect(page.locator(".page-head")).to_contain_text(f"{shown} excerpt")
    shot(page, "filtered")
    first = page.locator("li.quote mark").first.text_content()
    got = {fmt: download(page, fmt, tmp_path) for fmt in FORMATS}
    rows = list(csv.DictReader(io.StringIO(got["csv"].decode("utf-8-sig"))))
    assert len(rows) == shown and {(r["code"], r["area"]) for r in rows} == {("Trust", "Area 1")}
    words = " ".join(first.split()[:6])
    assert words in " ".join(got["html"].decode("utf-8").split())
    assert words in " ".join(got["md"].decode("utf-8").split())
    assert "Trust" in zipped(got["docx"], "word/document.xml")
    sheets = openpyxl.load_workbook(io.BytesIO(got["xlsx"]), read_only=True).worksheets
    cells = {str(v) for sheet in sheets for row in sheet.iter_rows(values_only=True) for v in row}
    assert "Trust" in cells
    page.fill('input[name="text"]', "council")
    page.keyboard.press("Enter")
    page.wait_for_url("**text=council*")
    for quote in page.locator("li.quote").all():
        assert "council" in quote.locator("blockquote").text_content().lower()
    page.click("[data-control=clear-quotes-filter]")
    expect(page.locator("li.quote")).to_have_count(everything)
    page.locator("li.quote .attribution a").first.click()  # back to the transcript
    page.wait_for_selector('#transcript[data-ready="true"]', state="attached")
    assert "#at-" in page.url


def test_browser_lead_reads_one_coders_quotes(page, server):
    start_as(page, server.url, LEAD)
    page.click("nav >> text=Quotes")
    assert {"ana", "ben"} <= set(page.locator(".attribution .muted").all_text_contents())
    page.fill('input[name="coder"]', "ben")
    page.click("[data-control=show-quotes]")
    page.wait_for_url("**coder=ben*")
    assert page.locator("li.quote").count() > 0
    assert set(page.locator(".attribution .muted").all_text_contents()) == {"ben"}


def test_browser_quotes_of_a_plain_transcript_export_without_attributes(page, server,
                                                                          tmp_path):  # fmt: skip
    """A transcript with no front matter and no attributes: excerpts and exports work."""
    start_as(page, server.url, "kit")
    open_document(page, PLAIN)
    page.locator(piece_with(page, "That's absolutely fine.")).click()
    apply_code(page, "Trust")
    page.click("nav >> text=Quotes")
    expect(page.locator("li.quote")).to_have_count(1)
    expect(page.locator("li.quote .attribution")).to_contain_text(PLAIN.removesuffix(".txt"))
    html = download(page, "html", tmp_path).decode("utf-8")
    assert "absolutely fine" in html
    assert "absolutely fine" in zipped(download(page, "docx", tmp_path), "word/document.xml")
