"""Loading is idempotent, versioned and never loses a file."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

import etl.load
import etl.pipeline
from etl.pipeline import process_files
from tests.conftest import SEEDS, seed_paths

SUZHOU = SEEDS / "003_2b6abe27bfe85e6a.txt"


def _rows(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def _snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table and view ogi owns, in a stable order."""
    with engine.connect() as conn:
        names = [
            f"core.{t}" for t in conn.execute(sa.text(
                "select table_name from information_schema.tables where table_schema = 'core' order by 1"
            )).scalars()
        ] + ["v_reports", "v_article20_long", "v_applications_long", "v_review_litigation_long", "v_quality_issues"]
        return {name: sorted(map(tuple, conn.execute(sa.text(f"select * from {name}"))), key=repr) for name in names}


def test_running_the_seeds_twice_leaves_every_table_identical(engine):
    process_files(seed_paths(), engine)
    first = _snapshot(engine)
    outcomes = process_files(seed_paths(), engine)
    assert [o.action for o in outcomes] == ["unchanged"] * 5
    second = _snapshot(engine)
    assert second == first
    assert len(first["core.application_cell"]) == 3 * 161  # not empty: the comparison means something


def test_forced_reprocessing_replaces_rows_in_place(engine):
    process_files([SUZHOU], engine)
    before = _snapshot(engine)
    outcomes = process_files([SUZHOU], engine, force=True)
    assert [o.action for o in outcomes] == ["reprocessed"]
    after = _snapshot(engine)
    assert after["core.application_cell"] == before["core.application_cell"]
    assert len(after["core.report"]) == 1


def test_a_new_parser_version_reprocesses_unchanged_files(engine, monkeypatch):
    process_files([SUZHOU], engine)
    monkeypatch.setattr(etl.load, "PARSER_VERSION", "9.9.9")
    outcomes = process_files([SUZHOU], engine)
    assert [o.action for o in outcomes] == ["reprocessed"]
    assert _rows(engine, "select parser_version, is_current from core.report") == [("9.9.9", True)]


def test_a_changed_file_replaces_the_report_and_keeps_the_old_version(engine, tmp_path):
    path = tmp_path / "suzhou.txt"
    shutil.copy(SUZHOU, path)
    [first] = process_files([path], engine)
    path.write_text(SUZHOU.read_text(encoding="utf-8").replace("1885 |", "1886 |"), encoding="utf-8")
    [second] = process_files([path], engine)
    assert (first.action, second.action) == ("new", "replaced")

    assert _rows(engine, "select count(*) from v_reports") == [(1,)]
    assert _rows(engine, "select report_id from v_reports") == [(second.report_id,)]
    assert _rows(
        engine, "select report_id, is_current, superseded_by from core.report order by report_id"
    ) == [(first.report_id, False, second.report_id), (second.report_id, True, None)]
    projects = "select value from {} where item = '20.9' and metric = 'projects' and report_id = :r"
    assert _rows(engine, projects.format("v_article20_long"), r=second.report_id) == [(Decimal(1886),)]
    assert _rows(engine, projects.format("v_article20_long"), r=first.report_id) == []  # history, not current
    assert _rows(engine, projects.format("core.article20_cell"), r=first.report_id) == [(Decimal(1885),)]


def test_unreadable_files_are_quarantined_with_a_reason_and_the_run_goes_on(engine, tmp_path):
    (tmp_path / "a_report.pdf").write_bytes(b"%PDF-1.4 not really")
    (tmp_path / "b_empty.txt").write_bytes(b"  \n")
    (tmp_path / "c_binary.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "d_no_place.txt").write_text("2020年政府信息公开工作年度报告\n统计期限从2020年1月1日到12月31日止。\n", encoding="utf-8")
    shutil.copy(SUZHOU, tmp_path / "e_suzhou.txt")
    outcomes = process_files(sorted(tmp_path.iterdir()), engine)
    assert [o.status for o in outcomes] == ["quarantined"] * 4 + ["loaded"]
    details = dict(_rows(engine, "select source_uri, status_detail from v_reports where status = 'quarantined'"))
    assert "PDF" in details[str(tmp_path / "a_report.pdf")]
    assert details[str(tmp_path / "b_empty.txt")] == "文件是空的"
    assert "无法按 UTF-8 或 GB18030 解码" in details[str(tmp_path / "c_binary.txt")]
    assert "行政区划" in details[str(tmp_path / "d_no_place.txt")]
    assert _rows(
        engine, "select count(*) from v_quality_issues where check_code = 'quarantined' and severity = 'error'"
    ) == [(4,)]


def test_gbk_encoded_report_is_read(engine, tmp_path):
    path = tmp_path / "suzhou_gbk.txt"
    path.write_bytes(SUZHOU.read_text(encoding="utf-8").encode("gbk", errors="strict"))
    [outcome] = process_files([path], engine)
    assert outcome.status == "loaded"
    assert _rows(engine, "select count(*) from v_applications_long") == [(161,)]


def test_a_parser_failure_quarantines_the_file_instead_of_stopping_the_run(engine, monkeypatch):
    def broken(*_args, **_kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(etl.pipeline, "parse_report", broken)
    outcomes = process_files([SUZHOU, SEEDS / "004_236d9db50fe3c22f.txt"], engine)
    assert [o.status for o in outcomes] == ["quarantined", "quarantined"]
    [(detail,)] = _rows(engine, "select status_detail from v_reports where source_uri = :u", u=str(SUZHOU))
    assert "KeyError" in detail and "缺陷" in detail


def test_a_file_that_reads_after_being_quarantined_replaces_its_quarantine(engine, tmp_path):
    path = tmp_path / "report.txt"
    path.write_text("无法识别的内容\n", encoding="utf-8")
    process_files([path], engine)
    shutil.copy(SUZHOU, path)
    process_files([path], engine)
    assert _rows(engine, "select status from v_reports") == [("loaded",)]
    assert _rows(engine, "select count(*) from core.report") == [(2,)]


def test_carryover_across_years_is_checked_whichever_year_arrives_first(engine, tmp_path):
    # A made-up 2021 report for 苏州市: the same tables, so its 二、上年结转 (78, 6, …, 84) does not
    # match the 2020 report's 四、结转下年度继续办理 (96, 7, …, 103).
    next_year = tmp_path / "suzhou_2021.txt"
    next_year.write_text(SUZHOU.read_text(encoding="utf-8").replace("2020年", "2021年"), encoding="utf-8")
    process_files([next_year], engine)
    assert _rows(engine, "select count(*) from v_quality_issues where check_code = 'carryover_matches_previous_year'") == [(0,)]
    process_files([SUZHOU], engine)
    carryover = _rows(
        engine,
        "select year, severity, expected, actual from v_quality_issues "
        "where check_code = 'carryover_matches_previous_year' order by expected",
    )
    # Blank cells (the organisations other than 商业企业) do not count as breaks.
    assert carryover == [
        (2021, "error", Decimal(7), Decimal(6)),
        (2021, "error", Decimal(96), Decimal(78)),
        (2021, "error", Decimal(103), Decimal(84)),
    ]
    [(detail,)] = _rows(
        engine,
        "select detail from v_quality_issues where check_code = 'carryover_matches_previous_year' and expected = 96",
    )
    assert "自然人" in detail and "2020" in detail and "78" in detail
    assert _rows(engine, "select issue_count from v_reports where year = 2021") == [(3,)]


def test_a_local_row_is_kept_as_printed_and_shifts_nothing(engine, tmp_path):
    path = tmp_path / "suzhou_local_row.txt"
    text = SUZHOU.read_text(encoding="utf-8")
    marker = "第二十条第(五)项 |"
    assert marker in text
    path.write_text(text.replace(marker, "其他主动公开文件 |\n7 |\n0 |\n9 |\n" + marker, 1), encoding="utf-8")
    process_files([path], engine)
    assert _rows(engine, "select table_name, row_no, row_label, position, value, raw from v_local_rows_long order by position") == [
        ("article20", 1, "其他主动公开文件", 1, Decimal(7), "7"),
        ("article20", 1, "其他主动公开文件", 2, Decimal(0), "0"),
        ("article20", 1, "其他主动公开文件", 3, Decimal(9), "9"),
    ]
    # The template's cells around it are exactly those of the unmodified report.
    assert _rows(engine, "select value from v_article20_long where category = 'licensing' order by metric") == [
        (Decimal(8087315),), (Decimal(0),), (Decimal(285),),
    ]
    assert _rows(engine, "select check_code, severity from v_quality_issues") == [("unrecognised_row", "warning")]


def test_a_damaged_legacy_doc_is_quarantined_with_a_reason(engine, tmp_path):
    path = tmp_path / "report.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    [outcome] = process_files([path], engine)
    assert outcome.status == "quarantined"
    [(detail,)] = _rows(engine, "select status_detail from v_reports")
    assert detail.startswith("不是有效的 Word 97-2003 (.doc) 文件")


def test_a_spreadsheet_is_quarantined_as_not_a_report_format(engine, tmp_path):
    path = tmp_path / "stats.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"xl/workbook.xml" + b"\x00" * 100)
    [outcome] = process_files([path], engine)
    assert outcome.status == "quarantined"
    [(detail,)] = _rows(engine, "select status_detail from v_reports")
    assert detail.startswith("Excel")


def test_checks_across_years_give_the_same_rows_as_the_view_before_speed_v1(engine, tmp_path):
    # speed_v1 finds the previous year's report through an index instead of joining the
    # current_report CTE to itself; the rows must be exactly those of history_v1's definition.
    from dataclasses import replace

    from etl.config import SQL_DIR
    from tests.fixtures.generate import load_spec, render_variant

    spec = load_spec("report_2021")  # 苏州市 2022, 2021 template: 规范性文件 45 issued, 12 repealed, 310 in force
    # 2021 with 277 in force, so that 2022's 310 = 277 + 45 - 12 holds (規章: blank repealed, no check).
    earlier = replace(spec, year=2021, article20=tuple(
        {**row, "value": "277", "raw": "277"}
        if (row["category"], row["metric"]) == ("normative_documents", "in_force") else row
        for row in spec.article20
    ))
    files = []
    for name, report, variant in (
        ("2021.txt", earlier, "text-pipe"),
        ("2022.txt", spec, "text-pipe"),
        ("2022_other_source.html", spec, "html-utf-8-meta"),  # one identity, two current reports
        ("2023.txt", replace(spec, year=2023), "text-pipe"),  # 310 ≠ 310 + 45 - 12: breaks, against each 2022
    ):
        path = tmp_path / name
        path.write_bytes(render_variant(report, variant).data)
        files.append(path)
    process_files(files, engine)

    old = (SQL_DIR / "history_v1" / "01_v_quality_issues.sql").read_text(encoding="utf-8")
    old = old.replace("create or replace view v_quality_issues", "create temporary view old_quality_issues")
    assert "old_quality_issues" in old
    columns = "report_id, table_name, check_code, severity, detail, expected, actual, issue_no, jurisdiction_name"
    with engine.connect() as conn:
        conn.execute(sa.text(old))
        before = sorted(map(tuple, conn.execute(sa.text(f"select {columns} from old_quality_issues"))), key=repr)
        after = sorted(map(tuple, conn.execute(sa.text(f"select {columns} from v_quality_issues"))), key=repr)
        years = dict(conn.execute(sa.text("select report_id, year from core.report where is_current")).all())
    assert after == before
    in_force = [(years[r[0]], r[5], r[6]) for r in after if r[2] == "in_force_follows_previous_year"]
    assert in_force == [(2023, Decimal(343), Decimal(310))] * 2
    assert len([r for r in after if r[2] == "identity_conflict"]) == 2
