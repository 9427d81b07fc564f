from decimal import Decimal

import pytest

from etl import templates as t
from etl.tables import parse_applications, parse_article20, parse_review_litigation
from etl.text_layout import cells_of


def cells(text):
    return cells_of(text.split("\n"))


def codes(issues, severity=None):
    return [i.check_code for i in issues if severity is None or i.severity == severity]


# --- Article 20 --------------------------------------------------------------------------------

A2019 = """第二十条第（一）项 |
信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |
规章 | 1 | 1 | 28 |
规范性文件 | 266 | 263 | 2899 |
第二十条第（五）项 |
信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |
行政许可 | 285 | 0 | 8087315 |
其他对外管理服务事项 | 699 | -29 | 10569008 |
第二十条第（六）项 |
信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |
行政处罚 | 5921 | +5 | 3677828 |
行政强制 | 277 | 4 | 71623 |
第二十条第（八）项 |
信息内容 | 上一年项目数量 | 本年增/减 |
行政事业性收费 | 36 | 0 |
第二十条第（九）项 |
信息内容 | 采购项目数量 | 采购总金额 |
政府集中采购 | 1885 | 594417.23万元 |"""

A2021 = """第二十条第（一）项 |
信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |
规章 | 0 | 0 | 3 |
行政规范性文件 | 5 | 1 | 30 |
第二十条第（五）项 |
信息内容 | 本年处理决定数量 |
行政许可 | 100 |
第二十条第（六）项 |
信息内容 | 本年处理决定数量 |
行政处罚 | 20 |
行政强制 | 2 |
第二十条第（八）项 |
信息内容 | 本年收费金额（单位：万元） |
行政事业性收费 | 12.5 |"""


def a20(text, template):
    result = parse_article20(cells(text), template)
    by_key = {(r["category"], r["metric"]): r for r in result.rows}
    return result, by_key


def test_article20_2019_every_cell():
    result, rows = a20(A2019, "2019")
    assert len(result.rows) == 22
    assert result.issues == []
    assert rows[("rules", "total_published")]["value"] == Decimal("28")
    assert rows[("normative_documents", "made_this_year")]["value"] == Decimal("266")
    assert rows[("other_services", "items_change")]["value"] == Decimal("-29")  # sign kept
    assert rows[("penalty", "items_change")]["value"] == Decimal("5")
    assert rows[("penalty", "items_change")]["raw"] == "+5"
    assert rows[("fees", "items_prev_year")]["item"] == "20.8"
    procurement = rows[("procurement", "amount")]
    assert (procurement["value"], procurement["unit"], procurement["raw"]) == (
        Decimal("594417.23"), "万元", "594417.23万元",
    )
    assert rows[("procurement", "projects")]["unit"] is None


def test_article20_2021_every_cell():
    result, rows = a20(A2021, "2021")
    assert len(result.rows) == 10
    assert result.issues == []
    assert [r["metric"] for r in result.rows[:3]] == ["issued_this_year", "repealed_this_year", "in_force"]
    assert rows[("normative_documents", "in_force")]["value"] == Decimal("30")
    assert rows[("normative_documents", "in_force")]["row_label"] == "行政规范性文件"
    assert rows[("licensing", "decisions")]["value"] == Decimal("100")
    assert (rows[("fees", "fee_amount")]["value"], rows[("fees", "fee_amount")]["unit"]) == (Decimal("12.5"), "万元")


def test_article20_money_in_yuan_in_the_cell():
    _, rows = a20(A2019.replace("594417.23万元", "251000元"), "2019")
    assert rows[("procurement", "amount")]["value"] == Decimal("25.1")
    assert rows[("procurement", "amount")]["raw"] == "251000元"
    _, rows = a20(A2021.replace("| 12.5 |", "| 125000元 |"), "2021")
    assert rows[("fees", "fee_amount")]["value"] == Decimal("12.5")


@pytest.mark.parametrize(
    "header, raw, value",
    [
        ("采购总金额(万元)", "12.5", Decimal("12.5")),
        ("采购总金额（元）", "251000", Decimal("25.1")),
    ],
)
def test_article20_money_unit_from_header(header, raw, value):
    text = A2019.replace("| 采购总金额 |", f"| {header} |").replace("594417.23万元", raw)
    _, rows = a20(text, "2019")
    assert (rows[("procurement", "amount")]["value"], rows[("procurement", "amount")]["unit"]) == (value, "万元")


def test_article20_procurement_amount_without_any_unit_is_kept_with_its_unit_unknown():
    # The 2019 template gives 采购总金额 no unit: "7.5" alone may be 元 or 万元, so it is not converted.
    result, rows = a20(A2019.replace("594417.23万元", "7.5"), "2019")
    amount = rows[("procurement", "amount")]
    assert (amount["value"], amount["unit"], amount["raw"]) == (Decimal("7.5"), None, "7.5")
    [issue] = result.issues
    assert (issue.check_code, issue.severity) == ("money_unit_unknown", "warning")
    assert "7.5" in issue.detail


def test_article20_2021_fee_without_a_printed_unit_is_in_wan_yuan_by_the_template():
    result, rows = a20(A2021.replace("本年收费金额（单位：万元）", "本年收费金额"), "2021")
    assert (rows[("fees", "fee_amount")]["value"], rows[("fees", "fee_amount")]["unit"]) == (Decimal("12.5"), "万元")
    assert result.issues == []


def test_wholly_blank_rows_are_one_warning_per_table():
    blank = {"3.3.1": None, "3.3.2": None, "3.5.4": None}
    text = applications_text("2019")
    for i, row in enumerate(t.APPLICATION_ROWS["2019"]):
        if row.code in blank:
            text = text.replace(f"{row.label} | {' | '.join(str(i * 10 + j) for j in range(7))} |", f"{row.label} |")
    result, by_row = apps(text, "2019")
    assert all(by_row[code] == [None] * 7 for code in blank)
    assert by_row["3.3.3"] == decimals(*range(60, 67))  # nothing shifted (row 6 holds 60 … 66)
    [issue] = result.issues
    assert (issue.check_code, issue.severity) == ("row_incomplete", "warning")
    assert issue.detail.startswith("3 行整行空白")
    # Article 20 likewise; a row with some values but too few is still an error of its own.
    a20_text = A2019.replace("行政强制 | 277 | 4 | 71623 |", "行政强制 |").replace("规章 | 1 | 1 | 28 |", "规章 | 1 | 28 |")
    result, _ = a20(a20_text, "2019")
    assert sorted((i.check_code, i.severity) for i in result.issues) == [("row_incomplete", "error"), ("row_incomplete", "warning")]


def test_article20_blank_cell():
    result, rows = a20(A2021.replace("行政许可 | 100 |", "行政许可 | |"), "2021")
    assert (rows[("licensing", "decisions")]["value"], rows[("licensing", "decisions")]["raw"]) == (None, "")
    assert result.issues == []


def test_article20_missing_row():
    result, rows = a20(A2021.replace("行政强制 | 2 |\n", ""), "2021")
    assert len(result.rows) == 10
    assert rows[("enforcement", "decisions")]["value"] is None
    assert rows[("enforcement", "decisions")]["raw"] is None
    assert codes(result.issues) == ["row_missing"]
    assert result.issues[0].severity == "error"
    assert "行政强制" in result.issues[0].detail


def test_article20_incomplete_row_is_never_shifted():
    result, rows = a20(A2021.replace("规章 | 0 | 0 | 3 |", "规章 | 0 | 3 |"), "2021")
    assert [rows[("rules", m)]["value"] for m in ("issued_this_year", "repealed_this_year", "in_force")] == [None] * 3
    assert codes(result.issues, "error") == ["row_incomplete"]
    assert rows[("normative_documents", "issued_this_year")]["value"] == Decimal("5")


def test_article20_local_row_is_a_warning():
    text = A2021.replace("行政规范性文件 | 5 | 1 | 30 |", "行政规范性文件 | 5 | 1 | 30 |\n其他主动公开文件 | 7 | 0 | 9 |")
    result, rows = a20(text, "2021")
    assert codes(result.issues) == ["unrecognised_row"]
    assert result.issues[0].severity == "warning"
    assert "其他主动公开文件" in result.issues[0].detail
    assert rows[("normative_documents", "in_force")]["value"] == Decimal("30")
    assert rows[("licensing", "decisions")]["value"] == Decimal("100")


def test_article20_label_split_over_two_cells():
    result, rows = a20(A2021.replace("行政规范性文件 | 5", "行政规范性 |\n文件 | 5"), "2021")
    assert rows[("normative_documents", "issued_this_year")]["value"] == Decimal("5")
    assert result.issues == []


def test_article20_unreadable_value_is_reported_as_such():
    result, rows = a20(A2021.replace("| 12.5 |", "| 约5件 |"), "2021")
    assert rows[("fees", "fee_amount")]["row_label"] == "行政事业性收费"
    assert codes(result.issues) == ["unreadable_value"]


# --- Applications ------------------------------------------------------------------------------

APP_HEADER = """（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 申请人情况 |
自然人 | 法人或其他组织 | 总计 |
商业 企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |"""
GROUPS = {"3.1": "三、本年度办理结果", "3.3.1": "（三）不予公开", "3.4.1": "（四）无法提供",
          "3.5.1": "（五）不予处理", "3.6.1": "（六）其他处理"}


def applications_text(template, rows=None):
    """The template's table; row i holds i*10 .. i*10+6 unless `rows` gives its cells."""
    rows = rows or {}
    lines = [APP_HEADER]
    for i, row in enumerate(t.APPLICATION_ROWS[template]):
        if row.code in GROUPS:
            lines.append(GROUPS[row.code] + " |")
        values = rows.get(row.code, " | ".join(str(i * 10 + j) for j in range(7)))
        if values is not None:
            lines.append(f"{row.label} | {values} |")
    return "\n".join(lines)


def apps(text, template):
    result = parse_applications(cells(text), template)
    by_row = {}
    for r in result.rows:
        by_row.setdefault(r["row_code"], []).append(r["value"])
    return result, by_row


def decimals(*numbers):
    return [Decimal(n) for n in numbers]


@pytest.mark.parametrize("template, n_rows", [("2019", 23), ("2021", 25)])
def test_applications_every_cell(template, n_rows):
    result, by_row = apps(applications_text(template), template)
    assert len(result.rows) == n_rows * 7
    assert result.issues == []
    assert list(by_row) == [row.code for row in t.APPLICATION_ROWS[template]]
    for i, code in enumerate(by_row):
        assert by_row[code] == decimals(*range(i * 10, i * 10 + 7)), code
    assert [r["applicant"] for r in result.rows[:7]] == list(t.APPLICANTS)
    assert [r["column_label"] for r in result.rows[:7]] == ["自然人", "商业 企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def test_applications_2019_has_one_other_row():
    _, by_row = apps(applications_text("2019"), "2019")
    assert by_row["3.6"] == decimals(*range(200, 207))
    assert by_row["3.7"] == decimals(*range(210, 217))


def test_applications_2021_other_rows():
    result, by_row = apps(applications_text("2021"), "2021")
    assert by_row["3.6.1"] == decimals(*range(200, 207))
    assert by_row["3.6.2"] == decimals(*range(210, 217))
    assert by_row["3.6.3"] == decimals(*range(220, 227))
    assert [r["row_label"] for r in result.rows if r["row_code"] == "3.6.3"][0] == "3.其他"
    assert by_row["3.7"] == decimals(*range(230, 237))


def test_header_other_and_total_are_not_rows():
    # The column header prints 其他 and 总计; neither may take the values of a row.
    result, by_row = apps(applications_text("2021"), "2021")
    assert by_row["1"] == decimals(*range(0, 7))
    assert "duplicate_row" not in codes(result.issues)


def test_other_only_after_its_group():
    # A stray "其他" row before （六） is a local row, not 3.6.3.
    text = applications_text("2021").replace("（六）其他处理 |", "其他 | 9 | 9 | 9 | 9 | 9 | 9 | 9 |\n（六）其他处理 |")
    result, by_row = apps(text, "2021")
    assert by_row["3.6.3"] == decimals(*range(220, 227))
    assert codes(result.issues) == ["unrecognised_row"]


def test_total_only_after_the_outcomes():
    text = applications_text("2019").replace("二、上年结转", "总计 | 5 | 5 | 5 | 5 | 5 | 5 | 5 |\n二、上年结转")
    result, by_row = apps(text, "2019")
    assert by_row["3.7"] == decimals(*range(210, 217))
    assert codes(result.issues) == ["unrecognised_row"]


def test_total_without_numeral_after_other():
    _, by_row = apps(applications_text("2019").replace("(七)总计", "总计"), "2019")
    assert by_row["3.7"] == decimals(*range(210, 217))


def test_applications_blank_cell():
    text = applications_text("2019", {"2": "78 | 6 | | | | | 84"})
    result, _ = apps(text, "2019")
    carried = [r for r in result.rows if r["row_code"] == "2"]
    assert [r["value"] for r in carried] == decimals(78, 6) + [None] * 4 + decimals(84)
    assert [r["raw"] for r in carried][2:6] == [""] * 4
    assert result.issues == []


def test_applications_label_split_over_two_cells():
    text = applications_text("2019").replace(
        "(二)部分公开(区分处理的,只计这一情形,不计其他情形) |",
        "（二）部分公开（区分处理的， |\n只计这一情形，不计其他情形） |",
    )
    result, by_row = apps(text, "2019")
    assert by_row["3.2"] == decimals(*range(30, 37))
    assert result.issues == []


def test_applications_label_split_inside_keyword():
    text = applications_text("2021").replace(
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 |",
        "1.申请人无正当理由逾期 |\n不补正、行政机关不再处理其政府信息公开申请 |",
    )
    result, by_row = apps(text, "2021")
    assert by_row["3.6.1"] == decimals(*range(200, 207))
    assert result.issues == []


def test_applications_misspelt_label():
    _, by_row = apps(applications_text("2019").replace("8.属于行政查询事项", "8.属于行政查询事务"), "2019")
    assert by_row["3.3.8"] == decimals(*range(110, 117))


def test_applications_missing_row():
    result, by_row = apps(applications_text("2019", {"3.5.2": None}), "2019")
    assert len(result.rows) == 161
    assert by_row["3.5.2"] == [None] * 7
    assert by_row["3.5.3"] == decimals(*range(170, 177))
    assert codes(result.issues) == ["row_missing"]
    assert result.issues[0].severity == "error"
    assert "重复申请" in result.issues[0].detail


def test_applications_incomplete_row_is_never_shifted():
    result, by_row = apps(applications_text("2019", {"3.1": "1 | 2 | 3"}), "2019")
    assert by_row["3.1"] == [None] * 7
    assert by_row["3.2"] == decimals(*range(30, 37))
    assert codes(result.issues, "error") == ["row_incomplete"]
    assert "予以公开" in result.issues[0].detail


def test_applications_local_row():
    text = applications_text("2019").replace("二、上年结转", "其中：网上申请 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |\n二、上年结转")
    result, by_row = apps(text, "2019")
    assert codes(result.issues) == ["unrecognised_row"]
    assert result.issues[0].severity == "warning"
    assert "网上申请" in result.issues[0].detail
    assert by_row["1"] == decimals(*range(0, 7))
    assert by_row["2"] == decimals(*range(10, 17))


def test_applications_signed_value_kept():
    _, by_row = apps(applications_text("2019", {"4": "-1 | 0 | 0 | 0 | 0 | 0 | -1"}), "2019")
    assert by_row["4"] == decimals(-1, 0, 0, 0, 0, 0, -1)


# --- Review and litigation ---------------------------------------------------------------------

REVIEW_HEADER = """行政复议 | 行政诉讼 |
结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |
未经复议直接起诉 | 复议后起诉 |
结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |"""
REVIEW_VALUES = "1 | 2 | 3 | 4 | 10 | 5 | 0 | 0 | 0 | 5 | 0 | 0 | 0 | 1 | 1 |"


def test_review_litigation_15_cells():
    result = parse_review_litigation(cells(REVIEW_HEADER + "\n" + REVIEW_VALUES))
    assert len(result.rows) == 15
    assert result.issues == []
    first, last = result.rows[0], result.rows[-1]
    assert (first["proceeding"], first["outcome"], first["value"]) == ("review", "upheld", Decimal("1"))
    assert (result.rows[4]["outcome"], result.rows[4]["value"]) == ("total", Decimal("10"))
    assert (result.rows[5]["proceeding"], result.rows[5]["value"]) == ("litigation_direct", Decimal("5"))
    assert (last["proceeding"], last["outcome"], last["value"]) == ("litigation_after_review", "total", Decimal("1"))


def test_review_litigation_blank_cell():
    result = parse_review_litigation(cells(REVIEW_HEADER + "\n" + REVIEW_VALUES.replace("| 2 |", "| |", 1)))
    assert (result.rows[1]["value"], result.rows[1]["raw"]) == (None, "")
    assert result.rows[2]["value"] == Decimal("3")
    assert result.issues == []


def test_review_litigation_too_few_cells():
    result = parse_review_litigation(cells(REVIEW_HEADER + "\n1 | 2 | 3 |"))
    assert [r["value"] for r in result.rows] == [None] * 15
    assert codes(result.issues, "error") == ["row_incomplete"]


def test_review_litigation_stray_blank_does_not_shift_values():
    result = parse_review_litigation(cells(REVIEW_HEADER + "\n|\n" + REVIEW_VALUES))
    assert [r["raw"] for r in result.rows] == REVIEW_VALUES.rstrip(" |").split(" | ")
    assert result.issues == []


def test_applications_surplus_values_are_reported_not_loaded():
    text = applications_text("2019", {"1": "10 | 11 | 12 | 13 | 14 | 15 | 16 | 99"})
    result, by_row = apps(text, "2019")
    assert by_row["1"] == decimals(*range(10, 17))
    assert by_row["2"] == decimals(*range(10, 17))  # row 2 (index 1) is unaffected
    assert codes(result.issues) == ["extra_cells"]
    assert "99" in result.issues[0].detail
