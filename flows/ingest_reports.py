"""Prefect flow: report files → warehouse. It only wires etl functions into tasks.

Files are processed in batches, one task per batch, because Prefect's per-task overhead is
real and a run may hold tens of thousands of reports.
"""

from __future__ import annotations

import sys
from pathlib import Path

from prefect import flow, task

from etl import migrate
from etl.database import make_engine, resolve_database_url
from etl.extract import discover
from etl.pipeline import ReportOutcome, process_files, summarise

DEFAULT_BATCH_SIZE = 200


def _print_progress(done: int, total: int, outcome: ReportOutcome) -> None:
    print(f"[{done}/{total}] {outcome.action:<11} {outcome.describe}  ← {outcome.source_uri}", file=sys.stderr, flush=True)


@task(name="extract-transform-load-batch")
def load_batch(paths: list[str], force: bool, offset: int, total: int) -> list[ReportOutcome]:
    engine = make_engine(resolve_database_url())
    try:
        return process_files(
            [Path(p) for p in paths], engine, force=force, progress=_print_progress, offset=offset, total=total
        )
    finally:
        engine.dispose()


@flow(name="ingest-reports", log_prints=False)
def ingest_reports(paths: list[str], force: bool = False, batch_size: int = DEFAULT_BATCH_SIZE) -> dict:
    """Load every report file under `paths`; returns the run summary (see etl.pipeline.RunSummary)."""
    files = [str(p) for p in discover(paths)]
    engine = make_engine(resolve_database_url())
    try:
        migrate.upgrade(engine)
        outcomes: list[ReportOutcome] = []
        for start in range(0, len(files), batch_size):
            outcomes += load_batch(files[start:start + batch_size], force, start, len(files))
        return summarise(engine, outcomes).__dict__
    finally:
        engine.dispose()
