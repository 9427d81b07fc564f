"""etl.formats.pdf: PDF text layers → the text the parser reads.

Test PDFs are drawn with reportlab and its built-in CID font STSong-Light (no font files needed):
ruled tables with platypus (GRID + SPAN), a table without lines with canvas.drawString.
"""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from etl.formats.pdf import build_pdf, pdf_pages, pdf_to_text
from etl.limits import Limits
from tests.fixtures.generate import PDF_FONT as FONT
from tests.fixtures.generate import C, load_spec, pdf_bytes, pdf_styles, render_pdf, ruled_table
from tests.test_format_docx import assert_matches_seed_003

pdf_styles()  # registers the font for the canvas drawings below
SEED_003 = Path(__file__).parent / "fixtures" / "seeds" / "003_2b6abe27bfe85e6a.txt"


def canvas_pdf(draw) -> bytes:
    buffer = io.BytesIO()
    pdf_canvas = canvas.Canvas(buffer, pagesize=A4)
    draw(pdf_canvas)
    pdf_canvas.save()
    return buffer.getvalue()


def lines_of(data: bytes) -> list[str]:
    return pdf_to_text(data).splitlines()


# --- Ruled tables ---------------------------------------------------------------------------------


def test_ruled_table_with_blank_cells_and_merges():
    rows = [
        [C("第二十条第（一）项", colspan=4)],
        ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
        ["规章", "0", "", "3"],
        ["规 范 性 文 件", "5", "1", "30"],  # spread-out characters
    ]
    assert lines_of(pdf_bytes(["二、主动公开政府信息情况", ruled_table(rows, 4), "三、收到和处理政府信息公开申请情况"])) == [
        "二、主动公开政府信息情况",
        "第二十条第（一）项 |",
        "信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |",
        "规章 | 0 |  | 3 |",
        "规范性文件 | 5 | 1 | 30 |",
        "三、收到和处理政府信息公开申请情况",
    ]


def test_wrapped_label_and_vertical_header_are_one_cell_each():
    label = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    rows = [
        [C("三、本年度办理结果", rowspan=3), "（一）予以公开", "1", "2"],
        [label, "3", ""],
        ["（三）不予公开", "", "4"],
    ]
    # A 12-point first column holds one character a line; 80 points wrap the long label.
    data = pdf_bytes([ruled_table(rows, 4, [16, 80, 40, 40])])
    with pdfplumber.open(io.BytesIO(data)) as pdf:  # the layout really broke them
        cells = pdf.pages[0].find_tables()[0].extract()
    assert cells[0][0] == "三\n、\n本\n年\n度\n办\n理\n结\n果"
    assert "\n" in cells[1][1]
    assert lines_of(data) == [
        "三、本年度办理结果 | （一）予以公开 | 1 | 2 |",
        f"{label} | 3 |  |",
        "（三）不予公开 |  | 4 |",
    ]


def test_table_continued_on_the_next_page_without_its_page_number():
    rows = [["信息内容", "数量"]] + [[f"第{n}行", str(n)] for n in range(1, 61)]
    data = pdf_bytes(["二、主动公开政府信息情况", ruled_table(rows, 2), "三、收到和处理政府信息公开申请情况"])
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 2
        assert "- 1 -" in pdf.pages[0].extract_text()
    lines = lines_of(data)
    assert lines == [
        "二、主动公开政府信息情况",
        "信息内容 | 数量 |",
        *(f"第{n}行 | {n} |" for n in range(1, 61)),
        "三、收到和处理政府信息公开申请情况",
    ]


# --- Text outside tables --------------------------------------------------------------------------


def test_table_without_lines_read_by_alignment():
    def draw(c):
        c.setFont(FONT, 10)
        c.drawString(72, 800, "二、主动公开政府信息情况")
        columns = [72, 200, 290, 380]  # left edges; values right-aligned like in most reports
        rows = [
            ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
            ["规章", "1", "", "28"],
            ["规范性文件", "266", "263", "2899"],
            ["行政事业性收费", "", "", ""],
            ["其他", "12", "7", ""],
        ]
        for r, row in enumerate(rows):
            y = 770 - 20 * r
            for col, text in enumerate(row):
                if col == 0 or r == 0:
                    c.drawString(columns[col], y, text)
                else:
                    c.drawRightString(columns[col] + 60, y, text)
        c.drawString(72, 640, "三、收到和处理政府信息公开申请情况")
        c.drawCentredString(A4[0] / 2, 30, "第 1 页 共 1 页")

    assert lines_of(canvas_pdf(draw)) == [
        "二、主动公开政府信息情况",
        "信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |",
        "规章 | 1 |  | 28 |",
        "规范性文件 | 266 | 263 | 2899 |",
        "行政事业性收费 |  |  |  |",
        "其他 | 12 | 7 |  |",
        "三、收到和处理政府信息公开申请情况",
    ]


@pytest.mark.parametrize("footer", ["- 3 -", "— 3 —", "第 3 页", "第3页 共10页", "3 / 10", "3"])
def test_page_footers_are_dropped(footer):
    def draw(c):
        c.setFont(FONT, 10)
        c.drawString(72, 800, "一、总体情况")
        c.drawString(72, 780, "本年度共收到政府信息公开申请3件。")
        c.drawCentredString(A4[0] / 2, 30, footer)

    assert lines_of(canvas_pdf(draw)) == ["一、总体情况", "本年度共收到政府信息公开申请3件。"]


def test_wrapped_paragraph_and_title_are_joined_headings_are_not():
    with open(SEED_003, encoding="utf-8") as f:
        paragraph = f.read().splitlines()[2]  # "2020年,苏州市人民政府坚持…" — several lines long
    title = "苏州市交通运输局关于2020年度政府信息公开工作年度报告的说明"
    lines = lines_of(pdf_bytes([title, "一、总体情况", paragraph, "（一）认真执行主动公开要求。", "二、主动公开政府信息情况"],
                               title_first=True))
    assert lines == [title, "一、总体情况", paragraph, "（一）认真执行主动公开要求。", "二、主动公开政府信息情况"]


# --- Errors ---------------------------------------------------------------------------------------


def test_pdf_without_text_layer_is_a_value_error():
    def draw(c):  # a "scan": only graphics
        c.rect(72, 600, 300, 200, fill=1)

    with pytest.raises(ValueError, match="没有文字层"):
        pdf_to_text(canvas_pdf(draw))


def test_not_a_pdf_is_a_value_error():
    with pytest.raises(ValueError, match="PDF"):
        pdf_to_text(b"PK\x03\x04 this is a zip, not a pdf")


# --- Seed 003 end to end --------------------------------------------------------------------------


def seed_003_pdf() -> bytes:
    """Report 003 from tests/fixtures/generate.py: ruled tables, the applications table's first
    column 14 points wide (the vertical header one character a line) over a page break."""
    return render_pdf(load_spec("003"))


def test_seed_003_tables_round_trip_through_pdf(tmp_path):
    data = seed_003_pdf()
    (tmp_path / "003.pdf").write_bytes(data)  # kept for a look when the test fails
    with pdfplumber.open(io.BytesIO(data)) as pdf:  # the applications table runs over a page break
        pages = [page.extract_text().replace(" ", "") for page in pdf.pages]
    first = next(i for i, text in enumerate(pages) if "本年新收政府信息公开申请数量" in text)
    last = next(i for i, text in enumerate(pages) if "结转下年度继续办理" in text)
    assert last == first + 1
    text = pdf_to_text(data)
    assert "- 1 -" not in text
    assert_matches_seed_003(text)


# --- Pages, limits and undecodable fonts -----------------------------------------------------------


def test_pdf_pages_are_the_pages_in_order_and_pdf_to_text_is_their_join():
    rows = [["信息内容", "数量"]] + [[f"第{n}行", str(n)] for n in range(1, 61)]
    data = pdf_bytes(["二、主动公开政府信息情况", ruled_table(rows, 2), "三、收到和处理政府信息公开申请情况"])
    pages = pdf_pages(data)
    assert len(pages) == 2
    assert pages[0].startswith("二、主动公开政府信息情况\n") and pages[0].endswith("\n")
    assert "第60行 | 60 |\n" in pages[1] and "第60行" not in pages[0]
    assert pages[1].endswith("三、收到和处理政府信息公开申请情况\n")
    assert "".join(pages) == pdf_to_text(data)


def _pages_pdf(count: int) -> bytes:
    """count pages, each printing its number with a standard font."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(count)), count),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i in range(count):
        content = b"BT /F1 12 Tf 72 700 Td (Page text %d) Tj ET" % (i + 1)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>"
                       b" /Contents %d 0 R >>" % (5 + 2 * i))
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    return build_pdf(objects)


def test_page_cap_refuses_a_pdf_with_more_pages_than_the_limit():
    data = _pages_pdf(5)
    assert [page.strip() for page in pdf_pages(data, Limits(max_pdf_pages=5))] == [f"Page text {n}" for n in range(1, 6)]
    with pytest.raises(ValueError) as refused:
        pdf_pages(data, Limits(max_pdf_pages=4))
    assert str(refused.value) == Limits(max_pdf_pages=4).too_many_pages(5)


def _identity_cid_pdf(codes: list[int], to_unicode: bool) -> bytes:
    """A Chinese CID font the way many generators embed one: Identity-H encoding (the codes are
    glyph numbers), TrueType CIDFontType2; with or without the ToUnicode map that says which
    character each glyph is."""
    content = b"BT /F1 12 Tf 72 700 Td <" + "".join(f"{c:04X}" for c in codes).encode() + b"> Tj ET"
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Test def "
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange "
            + b"%d beginbfchar " % len(codes)
            + b" ".join(b"<%04X> <%04X>" % (c, ord(ch)) for c, ch in zip(codes, "政府信息公开"))
            + b" endbfchar endcmap CMapName currentdict /CMap defineresource pop end end")
    font = (b"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+SimSun /Encoding /Identity-H /DescendantFonts [6 0 R]"
            + (b" /ToUnicode 8 0 R" if to_unicode else b"") + b" >>")
    return build_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        font,
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+SimSun /CIDSystemInfo"
        b" << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /ABCDEF+SimSun /Flags 4 /FontBBox [0 -141 1000 859] /ItalicAngle 0"
        b" /Ascent 859 /Descent -141 /CapHeight 859 /StemV 80 >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ])


def test_cid_font_without_to_unicode_is_refused_not_read_as_garbage():
    codes = [0x0F3A, 0x0B21, 0x1234, 0x0456, 0x2E01, 0x0C33]  # glyph numbers of 政府信息公开
    assert pdf_to_text(_identity_cid_pdf(codes, to_unicode=True)).strip() == "政府信息公开"
    with pytest.raises(ValueError, match="ToUnicode"):
        pdf_to_text(_identity_cid_pdf(codes, to_unicode=False))


def test_encrypted_pdf_is_a_value_error():
    from reportlab.lib import pdfencrypt

    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    c.drawString(72, 700, "secret text")
    c.save()
    with pytest.raises(ValueError, match="加密"):
        pdf_to_text(buffer.getvalue())


def test_six_page_report_reads_every_cell():
    """The benchmark's multi-page PDF (narrative before the tables, tables over page breaks)."""
    from etl.extract import read_document
    from etl.transform import parse_report
    from tests.fixtures.generate import render_pdf_pages
    from tests.test_formats_every_cell import RESOLVER, assert_reads_every_cell

    data = render_pdf_pages(load_spec("report_2021"))
    assert len(pdf_pages(data)) == 6
    source = read_document("mem://six.pdf", data, "six.pdf")
    assert source.problem is None, source.problem
    assert_reads_every_cell(parse_report(source.text, source.source_uri, source.sha256, RESOLVER), "report_2021")
