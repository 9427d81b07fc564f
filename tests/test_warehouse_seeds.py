"""The five seed reports through extract → transform → load, checked in the analysts' views."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from etl.pipeline import process_files
from tests.conftest import EXPECTED, SEEDS, seed_paths

SEED_001 = "001_e246dbc8ebcc4636"
SEED_003 = "003_2b6abe27bfe85e6a"
SEED_004 = "004_236d9db50fe3c22f"


@pytest.fixture
def loaded(engine):
    outcomes = process_files(seed_paths(), engine)
    assert [o.action for o in outcomes] == ["new"] * 5
    return engine


def _rows(engine, sql: str, **params) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]


def _report_id(engine, seed: str) -> int:
    return _rows(engine, "select report_id from v_reports where source_uri = :u", u=str(SEEDS / f"{seed}.txt"))[0]["report_id"]


def test_every_seed_is_identified_from_its_own_text(loaded):
    reports = _rows(
        loaded,
        "select jurisdiction_name, jurisdiction_code, year, template, agency, status "
        "from v_reports order by source_uri",
    )
    assert [tuple(r.values()) for r in reports] == [
        ("太原市", "140100", 2020, "2019", "人民政府", "no_tables"),
        ("漳平市", "350881", 2020, "2019", "人民政府", "loaded"),
        ("楚雄市", "532301", 2018, "pre2019", "人民政府", "no_tables"),
        ("苏州市", "320500", 2020, "2019", "人民政府", "loaded"),
        ("乌鲁木齐市", "650100", 2020, "2019", "人民政府", "loaded"),
    ]


def test_report_metadata_where_printed(loaded):
    reports = {
        r["jurisdiction_code"]: r
        for r in _rows(loaded, "select jurisdiction_code, title, published_on::text, conversion, sha256 from v_reports")
    }
    assert reports["650100"]["title"] == "乌鲁木齐市人民政府2020年政府信息公开工作年度报告"
    assert reports["650100"]["published_on"] == "2021-03-10"
    assert reports["532301"]["published_on"] == "2019-01-14"
    assert reports["350881"]["published_on"] == "2021-01-29"  # the date under the signature
    assert reports["320500"]["published_on"] is None  # not printed
    assert reports["140100"]["conversion"] == "opencc:tw2s+ogi-phrases-v2"  # Taiwan-phrased traditional characters
    assert reports["320500"]["conversion"] == "none"
    import hashlib

    assert reports["320500"]["sha256"] == hashlib.sha256((SEEDS / f"{SEED_003}.txt").read_bytes()).hexdigest()


def _expected(seed: str, table: str) -> list[dict]:
    with open(EXPECTED / seed / f"{table}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _decimal_or_none(text: str) -> Decimal | None:
    return Decimal(text) if text != "" else None


VIEW_OF = {
    "article20": ("v_article20_long", ["item", "category", "metric"], True),
    "applications": ("v_applications_long", ["row_code", "applicant"], False),
    "review_litigation": ("v_review_litigation_long", ["proceeding", "outcome"], False),
}


@pytest.mark.parametrize("seed", [SEED_001, SEED_003, SEED_004])
@pytest.mark.parametrize("table", list(VIEW_OF))
def test_every_cell_equals_the_source(loaded, seed, table):
    view, keys, has_unit = VIEW_OF[table]
    report_id = _report_id(loaded, seed)
    got = {
        tuple(r[k] for k in keys): r
        for r in _rows(loaded, f"select * from {view} where report_id = :r", r=report_id)
    }
    expected = _expected(seed, table)
    assert len(got) == len(expected)
    for row in expected:
        key = tuple(row[k] for k in keys)
        cell = got[key]
        assert cell["value"] == _decimal_or_none(row["value"]), key
        assert (cell["raw"] or "") == row["raw"], key
        if has_unit:
            assert (cell["unit"] or "") == row["unit"], key


def test_blank_cells_are_null_not_zero(loaded):
    blanks = _rows(
        loaded,
        "select row_code, applicant, value, raw from v_applications_long where report_id = :r and value is null",
        r=_report_id(loaded, SEED_004),
    )
    assert blanks == [{"row_code": "1", "applicant": "other_org", "value": None, "raw": ""}]


def test_lost_tables_yield_no_cells_and_an_error(loaded):
    report_id = _report_id(loaded, "000_b904a5622445d861")
    for view in ("v_article20_long", "v_applications_long", "v_review_litigation_long"):
        assert _rows(loaded, f"select 1 from {view} where report_id = :r", r=report_id) == []
    lost = _rows(
        loaded,
        "select table_name, severity from v_quality_issues where report_id = :r and check_code = 'table_values_lost' "
        "order by table_name",
        r=report_id,
    )
    assert lost == [
        {"table_name": "applications", "severity": "error"},
        {"table_name": "article20", "severity": "error"},
        {"table_name": "review_litigation", "severity": "error"},
    ]


def test_free_form_2018_report_warns_and_has_no_error(loaded):
    issues = _rows(
        loaded,
        "select check_code, severity from v_quality_issues where report_id = :r",
        r=_report_id(loaded, "002_7cc22e727452566f"),
    )
    assert issues == [{"check_code": "no_national_tables", "severity": "warning"}]


def test_every_arithmetic_break_is_reported_with_labels_and_numbers(loaded):
    errors = _rows(
        loaded,
        "select jurisdiction_code, table_name, check_code, detail, expected, actual from v_quality_issues "
        "where severity = 'error' and check_code not in ('table_values_lost') order by jurisdiction_code, check_code, expected",
    )
    found = [(e["jurisdiction_code"], e["check_code"], e["expected"], e["actual"]) for e in errors]
    assert found == [
        # 漳平市: the outcomes add up to 20 (自然人) and 25 (总计), the printed （七）总计 says 23 and 28.
        ("350881", "applications_outcome_total", Decimal(20), Decimal(23)),
        ("350881", "applications_outcome_total", Decimal(25), Decimal(28)),
        # 乌鲁木齐市: 一 + 二 = 150 for 自然人, but （七）总计 + 四 = 148.
        ("650100", "applications_balance", Decimal(150), Decimal(148)),
        # 乌鲁木齐市: 四、结转下年度 prints 0 in every column but 2 as its total.
        ("650100", "applications_row_total", Decimal(0), Decimal(2)),
        # 乌鲁木齐市: 未经复议直接起诉 78 + 24 + 12 + 65 = 179, total printed 178.
        ("650100", "review_litigation_total", Decimal(179), Decimal(178)),
    ]
    details = {e["check_code"] + e["jurisdiction_code"]: e["detail"] for e in errors}
    assert "自然人列" in details["applications_balance650100"]
    assert "一、本年新收政府信息公开申请数量(150)" in details["applications_balance650100"]
    assert "结果维持(78)" in details["review_litigation_total650100"]
    assert "总计为 178" in details["review_litigation_total650100"]


def test_a_report_whose_arithmetic_holds_has_no_error(loaded):
    issues = _rows(loaded, "select * from v_quality_issues where report_id = :r", r=_report_id(loaded, SEED_003))
    assert issues == []
    assert _rows(loaded, "select issue_count from v_reports where report_id = :r", r=_report_id(loaded, SEED_003)) == [
        {"issue_count": 0}
    ]
