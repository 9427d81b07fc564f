"""etl.formats.docx: Word documents → the text the parser reads.

The seed-003 table grids defined here (SEED_003_TABLES) are also rendered to PDF by
test_format_pdf.py, so both formats are checked against the same expected cells.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import docx
import pytest

from etl.formats.docx import docx_to_text, join_wrapped, pipe_row
from etl.jurisdictions import JurisdictionResolver
from etl.transform import parse_report

EXPECTED_003 = Path(__file__).parent / "expected" / "003_2b6abe27bfe85e6a"
TITLE_003 = "苏州市人民政府2020年政府信息公开工作年度报告"


# --- A table as a grid of merged cells, for building test documents -------------------------------


def C(text: str, rowspan: int = 1, colspan: int = 1) -> tuple[str, int, int]:
    return (text, rowspan, colspan)


def place(rows: list[list], width: int) -> list[tuple[int, int, str, int, int]]:
    """(row, column, text, rowspan, colspan) of each origin cell; a row lists its cells left to
    right, skipping the positions covered by a rowspan from above (as HTML does)."""
    taken: set[tuple[int, int]] = set()
    placed = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            text, rs, cs = cell if isinstance(cell, tuple) else (cell, 1, 1)
            while (r, c) in taken:
                c += 1
            assert c + cs <= width, f"row {r} overflows: {row}"
            placed.append((r, c, text, rs, cs))
            taken |= {(r + i, c + j) for i in range(rs) for j in range(cs)}
            c += cs
    return placed


def docx_bytes(blocks: list) -> bytes:
    """A .docx from blocks: a str is a paragraph, a list of str is one paragraph per item
    (inside a table cell: the cell's paragraphs), a (rows, width) tuple is a table."""
    document = docx.Document()
    for block in blocks:
        if isinstance(block, str):
            document.add_paragraph(block)
            continue
        rows, width = block
        placed = place(rows, width)
        table = document.add_table(rows=len(rows), cols=width)
        origins = []
        for r, c, text, rs, cs in placed:  # merge first: merging moves the cells' paragraphs
            cell = table.cell(r, c)
            if rs > 1 or cs > 1:
                cell = cell.merge(table.cell(r + rs - 1, c + cs - 1))
            origins.append((cell, text))
        for cell, text in origins:
            parts = text if isinstance(text, list) else [text]
            cell.text = parts[0]
            for part in parts[1:]:
                cell.add_paragraph(part)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- Seed 003: its three tables rebuilt from the expected CSVs --------------------------------------


def _csv(name: str) -> list[dict]:
    with open(EXPECTED_003 / f"{name}.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


APPLICATION_LABELS = {  # row code → label as printed in the national template
    "1": "一、本年新收政府信息公开申请数量", "2": "二、上年结转政府信息公开申请数量",
    "3.1": "（一）予以公开", "3.2": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "3.3.1": "1.属于国家秘密", "3.3.2": "2.其他法律行政法规禁止公开", "3.3.3": "3.危及“三安全一稳定”",
    "3.3.4": "4.保护第三方合法权益", "3.3.5": "5.属于三类内部事务信息", "3.3.6": "6.属于四类过程性信息",
    "3.3.7": "7.属于行政执法案卷", "3.3.8": "8.属于行政查询事项",
    "3.4.1": "1.本机关不掌握相关政府信息", "3.4.2": "2.没有现成信息需要另行制作", "3.4.3": "3.补正后申请内容仍不明确",
    "3.5.1": "1.信访举报投诉类申请", "3.5.2": "2.重复申请", "3.5.3": "3.要求提供公开出版物",
    "3.5.4": "4.无正当理由大量反复申请", "3.5.5": "5.要求行政机关确认或重新出具已获取信息",
    "3.6": "（六）其他处理", "3.7": "（七）总计", "4": "四、结转下年度继续办理",
}
APPLICANT_ORDER = ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
                   "legal_service_org", "other_org", "total")
GROUPS = {"3.3": "（三）不予公开", "3.4": "（四）无法提供", "3.5": "（五）不予处理"}


def article20_grid() -> tuple[list[list], int]:
    raw = {(r["category"], r["metric"]): r["raw"] for r in _csv("article20")}

    def values(category, *metrics):
        return [raw[(category, m)] for m in metrics]

    items = ("made_this_year", "published_this_year", "total_published")
    counts = ("items_prev_year", "items_change", "decisions")
    rows = [
        [C("第二十条第（一）项", colspan=4)],
        ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
        ["规章", *values("rules", *items)],
        ["规范性文件", *values("normative_documents", *items)],
        [C("第二十条第（五）项", colspan=4)],
        ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        ["行政许可", *values("licensing", *counts)],
        ["其他对外管理服务事项", *values("other_services", *counts)],
        [C("第二十条第（六）项", colspan=4)],
        ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        ["行政处罚", *values("penalty", *counts)],
        ["行政强制", *values("enforcement", *counts)],
        [C("第二十条第（八）项", colspan=4)],
        ["信息内容", "上一年项目数量", "本年增/减", ""],
        ["行政事业性收费", *values("fees", "items_prev_year", "items_change"), ""],
        [C("第二十条第（九）项", colspan=4)],
        ["信息内容", "采购项目数量", C("采购总金额", colspan=2)],
        ["政府集中采购", raw[("procurement", "projects")], C(raw[("procurement", "amount")], colspan=2)],
    ]
    return rows, 4


def applications_grid() -> tuple[list[list], int]:
    raw: dict[str, dict[str, str]] = {}
    for r in _csv("applications"):
        raw.setdefault(r["row_code"], {})[r["applicant"]] = r["raw"]

    def values(code):
        return [raw[code][a] for a in APPLICANT_ORDER]

    rows = [
        [C("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3), C("申请人情况", colspan=7)],
        [C("自然人", rowspan=2), C("法人或其他组织", colspan=5), C("总计", rowspan=2)],
        ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"],
        [C(APPLICATION_LABELS["1"], colspan=3), *values("1")],
        [C(APPLICATION_LABELS["2"], colspan=3), *values("2")],
    ]
    outcome_codes = [code for code in APPLICATION_LABELS if code.startswith("3.")]
    for code in outcome_codes:
        row = [C("三、本年度办理结果", rowspan=len(outcome_codes))] if code == "3.1" else []
        group = code[:3]
        if group in GROUPS:
            members = [c for c in outcome_codes if c.startswith(group + ".")]
            if code == members[0]:
                row.append(C(GROUPS[group], rowspan=len(members)))
            row.append(APPLICATION_LABELS[code])
        else:
            row.append(C(APPLICATION_LABELS[code], colspan=2))
        rows.append(row + values(code))
    rows.append([C(APPLICATION_LABELS["4"], colspan=3), *values("4")])
    return rows, 10


def review_grid() -> tuple[list[list], int]:
    outcomes = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    rows = [
        [C("行政复议", colspan=5), C("行政诉讼", colspan=10)],
        [*(C(o, rowspan=2) for o in outcomes), C("未经复议直接起诉", colspan=5), C("复议后起诉", colspan=5)],
        outcomes + outcomes,
        [r["raw"] for r in _csv("review_litigation")],
    ]
    return rows, 15


def seed_003_blocks(article20, applications, review) -> list:
    """The report around its three tables; each table argument is whatever the format builder takes."""
    return [
        TITLE_003,
        "一、总体情况",
        "2020年，苏州市人民政府认真落实政务公开工作的决策部署。",
        "二、主动公开政府信息情况",
        article20,
        "三、收到和处理政府信息公开申请情况",
        applications,
        "四、政府信息公开行政复议、行政诉讼情况",
        review,
        "五、存在的主要问题及改进情况",
        "对照上级部署要求，还存在一些问题和不足。",
        "六、其他需要报告的事项",
        "无。",
    ]


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
    data = docx_bytes(seed_003_blocks(article20_grid(), applications_grid(), review_grid()))
    (tmp_path / "003.docx").write_bytes(data)  # kept for a look when the test fails
    assert_matches_seed_003(docx_to_text(data))
