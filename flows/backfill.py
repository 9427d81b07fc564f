"""Prefect flow: reprocess past years from the raw archive, after the parser improved."""

from __future__ import annotations

from prefect import flow

from etl import migrate
from etl.database import warehouse_engine
from etl.pipeline import reprocessing_items, summarise
from flows.batches import DEFAULT_BATCH_SIZE, local_task_runner, run_batches
from flows.summary import publish_summary


@flow(name="backfill", task_runner=local_task_runner())
def backfill(
    year_from: int | None = None,
    year_to: int | None = None,
    jurisdiction: str | None = None,
    force: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int | None = None,
) -> dict:
    """Reprocess the current reports of `year_from`..`year_to` (under a jurisdiction code prefix,
    if given) that an older parser version read; with `force`, all of them."""
    with warehouse_engine() as engine:
        migrate.upgrade(engine)
        items = reprocessing_items(engine, year_from, year_to, jurisdiction, force=force)
        outcomes = run_batches(items, force=True, batch_size=batch_size, workers=workers)
        return publish_summary(summarise(engine, outcomes), key="ogi-backfill-summary")
