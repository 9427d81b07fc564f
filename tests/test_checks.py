from decimal import Decimal

from etl import templates as t
from etl.checks import check_applications, check_narrative, check_review_litigation
from etl.narrative import read_facts

COLUMN = dict(zip(t.APPLICANTS, ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]))
LABEL = {row.code: row.label for row in t.APPLICATION_ROWS["2019"]}

# A table that adds up: 一 (4) + 二 (1) = 三(七)总计 (3) + 四 (2).
BALANCED = {
    "1": (3, 1, 0, 0, 0, 0, 4),
    "2": (1, 0, 0, 0, 0, 0, 1),
    "3.1": (2, 1, 0, 0, 0, 0, 3),
    "3.7": (2, 1, 0, 0, 0, 0, 3),
    "4": (2, 0, 0, 0, 0, 0, 2),
}


def application_rows(changes=None, template="2019"):
    values = {**BALANCED, **(changes or {})}
    rows = []
    for row in t.APPLICATION_ROWS[template]:
        cells = values.get(row.code, (0,) * 7)
        for applicant, value in zip(t.APPLICANTS, cells):
            rows.append({
                "row_code": row.code,
                "applicant": applicant,
                "value": None if value is None else Decimal(value),
                "row_label": row.label,
                "column_label": COLUMN[applicant],
            })
    return rows


def test_balanced_table_has_no_issues():
    assert check_applications(application_rows(), "2019") == []
    assert check_applications(application_rows(template="2021"), "2021") == []


def test_balance_break():
    # 四 natural persons 2 → 5: 3 + 1 = 4 but 2 + 5 = 7 (and the row total is kept right).
    issues = check_applications(application_rows({"4": (5, 0, 0, 0, 0, 0, 5)}), "2019")
    balance = [i for i in issues if i.check_code == "applications_balance"]
    assert [(i.expected, i.actual) for i in balance] == [(Decimal(4), Decimal(7)), (Decimal(5), Decimal(8))]
    assert {i.severity for i in balance} == {"error"}
    natural = balance[0].detail
    assert natural.startswith("自然人列")
    assert LABEL["1"] in natural and LABEL["2"] in natural and LABEL["4"] in natural
    assert {i.check_code for i in issues} == {"applications_balance"}


def test_blank_cell_stops_a_check():
    # 二 natural persons blank: the balance and row-total checks that need it do not run.
    assert check_applications(application_rows({"2": (None, 0, 0, 0, 0, 0, 1)}), "2019") == []
    # the same cell as 0 is a break (so the blank really is what kept the checks quiet)
    assert check_applications(application_rows({"2": (0, 0, 0, 0, 0, 0, 1)}), "2019") != []


def test_row_total_break():
    # 予以公开 total printed 3 but the applicants add up to 4: row and outcome checks both break.
    issues = check_applications(application_rows({"3.1": (3, 1, 0, 0, 0, 0, 3)}), "2019")
    row_total = [i for i in issues if i.check_code == "applications_row_total"]
    assert len(row_total) == 1
    assert (row_total[0].expected, row_total[0].actual) == (Decimal(4), Decimal(3))
    assert "(一)予以公开" in row_total[0].detail
    assert "自然人(3)" in row_total[0].detail


def test_outcome_total_break():
    # 予以公开 5 natural persons, row total kept right (6); （七）总计 still says 2 and 3.
    issues = check_applications(application_rows({"3.1": (5, 1, 0, 0, 0, 0, 6)}), "2019")
    assert {i.check_code for i in issues} == {"applications_outcome_total"}
    by_column = {i.detail.split("列")[0]: (i.expected, i.actual) for i in issues}
    assert by_column == {"自然人": (Decimal(5), Decimal(2)), "总计": (Decimal(6), Decimal(3))}


def test_outcome_total_uses_2021_rows():
    issues = check_applications(application_rows({"3.6.3": (1, 0, 0, 0, 0, 0, 1)}, template="2021"), "2021")
    assert sorted((i.detail.split("列")[0], i.expected, i.actual) for i in issues) == [
        ("总计", Decimal(4), Decimal(3)), ("自然人", Decimal(3), Decimal(2)),
    ]


def review_rows(values):
    return [
        {"proceeding": p, "outcome": o, "value": None if v is None else Decimal(v)}
        for p, block in zip(t.PROCEEDINGS, values)
        for o, v in zip(t.OUTCOMES, block)
    ]


def test_review_litigation_totals_hold():
    assert check_review_litigation(review_rows([(1, 2, 3, 4, 10), (0, 0, 0, 0, 0), (1, 0, 0, 1, 2)])) == []


def test_review_litigation_block_total_break():
    issues = check_review_litigation(review_rows([(1, 2, 3, 4, 10), (5, 0, 0, 0, 4), (1, 0, 0, 1, 2)]))
    assert len(issues) == 1
    issue = issues[0]
    assert (issue.check_code, issue.severity) == ("review_litigation_total", "error")
    assert (issue.expected, issue.actual) == (Decimal(5), Decimal(4))
    assert "未经复议直接起诉" in issue.detail


def test_review_litigation_blank_stops_check():
    assert check_review_litigation(review_rows([(1, None, 3, 4, 99), (0,) * 5, (0,) * 5])) == []


def test_narrative_differs():
    rows = application_rows()  # 一、本年新收 总计 = 4
    issues = check_narrative(read_facts("2020年，本机关共收到政府信息公开申请5件。"), rows)
    assert [(i.check_code, i.severity, i.expected, i.actual) for i in issues] == [
        ("narrative_new_applications", "warning", Decimal(4), Decimal(5)),
    ]


def test_narrative_equal_is_silent():
    assert check_narrative(read_facts("2020年，本机关共收到政府信息公开申请4件。"), application_rows()) == []


def test_narrative_without_table_is_silent():
    assert check_narrative(read_facts("共收到政府信息公开申请5件。"), []) == []
