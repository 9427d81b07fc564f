"""etl.formats.docx: Word documents → the text the parser reads.

Documents are built by tests/fixtures/generate.py (`docx_bytes` for hand-made tables, `render_docx`
for a whole report); `assert_matches_seed_003` is also used by test_format_pdf.py, so both formats
are checked against the same expected cells.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from etl.formats.docx import docx_to_text, join_wrapped, pipe_row
from etl.jurisdictions import JurisdictionResolver
from etl.transform import parse_report
from tests.fixtures.generate import C, docx_bytes, load_spec, read_expected, render_docx

TITLE_003 = "苏州市人民政府2020年政府信息公开工作年度报告"


def _csv(name: str) -> list[dict]:
    return read_expected("003_2b6abe27bfe85e6a", name)


def assert_matches_seed_003(text: str) -> None:
    """Every cell of the three tables parsed from text equals the expected CSV (value and raw)."""
    parsed = parse_report(text, "mem://x", "0" * 64, JurisdictionResolver.from_csv())
    assert (parsed.status, parsed.template, parsed.year, parsed.jurisdiction_code) == ("loaded", "2019", 2020, "320500")
    assert parsed.title == TITLE_003

    def expected(name, keys, extra=()):
        return [
            (*(r[k] for k in keys), Decimal(r["value"]) if r["value"] else None, *(r[k] or None for k in extra), r["raw"])
            for r in _csv(name)
        ]

    def got(rows, keys, extra=()):
        return [(*(r[k] for k in keys), r["value"], *(r[k] for k in extra), r["raw"]) for r in rows]

    assert got(parsed.article20, ("item", "category", "metric"), ("unit",)) == \
        expected("article20", ("item", "category", "metric"), ("unit",))
    assert got(parsed.applications, ("row_code", "applicant")) == expected("applications", ("row_code", "applicant"))
    assert got(parsed.review_litigation, ("proceeding", "outcome")) == \
        expected("review_litigation", ("proceeding", "outcome"))
    assert [i for i in parsed.issues if i.severity == "error"] == []


# --- Unit tests -------------------------------------------------------------------------------------


def test_join_wrapped_and_pipe_row():
    assert join_wrapped(["三、", "本", "年", "度", "办", "理", "结", "果"]) == "三、本年度办理结果"
    assert join_wrapped(["（二）部分公开（区分处理的，", " 不计其他情形）"]) == "（二）部分公开（区分处理的，不计其他情形）"
    assert join_wrapped(["8087", "315"]) == "8087315"
    assert join_wrapped(["Total", "count", ""]) == "Total count"
    assert pipe_row(["规章", "0", "", "3"]) == "规章 | 0 |  | 3 |"
    assert pipe_row(["a|b"]) == "a｜b |"


def test_paragraphs_and_tables_in_document_order():
    text = docx_bytes([
        "苏州市人民政府2020年政府信息公开工作年度报告",
        "一、总体情况",
        "",
        "二、主动公开政府信息情况",
        ([["信息内容", "本年新制作数量"], ["规章", "1"]], 2),
        "三、收到和处理政府信息公开申请情况",
    ])
    assert docx_to_text(text).splitlines() == [
        "苏州市人民政府2020年政府信息公开工作年度报告",
        "一、总体情况",
        "二、主动公开政府信息情况",
        "信息内容 | 本年新制作数量 |",
        "规章 | 1 |",
        "三、收到和处理政府信息公开申请情况",
    ]


def test_merged_cells_are_printed_once_at_their_origin():
    rows = [
        [C("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 2, 3), C("申请人情况", colspan=2)],
        ["自然人", "总计"],
        [C("三、本年度办理结果", rowspan=10), C("（一）予以公开", colspan=2), "1", "1"],
        [C(["（二）部分公开（区分处理的，", "只计这一情形，不计其他情形）"], colspan=2), "", "2"],
        [C("（三）不予公开", rowspan=8), "1.属于国家秘密", "3", ""],
        *([f"{n}.x", str(n), str(n)] for n in range(2, 9)),
    ]
    lines = docx_to_text(docx_bytes([(rows, 5)])).splitlines()
    assert lines == [
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 申请人情况 |",
        "自然人 | 总计 |",
        "三、本年度办理结果 | （一）予以公开 | 1 | 1 |",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形） |  | 2 |",  # two paragraphs, one cell
        "（三）不予公开 | 1.属于国家秘密 | 3 |  |",  # a blank value cell stays an empty field
        *(f"{n}.x | {n} | {n} |" for n in range(2, 9)),
    ]


def test_blank_cells_are_kept_in_place():
    lines = docx_to_text(docx_bytes([([["规章", "0", "", "3"], ["", "", "", ""]], 4)])).splitlines()
    assert lines == ["规章 | 0 |  | 3 |", " |  |  |  |"]


def test_not_a_docx_is_a_value_error():
    with pytest.raises(ValueError, match="docx"):
        docx_to_text(b"%PDF-1.4 not a word file")
    with pytest.raises(ValueError, match="docx"):
        docx_to_text(b"")


def test_seed_003_tables_round_trip_through_docx(tmp_path):
    data = render_docx(load_spec("003"))
    (tmp_path / "003.docx").write_bytes(data)  # kept for a look when the test fails
    assert_matches_seed_003(docx_to_text(data))
