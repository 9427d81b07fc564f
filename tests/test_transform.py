from decimal import Decimal

import pytest

from etl import templates as t
from etl.jurisdictions import JurisdictionResolver
from etl.labels import compact
from etl.transform import detect_template, parse_report
from tests.test_tables import A2021


@pytest.fixture(scope="module")
def resolver():
    return JurisdictionResolver.from_csv()


# --- detect_template ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, year, template",
    [
        ("规章 | 本年制发件数 | 本年废止件数 | 现行有效件数", 2020, "2021"),  # 2021 labels win over the year
        ("1.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", 2019, "2021"),
        ("信息内容 | 本年新制作数量 | 本年新公开数量", 2022, "2019"),  # 2019 labels win over the year
        ("第二十条第（九）项 | 政府集中采购", 2021, "2019"),
        ("一、本年新收政府信息公开申请数量", 2021, "2021"),  # only labels both print: the year decides
        ("一、本年新收政府信息公开申请数量", 2020, "2019"),
        ("四、结转下年度继续办理", None, "2019"),
        ("本年度主动公开政府信息1000条。", 2020, "pre2019"),
        ("本年度主动公开政府信息1000条。", 2015, "pre2019"),
    ],
)
def test_detect_template(text, year, template):
    assert detect_template(compact(text), year) == template


def test_detect_template_not_fooled_by_narrative_quote():
    text = "对申请人无正当理由逾期不补正的，视为放弃申请。第二十条第（九）项 | 政府集中采购 | 采购总金额"
    assert detect_template(compact(text), 2020) == "2019"


# --- parse_report ------------------------------------------------------------------------------

# The 2021 Article 20 table of test_tables, its fee printed in 元 (12.5 万元).
ARTICLE20_2021 = A2021.replace("行政事业性收费 | 12.5 |", "行政事业性收费 | 125000元 |")

# 一 4 + 二 1 = 三(七) 3 + 四 2, natural persons and one company.
APPLICATION_VALUES = {
    "1": "3 | 1 | 0 | 0 | 0 | 0 | 4",
    "2": "1 | 0 | 0 | 0 | 0 | 0 | 1",
    "3.1": "2 | 1 | 0 | 0 | 0 | 0 | 3",
    "3.7": "2 | 1 | 0 | 0 | 0 | 0 | 3",
    "4": "2 | 0 | 0 | 0 | 0 | 0 | 2",
}


def applications_table(template):
    lines = [
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 申请人情况 |",
        "自然人 | 法人或其他组织 | 总计 |",
        "商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |",
    ]
    for row in t.APPLICATION_ROWS[template]:
        lines.append(f"{row.label} | {APPLICATION_VALUES.get(row.code, '0 | 0 | 0 | 0 | 0 | 0 | 0')} |")
    return "\n".join(lines)


REVIEW = """四、政府信息公开行政复议、行政诉讼情况
行政复议 | 行政诉讼 |
结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |
1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |"""


def report(new_applications_quoted=4, review=REVIEW):
    return f"""漳平市人民政府2021年政府信息公开工作年度报告
一、总体情况
本报告统计期限自2021年1月1日至12月31日。2021年共收到政府信息公开申请{new_applications_quoted}件。
二、主动公开政府信息情况
{ARTICLE20_2021}
三、收到和处理政府信息公开申请情况
{applications_table("2021")}
{review}
五、存在的主要问题及改进情况
略。
六、其他需要报告的事项
本年度未收取信息处理费。
漳平市人民政府
2022年1月20日
"""


def test_parse_report_loads_a_clean_report(resolver):
    parsed = parse_report(report(), "mem://zhangping-2021.txt", "abc123", resolver)
    assert (parsed.status, parsed.template, parsed.conversion) == ("loaded", "2021", "none")
    assert (parsed.jurisdiction_code, parsed.agency, parsed.year) == ("350881", "人民政府", 2021)
    assert parsed.title == "漳平市人民政府2021年政府信息公开工作年度报告"
    assert str(parsed.published_on) == "2022-01-20"
    assert (len(parsed.article20), len(parsed.applications), len(parsed.review_litigation)) == (10, 175, 15)
    assert parsed.issues == []
    fee = next(r for r in parsed.article20 if r["category"] == "fees")
    assert (fee["value"], fee["unit"], fee["raw"]) == (Decimal("12.5"), "万元", "125000元")
    total_new = next(r for r in parsed.applications if r["row_code"] == "1" and r["applicant"] == "total")
    assert total_new["value"] == Decimal(4)
    assert parsed.review_litigation[4]["value"] == Decimal(1)


def test_parse_report_narrative_mismatch_is_a_warning(resolver):
    parsed = parse_report(report(new_applications_quoted=9), "mem://x", "abc", resolver)
    assert parsed.status == "loaded"
    assert [(i.check_code, i.expected, i.actual) for i in parsed.issues] == [
        ("narrative_new_applications", Decimal(4), Decimal(9)),
    ]


def test_parse_report_missing_table(resolver):
    parsed = parse_report(report(review=""), "mem://x", "abc", resolver)
    assert parsed.review_litigation == []
    assert [(i.table_name, i.check_code) for i in parsed.issues] == [("review_litigation", "table_missing")]


def test_parse_report_values_lost(resolver):
    lost = REVIEW.replace("1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |", "| | | |")
    parsed = parse_report(report(review=lost), "mem://x", "abc", resolver)
    assert parsed.review_litigation == []
    assert [(i.table_name, i.check_code) for i in parsed.issues] == [("review_litigation", "table_values_lost")]


def test_parse_report_free_form(resolver):
    text = "漳平市人民政府2015年政府信息公开工作年度报告\n本年度主动公开政府信息1000条。"
    parsed = parse_report(text, "mem://x", "abc", resolver)
    assert (parsed.status, parsed.template, parsed.year) == ("no_tables", "pre2019", 2015)
    assert [i.check_code for i in parsed.issues] == ["no_national_tables"]


def test_parse_report_without_place_is_quarantined(resolver):
    parsed = parse_report("本机关2020年政府信息公开工作年度报告", "mem://x", "abc", resolver)
    assert parsed.status == "quarantined"
    assert [(i.check_code, i.severity) for i in parsed.issues] == [("quarantined", "error")]


def test_parse_report_of_a_recent_year_without_tables_is_an_error(resolver):
    text = "漳平市人民政府2020年政府信息公开工作年度报告\n本年度主动公开政府信息1000条。"
    parsed = parse_report(text, "mem://x", "abc", resolver)
    assert (parsed.status, parsed.template, parsed.year) == ("no_tables", "2019", 2020)
    assert [(i.check_code, i.severity) for i in parsed.issues] == [("no_national_tables", "error")]


def test_parse_report_narrative_review_count_is_checked(resolver):
    text = report().replace("本报告统计期限", "全年共收到行政复议3件。本报告统计期限")
    parsed = parse_report(text, "mem://x", "abc", resolver)
    assert [(i.check_code, i.severity, i.expected, i.actual) for i in parsed.issues] == [
        ("narrative_reviews", "warning", Decimal(1), Decimal(3)),
    ]
