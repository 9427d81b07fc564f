"""etl.formats.html: decoding, article detection and tables in the pipe layout, then the whole
parser on an HTML page built from report 003's expected cells."""

from __future__ import annotations

from decimal import Decimal

import pytest

from etl.formats.html import decode_html, html_to_text
from etl.jurisdictions import JurisdictionResolver
from etl.text_layout import cells_of, find_sections
from etl.transform import parse_report
from tests.fixtures.generate import PROSE, load_spec, read_expected, render_html
from tests.fixtures.generate import html_page as page  # a page: <head>, optional nav/breadcrumb/footer, the article


def lines_of(html: str | bytes, declared: str | None = None) -> list[str]:
    data = html.encode("utf-8") if isinstance(html, str) else html
    return [line for line in html_to_text(data, declared).split("\n") if line]


def texts(lines: list[str]) -> list[str]:
    return [cell.text for cell in cells_of(lines)]


# --- Decoding --------------------------------------------------------------------------------

BODY = "<p>政府信息公开工作年度报告</p><p>本年新收政府信息公开申请数量</p>"
EXPECTED_LINES = ["政府信息公开工作年度报告", "本年新收政府信息公开申请数量"]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "gb2312", "gb18030"])
@pytest.mark.parametrize("where", ["meta_charset", "http_equiv", "declared", "nowhere"])
def test_charset_from_meta_declared_or_sniffed(encoding, where):
    head = {
        "meta_charset": f'<meta charset="{encoding}">',
        "http_equiv": f'<meta http-equiv="Content-Type" content="text/html; charset={encoding.upper()}">',
    }.get(where, "")
    body = BODY + ("<p>𠮷</p>" if encoding == "gb18030" else "")  # a character GBK lacks
    data = page(body, head).encode(encoding)
    lines = lines_of(data, encoding if where == "declared" else None)
    assert lines[:2] == EXPECTED_LINES
    if encoding == "gb18030":
        assert lines[2] == "𠮷"


def test_declared_utf8_over_gbk_bytes_falls_back():
    data = page(BODY).encode("gbk")
    assert lines_of(data, "utf-8") == EXPECTED_LINES
    # …and over a <meta> that lies the same way.
    assert lines_of(page(BODY, '<meta charset="utf-8">').encode("gbk"), "utf-8") == EXPECTED_LINES


def test_declared_gbk_over_utf8_bytes_reads_utf8():
    # GB18030 decodes UTF-8 bytes "strictly" into mojibake; valid UTF-8 wins.
    assert lines_of(page(BODY, '<meta charset="gb2312">').encode("utf-8"), "gbk") == EXPECTED_LINES


def test_declared_latin1_is_not_believed():
    # HTTP clients report ISO-8859-1 when the server names no charset.
    assert lines_of(page(BODY).encode("gbk"), "ISO-8859-1") == EXPECTED_LINES


def test_unknown_declared_charset_is_ignored():
    assert lines_of(page(BODY).encode("gbk"), "x-no-such-charset") == EXPECTED_LINES


def test_bom_wins():
    assert decode_html(b"\xef\xbb\xbf" + "政府".encode("utf-8"), "gbk") == "政府"
    assert decode_html("\ufeff政府".encode("utf-16-le"), "gbk") == "政府"


def test_xml_declaration_charset():
    data = ('<?xml version="1.0" encoding="gb2312"?>' + page(BODY)).encode("gb2312")
    assert lines_of(data) == EXPECTED_LINES


def test_undecodable_bytes_raise():
    with pytest.raises(ValueError, match="无法解码"):
        html_to_text(b"<p>\xff\xff\xff\x80</p>")


def test_empty_page():
    assert html_to_text(b"") == ""
    assert html_to_text(b"   ") == ""


# --- Tables ----------------------------------------------------------------------------------

APPLICATIONS_FRAGMENT = """
<table border="1">
<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，<br />等于第三项加第四项之和）</td>
    <td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业<br />企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
<tr><td colspan="3">一、本年新收政府信息公开申请数量</td>
    <td>5</td><td>1</td><td>&nbsp;</td><td>0</td><td></td><td>0</td><td>6</td></tr>
<tr><td rowspan="10">三、本年度办理结果</td><td colspan="2">（一）予以公开</td>
    <td>2</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>2</td></tr>
<tr><td colspan="2">（二）部分公开（区分处理的，只计这一情形，不计其他情形）</td>
    <td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
<tr><td rowspan="8">（三）不予公开</td><td>1.属于国家秘密</td>
    <td>&nbsp;</td><td>&nbsp;</td><td>&nbsp;</td><td>&nbsp;</td><td>&nbsp;</td><td>&nbsp;</td><td>&nbsp;</td></tr>
<tr><td>2.其他法律行政法规禁止公开</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
<tr><td>3.危及“三安全一稳定”</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>4.保护第三方合法权益</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>5.属于三类内部事务信息</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>6.属于四类过程性信息</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>7.属于行政执法案卷</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>8.属于行政查询事项</td><td>3</td><td>&nbsp;</td><td>0</td><td>0</td><td>0</td><td>0</td><td>3</td></tr>
<tr><td colspan="3">四、结转下年度继续办理</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
</table>"""


def test_rowspan_and_colspan_give_origin_cells_in_order():
    lines = lines_of(page(APPLICATIONS_FRAGMENT))
    assert lines[:3] == [
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 申请人情况 |",
        "自然人 | 法人或其他组织 | 总计 |",
        "商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |",
    ]
    assert lines[3] == "一、本年新收政府信息公开申请数量 | 5 | 1 |  | 0 |  | 0 | 6 |"
    assert lines[4] == "三、本年度办理结果 | （一）予以公开 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |"
    assert lines[6] == "（三）不予公开 | 1.属于国家秘密 |  |  |  |  |  |  |  |"
    assert lines[7] == "2.其他法律行政法规禁止公开 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |"
    assert lines[-1] == "四、结转下年度继续办理 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |"
    cells = cells_of(lines)
    row = [c.text for c in cells if c.line_no == 13]
    assert row == ["8.属于行政查询事项", "3", "", "0", "0", "0", "0", "3"]
    assert [c.kind for c in cells if c.line_no == 6] == ["label", "label"] + ["value"] * 7
    assert all(c.is_blank_value for c in cells if c.line_no == 6 and c.kind == "value")


def test_nbsp_blank_cells_keep_their_position():
    lines = lines_of(page("""<table>
<tr><td>规章</td><td>0</td><td>&nbsp;</td><td>3</td></tr>
<tr><td>行政许可</td><td>&nbsp;&nbsp;</td><td>　</td><td></td></tr></table>"""))
    assert lines == ["规章 | 0 |  | 3 |", "行政许可 |  |  |  |"]
    assert texts(lines) == ["规章", "0", "", "3", "行政许可", "", "", ""]


def test_leading_blank_cell_is_not_lost():
    # text_layout reads a leading "|" as a markdown opener: the row is written so it survives.
    lines = lines_of(page("<table><tr><td>&nbsp;</td><td>5</td><td></td><td>7</td></tr>"
                          "<tr><td></td><td></td></tr></table>"))
    assert texts(lines) == ["", "5", "", "7", "", ""]


def test_br_and_wrapped_text_join_inside_a_cell():
    lines = lines_of(page("""<table><tr><td>信息内容</td><td>上一年<br/>项目数量</td>
<td><p class="MsoNormal"><span>本年增/</span></p><p><span>减</span></p></td>
<td>处理决定
    数量</td><td>Total<br>count</td></tr></table>"""))
    assert lines == ["信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 | Total count |"]


def test_header_and_data_rows_with_different_colspans():
    review = """<table>
<tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>
<tr><td rowspan="2">结果维持</td><td rowspan="2">结果纠正</td><td rowspan="2">其他结果</td>
    <td rowspan="2">尚未审结</td><td rowspan="2">总计</td>
    <td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>
<tr>""" + "<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>" * 2 + """</tr>
<tr>""" + "".join(f"<td>{n}</td>" for n in range(1, 16)) + """</tr>
</table>"""
    lines = lines_of(page(review))
    assert lines == [
        "行政复议 | 行政诉讼 |",
        "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉 |",
        " | ".join(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2) + " |",
        " | ".join(str(n) for n in range(1, 16)) + " |",
    ]


def test_row_covered_by_spans_and_spacer_rows_are_skipped():
    lines = lines_of(page("""<table>
<tr><td rowspan="2">甲</td><td rowspan="2">1</td></tr><tr></tr>
<tr><td colspan="2">&nbsp;</td></tr>
<tr><td>乙</td><td>2</td></tr></table>"""))
    assert lines == ["甲 | 1 |", "乙 | 2 |"]


def test_nested_table_is_text_of_its_cell():
    lines = lines_of(page("""<table><tr><td>规章</td>
<td><table><tr><td>1</td></tr><tr><td>件</td></tr></table></td><td>3</td></tr></table>"""))
    assert lines == ["规章 | 1件 | 3 |"]


def test_caption_and_tbody():
    lines = lines_of(page("""<table><caption>表一</caption><thead><tr><th>信息内容</th><th>数量</th></tr></thead>
<tbody><tr><td>规章</td><td>2</td></tr></tbody></table>"""))
    assert lines == ["表一", "信息内容 | 数量 |", "规章 | 2 |"]


def test_pipe_inside_a_cell_does_not_split_it():
    assert texts(lines_of(page("<table><tr><td>甲|乙</td><td>1</td></tr></table>"))) == ["甲｜乙", "1"]


# --- Paragraphs and the article --------------------------------------------------------------


def test_blocks_become_lines_and_br_breaks_a_paragraph():
    lines = lines_of(page("""<div><p>　　一、<strong>总体</strong>情况</p>
<p>第一行<br>第二行</p><ul><li>甲</li><li>乙</li></ul>
<p>统计期限自2020年1月1日
   至2020年12月31日。</p><script>var x = "脚本";</script><style>p{}</style></div>"""))
    assert lines == ["一、总体情况", "第一行", "第二行", "甲", "乙", "统计期限自2020年1月1日至2020年12月31日。"]


ARTICLE_TABLE = """<table>
<tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年新制作数量</td><td>本年新公开数量</td><td>对外公开总数量</td></tr>
<tr><td>规章</td><td>0</td><td>0</td><td>3</td></tr></table>"""


def test_article_found_inside_page_chrome():
    article = f"""<div id="zoom" class="TRS_Editor"><p>一、总体情况</p><p>{PROSE}</p>
<p>二、主动公开政府信息情况</p>{ARTICLE_TABLE}<p>五、存在的主要问题及改进情况</p><p>{PROSE}</p></div>"""
    text = html_to_text(page(article, chrome=True).encode("utf-8"))
    for chrome_text in ("首页", "导航菜单", "网站地图", "当前位置", "面包屑", "分享到", "侧栏", "主办单位", "页脚版权"):
        assert chrome_text not in text
    lines = [line for line in text.split("\n") if line]
    assert lines[0] == "一、总体情况"
    assert "规章 | 0 | 0 | 3 |" in lines
    assert set(find_sections(lines)) == {"article20"}


def test_semantic_header_inside_the_article_is_kept():
    html = f"""<header><p>站点页头横幅</p></header><main><article>
<header><h2>二、主动公开政府信息情况</h2></header>{ARTICLE_TABLE}<p>{PROSE}</p></article></main>
<footer><p>页脚版权所有</p></footer>"""
    lines = lines_of(page(html))
    assert lines[:2] == ["二、主动公开政府信息情况", "第二十条第（一）项 |"]
    assert not any("页头" in line or "页脚" in line for line in lines)


def test_article_is_the_element_holding_the_report_tables():
    # Prose in one div, the tables in a sibling: the article is their common parent.
    article = f"""<div class="content"><div class="text"><p>{PROSE}</p><p>二、主动公开政府信息情况</p></div>
<div class="tables">{ARTICLE_TABLE}</div></div>"""
    related = "<div class='related'>" + "".join(f"<p><a>相关报告第{n}篇链接标题</a></p>" for n in range(30)) + "</div>"
    lines = lines_of(page(article + related, chrome=True))
    assert lines[0] == PROSE and lines[-1] == "规章 | 0 | 0 | 3 |"


def test_layout_table_around_the_article_is_read_as_blocks():
    # Old sites lay the page out in a table; the report table sits in one of its cells.
    html = f"""<table><tr><td class="leftmenu"><a>栏目一</a><a>栏目二</a></td>
<td><p>{PROSE}</p><p>二、主动公开政府信息情况</p>{ARTICLE_TABLE}</td></tr></table>
<table><tr><td><p>{PROSE}</p><p>第二段</p></td></tr></table>"""
    lines = lines_of(page(html))
    assert lines[:2] == [PROSE, "二、主动公开政府信息情况"]
    assert "规章 | 0 | 0 | 3 |" in lines
    assert lines[-2:] == [PROSE, "第二段"]


def test_layout_table_with_a_long_cell_is_read_as_blocks():
    # No report table inside (a report whose tables were images), yet the narrative quotes a
    # label: the big cell must not collapse onto one pipe line.
    html = f"""<table><tr><td><a>栏目</a></td>
<td><p>{PROSE}</p><p>{PROSE}</p><p>本年度予以公开的申请共10件。</p></td></tr></table>"""
    assert lines_of(page(html)) == [PROSE, PROSE, "本年度予以公开的申请共10件。"]  # the menu cell is no article


def test_hidden_copy_is_dropped_unless_it_is_all_there_is():
    visible = f"<p>{PROSE}</p>{ARTICLE_TABLE}"
    lines = lines_of(page(f'<div id="zoom">{visible}</div><div style="display: none">{visible}</div>'))
    assert lines.count("规章 | 0 | 0 | 3 |") == 1
    lines = lines_of(page(f'<div id="zoom" style="DISPLAY:none">{visible}</div><p>短</p>'))
    assert "规章 | 0 | 0 | 3 |" in lines


def test_title_and_date_outside_the_article_are_kept():
    article = f"""<h1 class="title">苏州市人民政府2020年政府信息公开工作年度报告</h1>
<div class="info">发布日期：2021-01-29 15:30　来源：市政府办公室</div>
<div id="zoom"><p>{PROSE}</p><p>{PROSE}</p><p>{PROSE}</p></div>"""
    lines = lines_of(page(article, "<title>年度报告_苏州市人民政府</title>", chrome=True))
    assert lines == ["苏州市人民政府2020年政府信息公开工作年度报告", "发布日期：2021-01-29", PROSE, PROSE, PROSE]


# --- End to end: report 003 as an HTML page ---------------------------------------------------

# The page (tests/fixtures/generate.py: title and date above a TRS_Editor article inside navigation,
# tables with rowspan/colspan, <br /> in labels, &nbsp; blanks) declares GB2312 in its <meta>
# whatever its bytes are: for the UTF-8 page the <meta> lies.


def read_csv(name: str) -> list[dict]:
    return read_expected("003_2b6abe27bfe85e6a", name.removesuffix(".csv"))


def report_003_page(encoding: str) -> bytes:
    return render_html(load_spec("003"), encoding, "meta", meta_charset="gb2312")[0]


def assert_cell(row: dict, expected: dict) -> None:
    assert row["raw"] == expected["raw"], (row, expected)
    if expected["value"] == "":
        assert row["value"] is None, (row, expected)
    else:
        assert row["value"] == Decimal(expected["value"]), (row, expected)


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_report_003_as_html_parses_to_the_expected_cells(encoding):
    text = html_to_text(report_003_page(encoding))
    report = parse_report(text, "mem://x", "0" * 64, JurisdictionResolver.from_csv())
    assert report.status == "loaded", report.status_detail
    assert report.template == "2019"
    assert report.year == 2020
    assert report.title == "苏州市人民政府2020年政府信息公开工作年度报告"
    assert report.published_on.isoformat() == "2021-01-29"
    structural = [i for i in report.issues
                  if i.check_code in ("row_missing", "row_incomplete", "table_missing", "table_values_lost",
                                "extra_cells", "unrecognised_row", "unreadable_value", "duplicate_row")]
    assert structural == []

    expected = read_csv("article20.csv")
    got = {(r["category"], r["metric"]): r for r in report.article20}
    assert len(got) == len(expected) == 22
    for row in expected:
        cell = got[(row["category"], row["metric"])]
        assert_cell(cell, row)
        assert cell["unit"] == (row["unit"] or None)

    expected = read_csv("applications.csv")
    got = {(r["row_code"], r["applicant"]): r for r in report.applications}
    assert len(got) == len(expected) == 161
    for row in expected:
        assert_cell(got[(row["row_code"], row["applicant"])], row)
    assert sum(1 for row in expected if row["raw"] == "") > 50  # 003 is mostly blanks: they must stay put

    expected = read_csv("review_litigation.csv")
    got = {(r["proceeding"], r["outcome"]): r for r in report.review_litigation}
    assert len(got) == len(expected) == 15
    for row in expected:
        assert_cell(got[(row["proceeding"], row["outcome"])], row)

    for chrome_text in ("导航菜单", "当前位置", "分享到", "主办单位"):
        assert chrome_text not in text


def test_cjk_count_by_numpy_counts_what_the_regex_finds():
    """A long text's CJK characters are counted over its UTF-16 code units: the same count as
    the regex's, at every range's edges, beyond the BMP and on lone surrogates."""
    import random

    from etl.formats import html as html_module

    rng = random.Random(1)
    edges = [0x33FF, 0x3400, 0x4DBF, 0x4DC0, 0x4DFF, 0x4E00, 0x9FFF, 0xA000, 0xF8FF, 0xF900, 0xFAFF, 0xFB00,
             0x20000, 0x2A6DF, 0xD800, 0xDFFF, 0x41, 0x3000]
    for _ in range(200):
        length = rng.choice([0, 5, html_module._NUMPY_FROM - 1, html_module._NUMPY_FROM, 2000])
        text = "".join(chr(rng.choice(edges) if rng.random() < 0.5 else rng.randint(0, 0x2FFFF))
                       for _ in range(length))
        assert html_module._cjk_count(text) == sum(map(len, html_module._CJK.findall(text)))


@pytest.mark.parametrize(("page", "expected"), [
    ("<html><body><p>本年新收&#xfdd0;12</p></body></html>", "本年新收\ufdd012\n"),
    ("<html><body><table><tr><td>本年新收</td><td>1&#xfdd3;2</td></tr><tr><td>上年结转</td><td>3</td></tr></table></body></html>",
     "本年新收 | 1\ufdd32 |\n上年结转 | 3 |\n"),
    ("<p>a&#xFDD0b&#xfdd7;c&#64976&#xFDD1;</p>", "a\U000fdd0b\ufdd7c\ufdd0\ufdd1\n"),
    ("<html><body><xmp>本年新收&#xFDD0;12</xmp><p>x</p></body></html>", "本年新收&#xFDD0;12\n"),
])
def test_a_reference_to_a_noncharacter_the_reader_marks_with_is_text(page, expected):
    """The reader marks blocks, rows and cells with noncharacters U+FDD0–U+FDD6 (removed from the
    page first); one written as a character reference is text like any other, as the reader
    without markers printed it (outputs of main's reader at fbda156)."""
    assert html_to_text(page.encode()) == expected
