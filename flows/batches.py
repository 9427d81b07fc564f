"""The one task every flow runs: a batch of reports through extract → transform → load.

One task per batch, not per report: Prefect's per-task overhead is real and a backfill may hold
tens of thousands of reports. A batch is safe to retry: loading the same bytes again changes
nothing, and each report is its own transaction.
"""

from __future__ import annotations

from prefect import task, unmapped
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from etl.database import warehouse_engine
from etl.pipeline import ReportOutcome, WorkItem, process_items
from etl.progress import Progress

DEFAULT_BATCH_SIZE = 200


def local_task_runner() -> ThreadPoolTaskRunner:
    """The flows' default runner: a few threads. Prefect's default is unbounded, and every batch
    holds a database connection, so a large backfill would exhaust the server's connections;
    parsing is CPU-bound, so more threads would not go faster anyway."""
    return ThreadPoolTaskRunner(max_workers=4)


@task(name="process-reports", retries=2, retry_delay_seconds=[5, 30])
def process_batch(items: list[WorkItem], force: bool, replace: bool = False) -> list[ReportOutcome]:
    with warehouse_engine() as engine:
        return process_items(items, engine, force=force, replace=replace)


def run_batches(
    items: list[WorkItem], force: bool, batch_size: int = DEFAULT_BATCH_SIZE, replace: bool = False
) -> list[ReportOutcome]:
    """Submit the items in batches and collect the outcomes in input order, with progress."""
    batches = [items[i:i + batch_size] for i in range(0, len(items), batch_size)]
    if not batches:
        return []
    progress = Progress(len(items))
    futures = process_batch.map(batches, force=unmapped(force), replace=unmapped(replace))
    position = {future: index for index, future in enumerate(futures)}
    results: list[list[ReportOutcome] | None] = [None] * len(batches)
    try:
        for future in as_completed(futures):
            outcomes = future.result()
            results[position[future]] = outcomes
            progress.advance(outcomes)
    finally:
        progress.close()
    return [outcome for batch in results for outcome in batch]
