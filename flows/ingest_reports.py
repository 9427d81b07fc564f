"""Prefect flow for an ad-hoc run (`ogi run PATH...`): these files and folders → warehouse."""

from __future__ import annotations

from prefect import flow

from etl import migrate
from etl.database import warehouse_engine
from etl.extract import discover
from etl.pipeline import file_items, summarise
from flows.batches import DEFAULT_BATCH_SIZE, local_task_runner, run_batches
from flows.summary import publish_summary


@flow(name="ingest-reports", task_runner=local_task_runner())
def ingest_reports(paths: list[str], force: bool = False, batch_size: int = DEFAULT_BATCH_SIZE,
                   workers: int | None = None, replace: bool = False) -> dict:
    """Load every report file under `paths`; returns the run summary (etl.pipeline.RunSummary)."""
    items = file_items(discover(paths))
    with warehouse_engine() as engine:
        migrate.upgrade(engine)
        outcomes = run_batches(items, force, batch_size, workers, replace=replace)
        return publish_summary(summarise(engine, outcomes))
