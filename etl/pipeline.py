"""The whole job for a list of files, without Prefect: extract → transform → load, report by report.

flows/ingest_reports.py runs the same functions as Prefect tasks; tests call these directly.
"""

from __future__ import annotations

import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from etl.extract import SourceFile, read_source
from etl.jurisdictions import JurisdictionResolver
from etl.load import UNCHANGED, is_unchanged, load_report
from etl.transform import quarantined, parse_report


@dataclass(frozen=True)
class ReportOutcome:
    source_uri: str
    action: str  # new | replaced | reprocessed | unchanged
    report_id: int
    status: str | None  # loaded | no_tables | quarantined; None when unchanged (not re-read)
    describe: str  # one line for progress output


def process_file(path: Path, engine: Engine, resolver: JurisdictionResolver, force: bool = False) -> ReportOutcome:
    return process_source(read_source(path), engine, resolver, force=force)


def process_source(source: SourceFile, engine: Engine, resolver: JurisdictionResolver, force: bool = False) -> ReportOutcome:
    """Transform and load one report already read (from a file or a download)."""
    if not force:
        existing = is_unchanged(engine, source.source_uri, source.sha256)
        if existing is not None:
            return ReportOutcome(source.source_uri, UNCHANGED, existing, None, "unchanged")
    if source.problem is not None:
        parsed = quarantined(source.source_uri, source.sha256, source.problem)
    else:
        try:
            parsed = parse_report(source.text, source.source_uri, source.sha256, resolver)
        except Exception as error:  # a parser bug must not stop the run or lose the file
            last = traceback.extract_tb(error.__traceback__)[-1]
            parsed = quarantined(
                source.source_uri, source.sha256,
                f"解析出错（ogi 的缺陷，请报告）：{type(error).__name__}: {error} at {Path(last.filename).name}:{last.lineno}",
            )
    action, report_id = load_report(engine, parsed, force=force)
    describe = " ".join(
        str(part) for part in (
            parsed.status,
            resolver.name(parsed.jurisdiction_code) if parsed.jurisdiction_code else None,
            parsed.jurisdiction_code, parsed.year, parsed.agency, parsed.template,
            f"({parsed.status_detail})" if parsed.status == "quarantined" else None,
        ) if part
    )
    return ReportOutcome(source.source_uri, action, report_id, parsed.status, describe)


def process_files(
    paths: list[Path],
    engine: Engine,
    force: bool = False,
    progress: Callable[[int, int, ReportOutcome], None] | None = None,
    resolver: JurisdictionResolver | None = None,
    offset: int = 0,
    total: int | None = None,
) -> list[ReportOutcome]:
    resolver = resolver or JurisdictionResolver.from_csv()
    outcomes = []
    for index, path in enumerate(paths, 1):
        outcome = process_file(path, engine, resolver, force=force)
        outcomes.append(outcome)
        if progress:
            progress(offset + index, total or len(paths), outcome)
    return outcomes


@dataclass
class RunSummary:
    files: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_action: dict[str, int] = field(default_factory=dict)
    issues_by_check: list[tuple[str, str, str, int]] = field(default_factory=list)  # severity, table, check, count

    def lines(self) -> list[str]:
        status = self.by_status
        out = [
            f"{self.files} report file(s): {status.get('loaded', 0)} loaded, {status.get('no_tables', 0)} with no tables, "
            f"{status.get('quarantined', 0)} quarantined",
            "  " + ", ".join(f"{n} {a}" for a, n in sorted(self.by_action.items())) if self.by_action else "  nothing done",
        ]
        if self.issues_by_check:
            out.append("Quality issues by check (these reports):")
            for severity, table, check, count in self.issues_by_check:
                out.append(f"  {severity:<7} {table:<17} {check:<36} {count:>6}")
        else:
            out.append("No quality issues in these reports.")
        return out


def summarise(engine: Engine, outcomes: list[ReportOutcome]) -> RunSummary:
    """Counts for the run; statuses and issues are read back from the warehouse, so unchanged
    reports count with what they hold and cross-year checks are included."""
    ids = sorted({o.report_id for o in outcomes})
    summary = RunSummary(files=len(outcomes), by_action=dict(Counter(o.action for o in outcomes)))
    if not ids:
        return summary
    with engine.connect() as conn:
        statuses = conn.execute(
            sa.text("select status, count(*) from core.report where report_id = any(:ids) group by status"),
            {"ids": ids},
        ).all()
        issues = conn.execute(
            sa.text(
                "select severity, table_name, check_code, count(*) from v_quality_issues "
                "where report_id = any(:ids) group by 1, 2, 3 order by 1, 4 desc, 2, 3"
            ),
            {"ids": ids},
        ).all()
    summary.by_status = {s: n for s, n in statuses}
    summary.issues_by_check = [tuple(row) for row in issues]
    return summary
