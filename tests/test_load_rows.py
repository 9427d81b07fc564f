"""A report's rows reach the warehouse exactly as parsed: numbers digit for digit (scale and
exponent forms included), blanks as null (never zero), text with quotes, backslashes, line breaks
and characters outside the BMP unchanged. load_report sends each table's rows as one JSON
document; this is what a COPY or an INSERT of the same rows would store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from etl.quality import ERROR, WARNING, Issue
from etl.load import NEW, REPROCESSED, load_report
from etl.transform import LOADED, ParsedReport

TEXTS = ['引号"与\'撇号', "反斜杠\\n不是换行", "换行\n与\t制表", "emoji 😀 与 𠀀", "  前后空格  ", ""]
VALUES = [Decimal("0.50"), Decimal("1E+3"), Decimal("-0"), Decimal("123456789012345678901234567890.123"), None,
          Decimal("7")]


def _report(uri: str = "mem://rows.txt") -> ParsedReport:
    return ParsedReport(
        uri, "a" * 64, LOADED, template="2021", title="标题\n第二行", year=2021, jurisdiction_code="320500",
        agency="人民政府", agency_printed="苏州市人民政府", published_on=date(2022, 1, 31),
        article20=[
            {"item": f"项{n}", "category": "类", "metric": "数", "value": value, "unit": None if n % 2 else "件",
             "row_label": text, "column_label": None, "raw": text, "source_line": n, "source_page": None}
            for n, (value, text) in enumerate(zip(VALUES, TEXTS), 1)
        ],
        applications=[
            {"row_code": "1", "applicant": "自然人", "value": None, "row_label": "", "column_label": "列",
             "raw": "", "source_line": 3, "source_page": 2},
        ],
        review_litigation=[
            {"proceeding": "review", "outcome": "upheld", "value": Decimal("0"), "label": "维持", "raw": "0",
             "source_line": 9, "source_page": 1},
        ],
        local_rows=[
            {"table_name": "applications", "row_no": 1, "position": 2, "row_label": "其中：某项", "value": Decimal("3.0"),
             "raw": "3.0", "source_line": 40, "source_page": None},
        ],
        narrative_facts=[
            {"fact_no": 1, "fact": "applications_received", "value": Decimal("12"), "unit": "件",
             "sentence": "全年共收到申请12件。", "source_line": 5},
        ],
        issues=[
            Issue("applications", "sum", ERROR, "和不符：\"1\" + 2", expected=Decimal("3"), actual=Decimal("4")),
            Issue("report", "note", WARNING, "无数值"),
        ],
    )


def _table(engine, sql: str, report_id: int) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(sql), {"id": report_id})]


def _stored(engine, report_id: int) -> dict[str, list[tuple]]:
    return {
        "article20": _table(engine, "select item, category, metric, value, unit, row_label, column_label, raw, "
                                    "source_line, source_page from core.article20_cell where report_id = :id "
                                    "order by source_line", report_id),
        "applications": _table(engine, "select row_code, applicant, value, row_label, column_label, raw, source_line, "
                                       "source_page from core.application_cell where report_id = :id", report_id),
        "review_litigation": _table(engine, "select proceeding, outcome, value, label, raw, source_line, source_page "
                                            "from core.review_litigation_cell where report_id = :id", report_id),
        "local_rows": _table(engine, "select table_name, row_no, position, row_label, value, raw, source_line, "
                                     "source_page from core.local_row_cell where report_id = :id", report_id),
        "narrative_facts": _table(engine, "select fact_no, fact, value, unit, sentence, source_line "
                                          "from core.narrative_fact where report_id = :id", report_id),
        "issues": _table(engine, "select issue_no, table_name, check_code, severity, detail, expected, actual "
                                 "from core.quality_issue where report_id = :id order by issue_no", report_id),
        "report": _table(engine, "select title, published_on, agency_printed from core.report where report_id = :id",
                         report_id),
    }


def _expected(parsed: ParsedReport) -> dict[str, list[tuple]]:
    return {
        "article20": [tuple(row.values()) for row in parsed.article20],
        "applications": [tuple(row.values()) for row in parsed.applications],
        "review_litigation": [tuple(row.values()) for row in parsed.review_litigation],
        "local_rows": [tuple(row.values()) for row in parsed.local_rows],
        "narrative_facts": [tuple(row.values()) for row in parsed.narrative_facts],
        "issues": [(n, *issue.as_row().values()) for n, issue in enumerate(parsed.issues, 1)],
        "report": [(parsed.title, parsed.published_on, parsed.agency_printed)],
    }


def _numeric(value):
    """The value as PostgreSQL's numeric keeps it (as COPY or INSERT store it too): its scale,
    but neither an exponent form (1E+3 is 1000) nor a negative zero."""
    if isinstance(value, Decimal):
        if value.as_tuple().exponent > 0:
            value = value.quantize(Decimal(1))
        if value.is_zero():
            value = abs(value)
    return value


def _exact(rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    # Decimal("0.50") == Decimal("0.5"): compare the digits too, not just the value.
    return {name: [tuple((type(v).__name__, str(_numeric(v))) for v in row) for row in table]
            for name, table in rows.items()}


def test_every_row_is_stored_exactly_as_parsed(engine):
    parsed = _report()
    action, report_id = load_report(engine, parsed)
    assert action == NEW
    assert _exact(_stored(engine, report_id)) == _exact(_expected(parsed))


def test_reprocessing_replaces_the_rows_exactly(engine):
    _action, report_id = load_report(engine, ParsedReport("mem://rows.txt", "a" * 64, LOADED, template="2021",
                                                            year=2021, jurisdiction_code="320500", agency="人民政府"))
    parsed = _report()
    action, again = load_report(engine, parsed, force=True)
    assert (action, again) == (REPROCESSED, report_id)
    assert _exact(_stored(engine, report_id)) == _exact(_expected(parsed))


def test_the_run_summary_counts_the_same_issues_for_few_reports_as_for_many(engine, monkeypatch):
    # summarise reads the issues of few reports through a filter and of many through a join:
    # the two must count the same.
    import etl.pipeline
    from etl.pipeline import process_files, summarise
    from tests.conftest import seed_paths

    outcomes = process_files(seed_paths(), engine)
    few = summarise(engine, outcomes)
    monkeypatch.setattr(etl.pipeline, "FEW_REPORTS", 0)
    many = summarise(engine, outcomes)
    assert few.issues_by_check == many.issues_by_check and few.by_status == many.by_status
    assert few.issues_by_check  # the seeds have issues: the comparison means something


def test_a_run_that_loaded_many_reports_refreshes_the_statistics_before_its_summary(engine, monkeypatch):
    # Without statistics for the new rows, the summary's query over v_quality_issues is planned
    # blind (seconds at 10,000 reports); an unchanged run has nothing new to analyze.
    import etl.pipeline
    from etl.pipeline import process_files, summarise
    from tests.conftest import seed_paths

    def analyzed() -> int:
        with engine.connect() as conn:
            return conn.execute(sa.text(
                "select analyze_count from pg_stat_user_tables where schemaname = 'core' and relname = 'report'"
            )).scalar_one()

    monkeypatch.setattr(etl.pipeline, "ANALYZE_AFTER", 3)
    before = analyzed()
    outcomes = process_files(seed_paths(), engine)
    summarise(engine, outcomes)
    assert analyzed() == before + 1
    unchanged = process_files(seed_paths(), engine)
    assert {o.action for o in unchanged} == {"unchanged"}
    summarise(engine, unchanged)
    assert analyzed() == before + 1
