"""etl.formats.html's output pinned whole: the fixture pages (every HTML variant of every fixture
report) and small pages that reach the reader's rarer paths (a row inside a cell, nested tables,
ASCII words either side of a block, captions, layout tables, hidden copies, chrome wrappers).

The expected texts are what the reader printed before its rewrite for speed (one XSLT pass
instead of a Python walk per element): a change to them is a change of behaviour, to be made on
purpose. Regenerate the fixture files with

    .venv/bin/python -c "from tests.test_format_html_pinned import write_expected; write_expected()"
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from etl.formats.html import _clean, html_to_text
from tests.fixtures.generate import REPORTS, VARIANTS, load_spec, render_variant

EXPECTED = Path(__file__).parent / "expected" / "html_reader"
HTML_VARIANTS = [v for v in VARIANTS if v.startswith("html")]


def expected_file(report: str, variant: str) -> Path:
    # Charset and chrome variants read to the same text; the traditional pages to their own.
    suffix = {"html-s2twp": "-s2twp", "html-s2hk": "-s2hk"}.get(variant, "")
    return EXPECTED / f"{report}{suffix}.txt"


@pytest.mark.parametrize("report", REPORTS)
@pytest.mark.parametrize("variant", HTML_VARIANTS)
def test_fixture_page_reads_to_the_pinned_text(report, variant):
    fixture = render_variant(load_spec(report), variant)
    expected = expected_file(report, variant).read_text(encoding="utf-8")
    assert html_to_text(fixture.data, fixture.declared_charset) == expected


def write_expected() -> None:
    EXPECTED.mkdir(parents=True, exist_ok=True)
    for report in REPORTS:
        for variant in ("html-utf-8-meta", "html-s2twp", "html-s2hk"):
            fixture = render_variant(load_spec(report), variant)
            expected_file(report, variant).write_text(html_to_text(fixture.data, fixture.declared_charset),
                                                      encoding="utf-8")


PAGES = [
    ('alnum_across_blocks',
     '<html><body><table><tr><td><p>Total</p><p>count</p></td><td><span>20</span><span>21</span></td><td>ab<div>cd</div>ef</td><td>1<br>2</td></tr></table></body></html>',
     ['Total count | 2021 | ab cd ef | 1 2 |']),
    ('nested_table_in_data_cell',
     '<html><body><table><tr><td>规章</td><td><table><tr><td>1</td><td>2</td></tr><tr><td>件</td></tr></table></td><td>3</td></tr><tr><td>a|b</td><td> x  y </td></tr></table></body></html>',
     ['规章 | 1 2件 | 3 |', 'a｜b | x y |']),
    ('row_inside_a_cell',
     '<html><body><table><tr><td>甲<div><tr><td>乙</td><td>1</td></tr></div></td><td>2</td></tr><tr><td>丙</td><td>3</td></tr></table></body></html>',
     ['甲乙1 | 2 |', '乙 | 1 |', '丙 | 3 |']),
    ('captions_and_sections',
     '<html><body><table><caption>表 一</caption><thead><tr><th>信息内容</th><th>数量</th></tr></thead><tfoot><tr><td>合计</td><td>9</td></tr></tfoot><tbody><tr><td>规章</td><td>2</td></tr></tbody></table><p>after</p></body></html>',
     ['表一', '信息内容 | 数量 |', '合计 | 9 |', '规章 | 2 |']),
    ('layout_table_holding_report',
     "<html><body><table><tr><td class='menu'><a>栏目</a></td><td><p>一、总体情况</p><table><tr><td>信息内容</td><td>本年新制作数量</td></tr><tr><td>规章</td><td>0</td></tr></table><p>尾段 text 1</p></td></tr></table></body></html>",
     ['一、总体情况', '信息内容 | 本年新制作数量 |', '规章 | 0 |', '尾段text 1']),
    ('chrome_wrapper_kept_and_nested_chrome_dropped',
     "<html><body><div class='main-header-content'><p>本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。</p><div class='share'>分享到微信</div><nav><a>菜单</a></nav></div><div class='footer'>版权所有</div></body></html>",
     ['本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。本机关认真贯彻落实条例。']),
    ('hidden_copy',
     "<html><body><div><p>正文一段</p><table><tr><td>信息内容</td><td>2</td></tr></table></div><div style='Display : None'><p>正文一段</p></div><p hidden>隐藏</p></body></html>",
     ['正文一段', '信息内容 | 2 |']),
    ('links_and_title_classes',
     "<html><head><title>某县2020年政府信息公开工作年度报告_某县</title></head><body><div class='News_Title'>某县人民政府2020年政府信息公开工作年度报告</div><div class='info'>成文日期： 2021 年 1 月 5 日</div><ul><li><a>链接一<a>嵌套</a></a></li></ul><div id='content'><p>正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。</p></div></body></html>",
     ['某县2020年政府信息公开工作年度报告_某县', '成文日期：2021年1月5日', '正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。正文内容很长。']),
    ('page_header_inside_article',
     '<html><body><header><p>站点页头</p></header><main><article><header><h2>二、主动公开政府信息情况</h2></header><p>正文</p></article></main><footer>页脚</footer></body></html>',
     ['二、主动公开政府信息情况']),
    ('blank_rows_and_leading_blank',
     "<html><body><table><tr><td>&nbsp;</td><td>5</td><td></td></tr><tr><td colspan='3'>&nbsp;</td></tr><tr></tr><tr><td></td><td></td></tr><tr><td rowspan='2'>甲</td><td>1</td></tr><tr><td>2</td></tr></table></body></html>",
     ['|  | 5 |  |', ' |  |', '甲 | 1 |', '2 |']),
    ('links_weigh_each_block_on_its_own',  # a sibling's links are no bound for the next one
     '<html><body><div><p>甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲</p><a>链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链</a></div><div><p>乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙</p><a>接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接</a></div></body></html>',
     ['甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲', '链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链链', '乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙', '接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接接']),
]


@pytest.mark.parametrize("name, page, lines", PAGES, ids=[p[0] for p in PAGES])
def test_small_page_reads_to_the_pinned_lines(name, page, lines):
    assert html_to_text(page.encode("utf-8")).splitlines() == lines


def clean_by_tokens(text: str) -> str:
    """_clean's rule written out: the text's white-space-separated parts joined, with a space only
    between an ASCII letter or digit and another."""
    out = ""
    for part in re.split(r"[\s\u200b\ufeff]+", text):
        if part:
            if out and re.match(r"[A-Za-z0-9]", out[-1]) and re.match(r"[A-Za-z0-9]", part[0]):
                out += " "
            out += part
    return out


def test_clean_keeps_a_space_only_between_ascii_letters_and_digits():
    rng = random.Random(7)
    alphabet = ["a", "Z", "0", "9", "中", "。", "|", " ", "  ", "\n", "\t", "\u3000", "\xa0", "\u200b", "\ufeff", "é", "-"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert _clean(text) == clean_by_tokens(text), repr(text)
