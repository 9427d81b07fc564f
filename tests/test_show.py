"""`ogi show`: a report's tables as grids, exactly as read, beside its quality issues."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from etl.pipeline import process_files
from etl.show import BLANK, NOT_READ, ReportNotFound, display_width, find_report, grid, render_report, where
from tests.conftest import EXPECTED, SEEDS

SEED_004 = SEEDS / "004_236d9db50fe3c22f.txt"


def test_seed_004_is_shown_as_the_expected_grid(engine):
    [outcome] = process_files([SEED_004], engine)
    shown = render_report(engine, outcome.report_id)
    expected = (EXPECTED / "show_004.txt").read_text(encoding="utf-8").format(
        report_id=outcome.report_id, source_uri=str(SEED_004))
    assert shown == expected


def test_a_report_is_found_by_id_path_or_same_bytes(engine, tmp_path):
    [outcome] = process_files([SEED_004], engine)
    assert find_report(engine, str(outcome.report_id)) == outcome.report_id
    assert find_report(engine, str(SEED_004)) == outcome.report_id
    copy = tmp_path / "moved.txt"
    copy.write_bytes(SEED_004.read_bytes())
    assert find_report(engine, str(copy)) == outcome.report_id
    with pytest.raises(ReportNotFound):
        find_report(engine, "999999")
    with pytest.raises(ReportNotFound):
        find_report(engine, "https://example.gov.cn/nothing.html")


def test_a_report_without_tables_says_so_with_its_issues(engine):
    [outcome] = process_files([SEEDS / "000_b904a5622445d861.txt"], engine)
    shown = render_report(engine, outcome.report_id)
    assert "no table cells were read from this report" in shown
    assert "table_values_lost" in shown


def test_grid_aligns_wide_characters_and_marks_blanks():
    lines = grid(["行", "总计"], [["规章", BLANK], ["行政许可", "12"]])
    assert len({display_width(line) for line in lines}) == 1
    assert lines[3] == "| 规章     | ·    |"
    assert where([{"source_line": 12, "source_page": None}, {"source_line": 14, "source_page": None}]) == "12-14"
    assert where([{"source_line": 40, "source_page": 2}]) == "p.2 40"
    assert NOT_READ != BLANK


def test_ogi_show_command(warehouse_url, engine):
    process_files([SEED_004], engine)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OGI_")}
    env.update(OGI_DATABASE_URL=warehouse_url, OGI_HOME=os.environ["OGI_HOME"])
    done = subprocess.run([sys.executable, "-m", "etl.cli", "show", str(SEED_004)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "乌鲁木齐市 650100" in done.stdout and "applications_balance" in done.stdout
    missing = subprocess.run([sys.executable, "-m", "etl.cli", "show", "424242"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and "no report '424242'" in missing.stderr


def test_lines_of_the_extracted_text_follow_a_number_back(engine, tmp_path):
    from etl.show import extracted_lines
    from tests.fixtures.generate import load_spec, render_variant

    [text_report] = process_files([SEED_004], engine)
    lines = extracted_lines(engine, text_report.report_id, 197, 199).splitlines()
    assert lines == ["   197  一、本年新收政府信息公开申请数量", "   198  ", "   199  150"]

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render_variant(load_spec("report_2021"), "pdf").data)
    [pdf_report] = process_files([pdf], engine)
    with engine.connect() as conn:
        line, page = conn.execute(sa.text(
            "select source_line, source_page from v_applications_long "
            "where report_id = :r and row_code = '3.1' and applicant = 'total'"), {"r": pdf_report.report_id}).one()
    shown = extracted_lines(engine, pdf_report.report_id, 1, line)
    assert f"--- page {page} ---" in shown
    assert shown.splitlines()[-1].startswith(f"{line:>6}  ") and "| 346 |" in shown.splitlines()[-1]
