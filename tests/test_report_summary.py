"""v_report_summary equals the long views for every seed and every fixture; blank is not zero."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
import sqlalchemy as sa

from etl.load import load_report
from etl.pipeline import process_files
from tests.conftest import seed_paths
from tests.fixtures.generate import REPORTS, VARIANTS
from tests.test_provenance import read_fixture

NUMBERS = (
    "applications_new", "applications_carried_over", "disclosed", "partly_disclosed", "not_disclosed",
    "unable_to_provide", "not_processed", "other_handling", "applications_handled", "carried_forward",
    "reviews_total", "reviews_corrected", "lawsuits_total", "lawsuits_corrected", "normative_documents_in_force",
    "licensing_decisions", "penalty_decisions", "fee_amount_10k_yuan",
)


def _rows(engine, sql: str, **params) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]


def _strict_sum(values: list):
    """Known only when every part is (and there are parts)."""
    return sum(values) if values and all(v is not None for v in values) else None


def expected_from_long_views(engine, report_id: int) -> dict:
    """The summary's numbers recomputed from the long views (the contract's definitions)."""
    apps = {r["row_code"]: r["value"] for r in _rows(
        engine, "select row_code, value from v_applications_long where report_id = :r and applicant = 'total'", r=report_id)}
    rl = {(r["proceeding"], r["outcome"]): r["value"] for r in _rows(
        engine, "select proceeding, outcome, value from v_review_litigation_long where report_id = :r", r=report_id)}
    a20 = {(r["category"], r["metric"]): r["value"] for r in _rows(
        engine, "select category, metric, value from v_article20_long where report_id = :r", r=report_id)}

    def group(prefix: str):
        return _strict_sum([v for code, v in apps.items() if code.startswith(prefix)])

    handled, disclosed, partly = apps.get("3.7"), apps.get("3.1"), apps.get("3.2")
    rate = None
    if None not in (handled, disclosed, partly) and handled != 0:
        rate = ((disclosed + partly) / handled).quantize(Decimal("0.0001"), ROUND_HALF_UP)  # as PostgreSQL rounds
    errors = _rows(engine, "select count(*) as n from v_quality_issues where report_id = :r and severity = 'error'",
                   r=report_id)[0]["n"]
    return {
        "applications_new": apps.get("1"), "applications_carried_over": apps.get("2"),
        "disclosed": disclosed, "partly_disclosed": partly,
        "not_disclosed": group("3.3."), "unable_to_provide": group("3.4."), "not_processed": group("3.5."),
        "other_handling": _strict_sum([v for c, v in apps.items() if c == "3.6" or c.startswith("3.6.")]) if apps else None,
        "applications_handled": handled, "carried_forward": apps.get("4"),
        "reviews_total": rl.get(("review", "total")), "reviews_corrected": rl.get(("review", "corrected")),
        "lawsuits_total": _strict_sum([rl[(p, "total")] for p in ("litigation_direct", "litigation_after_review")]) if rl else None,
        "lawsuits_corrected": _strict_sum([rl[(p, "corrected")] for p in ("litigation_direct", "litigation_after_review")]) if rl else None,
        "normative_documents_in_force": a20.get(("normative_documents", "in_force")),
        "licensing_decisions": a20.get(("licensing", "decisions")),
        "penalty_decisions": a20.get(("penalty", "decisions")),
        "fee_amount_10k_yuan": a20.get(("fees", "fee_amount")),
        "disclosure_rate": rate, "error_count": errors,
    }


def assert_summary_matches(engine, report_id: int) -> dict:
    [summary] = _rows(engine, "select * from v_report_summary where report_id = :r", r=report_id)
    expected = expected_from_long_views(engine, report_id)
    assert {k: summary[k] for k in expected} == expected
    return summary


def test_one_row_per_current_report_and_the_seeds_match_the_long_views(engine):
    process_files(seed_paths(), engine)
    reports = _rows(engine, "select report_id, status, template from v_reports order by report_id")
    summaries = _rows(engine, "select report_id, status, template from v_report_summary order by report_id")
    assert summaries == reports and len(reports) == 5
    by_status = {}
    for report in reports:
        summary = assert_summary_matches(engine, report["report_id"])
        by_status.setdefault(report["status"], []).append(summary)
    # Reports without tables: every number unknown, none zero.
    for summary in by_status["no_tables"]:
        assert all(summary[name] is None for name in NUMBERS) and summary["disclosure_rate"] is None
    loaded = by_status["loaded"]
    assert len(loaded) == 3 and all(s["applications_new"] is not None for s in loaded)
    # 2019 template: no in-force count, no fee amount (the template prints neither).
    assert all(s["normative_documents_in_force"] is None and s["fee_amount_10k_yuan"] is None for s in loaded)
    wulumuqi = next(s for s in loaded if s["jurisdiction_code"] == "650100")
    assert 0 <= wulumuqi["disclosure_rate"] <= 1
    assert wulumuqi["error_count"] >= 0


@pytest.mark.parametrize("report", list(REPORTS))
def test_every_fixture_matches_the_long_views(engine, report):
    seen = []
    for variant in VARIANTS:
        _fixture, _source, parsed = read_fixture(report, variant)
        _action, report_id = load_report(engine, parsed)  # each variant replaces the one before
        seen.append(assert_summary_matches(engine, report_id))
    # Every format reads the same numbers.
    assert all({k: s[k] for k in NUMBERS} == {k: seen[0][k] for k in NUMBERS} for s in seen)
    if report == "report_2021":
        assert seen[0]["fee_amount_10k_yuan"] == Decimal("12.5")  # printed 125000元
        assert seen[0]["normative_documents_in_force"] is not None


def test_a_blank_part_makes_its_sum_unknown_not_smaller(engine):
    _fixture, _source, parsed = read_fixture("report_2021", "text-pipe")
    rows = [dict(r) for r in parsed.applications]
    for row in rows:
        if row["row_code"] == "3.3.2" and row["applicant"] == "total":
            row["value"], row["raw"] = None, ""
        if row["row_code"] == "3.1" and row["applicant"] == "total":
            row["value"], row["raw"] = None, ""
    parsed.applications = rows
    parsed.sha256 = "f" * 64
    _action, report_id = load_report(engine, parsed)
    summary = assert_summary_matches(engine, report_id)
    assert summary["not_disclosed"] is None and summary["disclosed"] is None
    assert summary["disclosure_rate"] is None
    assert summary["unable_to_provide"] is not None and summary["applications_handled"] is not None
