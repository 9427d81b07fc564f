from datetime import date

import pytest

from etl.jurisdictions import JurisdictionResolver
from etl.metadata import find_published_on, read_metadata


@pytest.fixture(scope="module")
def resolver():
    return JurisdictionResolver.from_csv()


def test_title_year_identity(resolver):
    meta = read_metadata("苏州市人民政府2020年政府信息公开工作年度报告\n一、总体情况", resolver)
    assert meta.title == "苏州市人民政府2020年政府信息公开工作年度报告"
    assert (meta.jurisdiction_code, meta.agency, meta.year) == ("320500", "人民政府", 2020)
    assert meta.issues == []


def test_statistics_period_beats_title_year(resolver):
    text = "苏州市人民政府2021年政府信息公开工作年度报告\n本报告统计期限从2020年1月1日到12月31日止。"
    meta = read_metadata(text, resolver)
    assert meta.year == 2020
    [issue] = meta.issues
    assert (issue.check_code, issue.severity) == ("year_conflict", "warning")
    assert (issue.expected, issue.actual) == (2020, 2021)


def test_statistics_period_agreeing_with_title_is_silent(resolver):
    text = "苏州市人民政府2020年政府信息公开工作年度报告\n本报告统计期限从2020年1月1日到12月31日止。"
    meta = read_metadata(text, resolver)
    assert (meta.year, meta.issues) == (2020, [])


def test_statistics_period_without_title(resolver):
    text = "一、总体情况\n统计时间自2019年1月1日起至2019年12月31日。漳平市人民政府坚持公开。"
    assert read_metadata(text, resolver).year == 2019


def test_identity_inferred_without_title(resolver):
    text = "一、总体情况\n2020年，苏州市人民政府坚持……苏州市政府门户网站……漳平市人民政府来访。"
    meta = read_metadata(text, resolver)
    assert meta.title is None
    assert (meta.jurisdiction_code, meta.agency) == ("320500", "人民政府")
    [issue] = meta.issues
    assert (issue.check_code, issue.severity) == ("identity_inferred", "warning")
    assert "苏州市" in issue.detail and "漳平市" in issue.detail


def test_nothing_to_identify(resolver):
    meta = read_metadata("一、总体情况\n本机关坚持公开。", resolver)
    assert (meta.jurisdiction_code, meta.agency, meta.year, meta.issues) == (None, None, None, [])


def test_department_report(resolver):
    meta = read_metadata("苏州市财政局2020年政府信息公开工作年度报告", resolver)
    assert (meta.jurisdiction_code, meta.agency, meta.year) == ("320500", "财政局", 2020)


def test_government_office_report(resolver):
    meta = read_metadata("苏州市人民政府办公室2020年度政府信息公开工作年度报告", resolver)
    assert (meta.jurisdiction_code, meta.agency, meta.year) == ("320500", "人民政府办公室", 2020)


def test_title_after_leading_words(resolver):
    meta = read_metadata("现发布苏州市人民政府2020年政府信息公开工作年度报告", resolver)
    assert (meta.jurisdiction_code, meta.agency) == ("320500", "人民政府")


def test_title_with_guanyu(resolver):
    meta = read_metadata("苏州市人民政府关于2020年政府信息公开工作年度报告", resolver)
    assert meta.agency == "人民政府"


def test_title_with_year_first(resolver):
    meta = read_metadata("2020年苏州市人民政府政府信息公开工作年度报告", resolver)
    assert (meta.year, meta.jurisdiction_code, meta.agency) == (2020, "320500", "人民政府")


@pytest.mark.parametrize(
    "text, published",
    [
        ("标题\n发布时间:2021-03-10  浏览次数", date(2021, 3, 10)),
        ("标题\n发布日期：2021年3月31日", date(2021, 3, 31)),
        ("标题\n成文日期：2021/01/28", date(2021, 1, 28)),
        ("标题\n正文。\n苏州市人民政府\n2021年3月10日\n", date(2021, 3, 10)),
        ("标题\n2020年1月1日起施行。\n苏州市人民政府\n2021年1月20日\n附件：统计表\n", date(2021, 1, 20)),
        ("标题\n正文提到2021年3月10日。", None),
        ("标题\n发布时间:2021-02-30", None),  # no such day
    ],
)
def test_published_on(text, published):
    assert find_published_on(text) == published


def test_published_date_in_metadata(resolver):
    meta = read_metadata("苏州市财政局2020年政府信息公开工作年度报告\n发布时间:2021-03-10", resolver)
    assert meta.published_on == date(2021, 3, 10)


# --- Hints from a URL manifest -------------------------------------------------------------------

from etl.metadata import Hints, apply_hints  # noqa: E402


def test_hints_fill_what_the_report_does_not_print(resolver):
    meta = read_metadata("本机关政府信息公开工作年度报告。", resolver)
    meta = apply_hints(meta, Hints("350881", "人民政府", 2020), resolver)
    assert (meta.jurisdiction_code, meta.agency, meta.year) == ("350881", "人民政府", 2020)
    assert meta.issues == []


def test_hints_replace_an_inferred_identity_but_not_a_printed_one(resolver):
    inferred = read_metadata("漳平市人民政府办公室汇总。龙岩市人民政府通知。漳平市人民政府。", resolver)
    assert [i.check_code for i in inferred.issues] == ["identity_inferred"]
    hinted = apply_hints(inferred, Hints("龙岩市", "财政局"), resolver)
    assert (hinted.jurisdiction_code, hinted.agency) == ("350800", "财政局")
    assert hinted.issues == []

    printed = read_metadata("苏州市人民政府2020年政府信息公开工作年度报告", resolver)
    kept = apply_hints(printed, Hints("320500", "人民政府", 2021), resolver)
    assert (kept.jurisdiction_code, kept.year) == ("320500", 2020)
    assert [(i.check_code, i.severity) for i in kept.issues] == [("hint_disagrees", "warning")]
    assert "2021" in kept.issues[0].detail and "2020" in kept.issues[0].detail


def test_an_unknown_hint_is_reported_not_used(resolver):
    meta = apply_hints(read_metadata("苏州市人民政府2020年政府信息公开工作年度报告", resolver),
                       Hints("999999"), resolver)
    assert meta.jurisdiction_code == "320500"
    assert [i.check_code for i in meta.issues] == ["hint_unknown"]
