"""Hostile and broken reports, built here, through the in-process pipeline (read_document →
parse_report, and the warehouse load for some): each must end quarantined with its reason, or be
read correctly — never a crash, a hang, or a silently wrong number.

The per-report time limit is the worker pool's (etl.workers): that case runs through one.
"""

from __future__ import annotations

import base64
import io
import os
import random
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from etl.extract import read_document
from etl.jurisdictions import JurisdictionResolver
from etl.pipeline import file_items, parse_document, process_files, process_items
from etl.transform import LOADED, NO_TABLES, QUARANTINED, ParsedReport, parse_report, quarantined
from etl.workers import WorkerPool
from tests.conftest import seed_paths
from tests.fixtures.generate import docx_bytes, load_spec, render_docx, render_html, render_pdf

REPO = Path(__file__).resolve().parents[2]
RESOLVER = JurisdictionResolver.from_csv()
SEED = seed_paths()[3].read_text(encoding="utf-8")  # 003, 苏州市 2020: all three tables
SUFFIXES = (".txt", ".html", ".pdf", ".docx", ".doc", "")


def outcome(data: bytes, name: str, declared_charset: str | None = None) -> ParsedReport:
    """What the pipeline makes of a file, as process_source does it (without the database)."""
    source = read_document(f"hostile/{name}", data, name, declared_charset)
    if source.problem is not None:
        return quarantined(source.source_uri, source.sha256, source.problem)
    return parse_report(source.text, source.source_uri, source.sha256, RESOLVER)


def values(parsed: ParsedReport) -> dict[str, list]:
    """Every cell's value, table by table, in order: what "read correctly" is compared on."""
    return {
        "article20": [(r["item"], r["metric"], r["value"]) for r in parsed.article20],
        "applications": [(r["row_code"], r["applicant"], r["value"]) for r in parsed.applications],
        "review_litigation": [(r["proceeding"], r["outcome"], r["value"]) for r in parsed.review_litigation],
    }


BASELINE = parse_report(SEED, "seed", "0" * 64, RESOLVER)


def assert_read_like_the_seed(parsed: ParsedReport) -> None:
    assert parsed.status == LOADED, parsed.status_detail
    assert values(parsed) == values(BASELINE)
    assert (parsed.jurisdiction_code, parsed.year) == (BASELINE.jurisdiction_code, BASELINE.year)


def assert_quarantined(parsed: ParsedReport, *fragments: str) -> None:
    assert parsed.status == QUARANTINED
    assert parsed.status_detail and all(f in parsed.status_detail for f in fragments), parsed.status_detail
    assert not (parsed.article20 or parsed.applications or parsed.review_litigation)


# ---- 1, 2: empty files and random bytes under every suffix ----


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_an_empty_or_blank_file_is_quarantined(suffix):
    assert_quarantined(outcome(b"", f"report{suffix}"), "文件是空的")
    assert_quarantined(outcome(b" \r\n\t \n", f"report{suffix}"), "文件是空的")


RANDOM_REASONS = {
    ".txt": "无法按 UTF-8 或 GB18030 解码",
    ".html": "无法解码 HTML",
    ".pdf": "不是有效的 PDF 文件",
    ".docx": "不是有效的 Word (.docx) 文件",
    ".doc": "不是有效的 Word 97-2003 (.doc) 文件",
    "": "无法按 UTF-8 或 GB18030 解码",
}


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_random_bytes_are_quarantined_with_a_reason_for_their_suffix(suffix):
    rng = random.Random(8)
    data = bytes(rng.randrange(256) for _ in range(20_000))
    assert_quarantined(outcome(data, f"report{suffix}"), RANDOM_REASONS[suffix])


def test_text_with_nul_bytes_is_quarantined():
    assert_quarantined(outcome(SEED.encode()[:500] + b"\x00" * 64 + SEED.encode()[500:], "report.txt"), "无法按")


# ---- 3–6: PDFs ----

SPEC = load_spec("003")


def _pdf_canvas(pages: int = 1, text: bool = True, **options) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, **options)
    for number in range(pages):
        if text:
            page.drawString(72, 720, f"page {number + 1}")
        else:
            page.rect(72, 72, 400, 600, fill=1)  # a "scan": marks on the page, no text layer
        page.showPage()
    page.save()
    return buffer.getvalue()


def test_the_pdf_fixture_itself_is_read_like_the_seed():
    assert_read_like_the_seed(outcome(render_pdf(SPEC), "附件1.pdf"))


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_a_truncated_pdf_is_quarantined(keep):
    data = render_pdf(SPEC)
    assert_quarantined(outcome(data[: int(len(data) * keep)], "附件1.pdf"), "PDF")


def test_an_encrypted_pdf_is_quarantined_as_encrypted():
    from reportlab.lib.pdfencrypt import StandardEncryption

    data = _pdf_canvas(encrypt=StandardEncryption("user-password", "owner-password"))
    assert_quarantined(outcome(data, "report.pdf"), "PDF", "已加密")


def test_an_image_only_pdf_is_quarantined_as_a_scan():
    assert_quarantined(outcome(_pdf_canvas(pages=3, text=False), "report.pdf"), "PDF 没有文字层")


def test_a_thousand_page_pdf_is_refused_by_the_page_cap():
    started = time.monotonic()
    parsed = outcome(_pdf_canvas(pages=1000), "report.pdf")
    assert_quarantined(parsed, "PDF 超过 300 页", "1000 页")
    assert time.monotonic() - started < 20  # refused on its page count, not after reading them all


# ---- 7–9, 11: DOCX: zip bomb, entity expansion, external entities, deep nesting ----

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx_with_document(xml: bytes, base: bytes | None = None) -> bytes:
    base = base or docx_bytes(["苏州市人民政府2020年政府信息公开工作年度报告", "正文"])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, xml if info.filename == "word/document.xml" else source.read(info.filename))
    return out.getvalue()


def test_the_docx_fixture_itself_is_read_like_the_seed():
    assert_read_like_the_seed(outcome(render_docx(SPEC), "附件1.docx"))


def test_a_truncated_docx_is_quarantined():
    data = render_docx(SPEC)
    assert_quarantined(outcome(data[: len(data) // 2], "附件1.docx"), "不是有效的 Word (.docx) 文件")


def test_a_zip_bomb_docx_is_refused_by_its_unpacked_size(monkeypatch):
    monkeypatch.setenv("OGI_MAX_UNPACKED_MB", "20")
    # 200 MB of one repeated paragraph in about 200 KB: small on disk, only the unpacked size tells.
    paragraph = b"<w:p><w:r><w:t>" + b"0" * 1000 + b"</w:t></w:r></w:p>"
    out = io.BytesIO()
    base = docx_bytes(["标题"])
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                target.writestr(info.filename, source.read(info.filename))
        with target.open("word/document.xml", "w") as member:
            member.write(f'<?xml version="1.0"?><w:document {W}><w:body>'.encode())
            for _ in range(200):
                member.write(paragraph * 1000)
            member.write(b"</w:body></w:document>")
    data = out.getvalue()
    assert len(data) < 2 * 1024 * 1024
    assert_quarantined(outcome(data, "bomb.docx"), "解压后大于 20 MB")


def _billion_laughs(root: str, body: str) -> str:
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    return f'<?xml version="1.0"?><!DOCTYPE {root} [{entities}]>{body}'


def test_billion_laughs_in_a_docx_is_not_expanded():
    xml = _billion_laughs("w:document", f"<w:document {W}><w:body><w:p><w:r><w:t>&j;</w:t></w:r></w:p></w:body></w:document>")
    started = time.monotonic()
    parsed = outcome(_docx_with_document(xml.encode()), "laughs.docx")
    assert time.monotonic() - started < 5
    assert_quarantined(parsed)  # 10^10 "a"s would be 10 GB; the XML parser refuses the expansion


def test_billion_laughs_in_an_xhtml_page_is_not_expanded():
    page = _billion_laughs("html", "<html><body><p>苏州市人民政府2020年政府信息公开工作年度报告</p><p>&j;</p></body></html>")
    source = read_document("hostile/laughs.html", page.encode(), "laughs.html")
    assert source.text is None or "aaaaaaaaaa" * 10 not in source.text


def _xxe(target: Path, root: str, body: str) -> str:
    return f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY xxe SYSTEM "{target.as_uri()}">]>{body}'


def test_external_entities_are_not_read_from_a_docx(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-LOCAL-FILE", encoding="utf-8")
    xml = _xxe(secret, "w:document", f"<w:document {W}><w:body><w:p><w:r><w:t>公开 &xxe; 报告</w:t></w:r></w:p></w:body></w:document>")
    source = read_document("hostile/xxe.docx", _docx_with_document(xml.encode()), "xxe.docx")
    assert "TOP-SECRET" not in (source.text or "") and "TOP-SECRET" not in (source.problem or "")


def test_external_entities_are_not_read_from_an_xhtml_page(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-LOCAL-FILE", encoding="utf-8")
    page = _xxe(secret, "html", "<html><body><p>苏州市人民政府2020年政府信息公开工作年度报告</p><p>&xxe;</p></body></html>")
    source = read_document("hostile/xxe.html", page.encode(), "xxe.html")
    assert "TOP-SECRET" not in (source.text or "") and "TOP-SECRET" not in (source.problem or "")


DEPTH = 100_000


def test_markup_nested_a_hundred_thousand_deep_is_quarantined_not_a_crash():
    html = "<html><body><p>苏州市人民政府2020年政府信息公开工作年度报告</p>" + "<div>" * DEPTH + "1" + "</div>" * DEPTH + "</body></html>"
    assert_quarantined(outcome(html.encode(), "deep.html"), "HTML 页面无法完整读取")
    xml = f'<?xml version="1.0"?><w:document {W}><w:body>' + "<w:sdt><w:sdtContent>" * DEPTH + "</w:sdtContent></w:sdt>" * DEPTH + "</w:body></w:document>"
    assert_quarantined(outcome(_docx_with_document(xml.encode()), "deep.docx"), "不是有效的 Word (.docx) 文件")


# ---- 10: 50 MB of HTML ----


def test_a_report_page_carrying_a_50_mb_inline_image_is_read_correctly():
    page, _ = render_html(SPEC, "utf-8", "meta")
    image = b'<img src="data:image/png;base64,' + base64.b64encode(os.urandom(38 * 1024 * 1024)) + b'">'
    data = page.replace(b"<body>", b"<body>" + image, 1)
    assert len(data) > 50 * 1024 * 1024
    assert_read_like_the_seed(outcome(data, "report.html"))


def test_a_single_text_over_the_parser_limit_is_quarantined_not_cut():
    page, _ = render_html(SPEC, "utf-8", "meta")
    filler = ("<p>" + "政务公开" * (3 * 1024 * 1024) + "</p>").encode()  # one 36 MB text node
    assert_quarantined(outcome(page.replace(b"<body>", b"<body>" + filler, 1), "report.html"), "HTML 页面无法完整读取")


def test_fifty_megabytes_of_paragraphs_are_quarantined_by_the_time_limit(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("OGI_READ_TIMEOUT_S", "5")
    path = tmp_path / "news.html"
    path.write_bytes(("<html><body>" + "<p>政府信息公开工作年度报告 新闻 段落内容</p>" * 900_000 + "</body></html>").encode())
    assert path.stat().st_size > 50 * 1024 * 1024
    started = time.monotonic()
    with WorkerPool(parse_document, workers=1) as pool:
        [result] = process_items(file_items([path]), engine, pool=pool)
    # Bounded, not timed: without the limit this page takes minutes and gigabytes to read.
    assert time.monotonic() - started < 60
    assert result.status == QUARANTINED and "读取超过 5 秒" in result.describe


def test_a_table_of_huge_spans_is_read_within_bounds():
    rows = "".join('<tr><td rowspan="100000" colspan="100000">1</td></tr>' for _ in range(300))
    page = f"<html><body><p>苏州市人民政府2020年政府信息公开工作年度报告</p><table>{rows}</table></body></html>"
    started = time.monotonic()
    parsed = outcome(page.encode(), "spans.html")
    assert time.monotonic() - started < 15
    assert parsed.status in (QUARANTINED, NO_TABLES) and not parsed.applications


# ---- 12, 13: encodings and formats that lie ----


def test_a_gbk_page_labelled_utf_8_is_read_correctly():
    data, _ = render_html(SPEC, "gbk", "meta", meta_charset="utf-8")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the label really lies
    assert_read_like_the_seed(outcome(data, "report.html", declared_charset="utf-8"))


def test_rtf_named_doc_is_quarantined_as_rtf():
    rtf = b"{\\rtf1\\ansi\\ansicpg936 {\\fonttbl{\\f0 SimSun;}} \\f0 2020\\'c4\\'ea\\'b6\\'c8\\'b1\\'a8\\'b8\\'e6\\par }"
    assert_quarantined(outcome(rtf, "附件1.doc"), "RTF 文件")


def test_utf16_text_with_its_bom_is_read_correctly():
    assert_read_like_the_seed(outcome(SEED.encode("utf-16"), "report.txt"))


# ---- 14–16: numbers as printed ----

FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


def _table_part(text: str) -> tuple[str, str]:
    at = text.index("二、主动公开")
    return text[:at], text[at:]


def test_full_width_digits_are_read_as_their_numbers():
    head, tables = _table_part(SEED)
    parsed = outcome((head + tables.translate(FULL_WIDTH)).encode(), "report.txt")
    assert_read_like_the_seed(parsed)
    assert any("１" in r["raw"] for r in parsed.applications if r["raw"])  # raw keeps the print


def test_thousands_separators_are_read_as_one_number():
    text = SEED.replace("\n1885 |\n", "\n1,885 |\n").replace("\n594417.23万元 |\n", "\n594,417.23万元 |\n")
    parsed = outcome(text.encode(), "report.txt")
    assert_read_like_the_seed(parsed)
    printed = {r["raw"] for r in parsed.article20 if r["item"] == "20.9"}
    assert printed == {"1,885", "594,417.23万元"}


@pytest.mark.parametrize("printed", ["约1885", "1885余", "≈1885", "1885件左右", "18,85", "1885（含）"])
def test_an_approximate_or_malformed_number_is_flagged_never_taken_as_exact(printed):
    parsed = outcome(SEED.replace("\n1885 |\n", f"\n{printed} |\n").encode(), "report.txt")
    assert parsed.status == LOADED
    [cell] = [r for r in parsed.article20 if r["item"] == "20.9" and r["raw"] == printed]
    assert cell["value"] is None  # not 1885, not 0
    assert any(i.check_code == "unreadable_value" and printed in i.detail for i in parsed.issues)


# ---- 17, 18: the same tables twice; a page with the same words and no tables ----


def test_a_report_with_its_tables_twice_is_read_once():
    head, tables = _table_part(SEED)
    parsed = outcome((SEED + "\n附件：\n" + tables).encode(), "report.txt")
    assert_read_like_the_seed(parsed)  # not doubled, not added up
    assert not any(i.check_code == "table_repeated_differs" for i in parsed.issues)


def test_a_second_copy_with_other_numbers_is_an_error_not_ignored():
    head, tables = _table_part(SEED)
    parsed = outcome((SEED + "\n附件：\n" + tables.replace("\n1885 |\n", "\n1999 |\n")).encode(), "report.txt")
    assert values(parsed) == values(BASELINE)  # the first copy is loaded ...
    [issue] = [i for i in parsed.issues if i.check_code == "table_repeated_differs"]  # ... and the conflict said
    assert issue.severity == "error" and issue.table_name == "article20"


def test_a_news_page_with_the_same_words_loads_no_numbers():
    news = (
        "<html><head><title>我市召开2020年政府信息公开工作年度报告编制工作会议_苏州市人民政府</title></head><body>"
        "<div class='article'><h1>我市召开2020年政府信息公开工作年度报告编制工作会议</h1><p>发布日期：2021-01-10</p>"
        "<p>会议要求各部门按时填报主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议、"
        "行政诉讼情况三张统计表。去年全市共收到政府信息公开申请2833件，行政复议15件。</p></div></body></html>"
    )
    parsed = outcome(news.encode(), "news.html")
    assert parsed.status in (NO_TABLES, QUARANTINED)
    assert not (parsed.article20 or parsed.applications or parsed.review_litigation)
    assert parsed.status_detail


# ---- 19: odd file names, through the warehouse ----

CITIES = ["无锡市", "徐州市", "常州市", "南通市", "连云港市", "淮安市", "盐城市", "扬州市", "镇江市"]
ODD_NAMES = [
    "报告 (1).TXT",
    "-rf.txt",
    "a'b\"c;drop table x;.txt",
    "tab\there.txt",
    "新建文本文档 - 副本 - 副本.txt",
    "é" * 60 + ".txt",
    "no-suffix",
    "report.pdf.txt",
    "percent%20and%2F.txt",
]


def test_odd_file_names_are_read_and_kept_as_given(engine, tmp_path):
    paths = []
    for index, (name, place) in enumerate(zip(ODD_NAMES, CITIES, strict=True)):
        folder = tmp_path / f"d{index}"
        folder.mkdir()
        paths.append(folder / name)
        # Each its own place, so that each is a report of its own in the warehouse.
        paths[-1].write_bytes(SEED.replace("苏州市", place).encode())
    outcomes = process_files(paths, engine)
    assert [(o.action, o.status) for o in outcomes] == [("new", LOADED)] * len(paths)
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.text("select source_uri, jurisdiction_name from v_reports")).all())
    assert stored == {str(path): place for path, place in zip(paths, CITIES)}


# ---- loading what hostile cells parse to ----


def test_absurd_numbers_load_or_are_flagged_but_never_crash_the_load(engine, tmp_path):
    text = SEED.replace("\n1885 |\n", "\n" + "9" * 40 + " |\n").replace("\n594417.23万元 |\n", "\n0.000000000000000000001万元 |\n")
    path = tmp_path / "absurd.txt"
    path.write_bytes(text.encode())
    [result] = process_files([path], engine)
    assert result.status == LOADED
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.text(
            "select metric, value from v_article20_long where item = '20.9' and report_id = :r"
        ), {"r": result.report_id}).all())
    assert stored["projects"] == Decimal("9" * 40)
    assert stored["amount"] == Decimal("0.000000000000000000001")
