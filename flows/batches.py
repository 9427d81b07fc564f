"""The one task every flow runs: a batch of reports through extract → transform → load.

One task per batch, not per report: Prefect's per-task overhead is real and a backfill may hold
tens of thousands of reports. On the flows' own runner the batches run one after another in the
flow's process, sharing one pool of worker processes (etl.workers: one per core by default) that
read and parse the reports under their limits while this process loads each result, one
transaction per report, on as many database connections as there are workers (etl.loaders). On a
Dask runner (`--dask-workers`, `--dask-address`) the batches fan out to the Dask workers instead,
each batch reading and parsing in a worker process of its own under the same limits.

A batch is safe to retry: loading the same bytes again changes nothing, and each report is its
own transaction.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ThreadPoolExecutor

from prefect import task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from etl.database import warehouse_engine
from etl.pipeline import FetchedBatch, ReportOutcome, WorkItem, fetch_items, prepare_document, process_items
from etl.progress import Progress
from etl.workers import WorkerPool

DEFAULT_BATCH_SIZE = 1000  # reports: per Prefect task (its overhead is real) and per query for unchanged files


def local_task_runner() -> ThreadPoolTaskRunner:
    """The flows' default runner: a few threads, for the manifest fetches. Prefect's default is
    unbounded, and a task may hold a database connection."""
    return ThreadPoolTaskRunner(max_workers=4)


# The pool and the progress bar live in the flow's process: nothing to cache or persist.
@task(name="process-reports", retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE, persist_result=False)
def process_batch(items: list[WorkItem], force: bool, pool: WorkerPool | None = None,
                  progress: Progress | None = None, replace: bool = False,
                  prefetched: list[Future[FetchedBatch]] | None = None) -> list[ReportOutcome]:
    """`prefetched`: a one-element list holding the batch being fetched ahead (fetch_items, with
    the pool's limits); the attempt that takes it uses it, and a retry fetches the batch again
    (what was unchanged then may have changed since)."""
    on_outcome = (lambda outcome: progress.advance([outcome])) if progress is not None else None
    ahead = prefetched.pop() if prefetched else None
    with warehouse_engine() as engine:
        if ahead is not None:
            fetched = ahead.result()
            return process_items(items, engine, force=force, replace=replace, pool=pool, on_outcome=on_outcome,
                                 prefetched=fetched)
        if pool is not None:
            return process_items(items, engine, force=force, replace=replace, pool=pool, on_outcome=on_outcome)
        if multiprocessing.current_process().daemon:
            # A worker of a remote Dask cluster configured with daemonic workers may not start
            # processes: the reports are read here, with no time or memory limit but the size cap.
            return process_items(items, engine, force=force, replace=replace, on_outcome=on_outcome)
        with WorkerPool(prepare_document, workers=1) as own_pool:
            return process_items(items, engine, force=force, replace=replace, pool=own_pool, on_outcome=on_outcome)


def _on_local_runner() -> bool:
    context = FlowRunContext.get()
    return context is None or isinstance(context.task_runner, ThreadPoolTaskRunner)


def run_batches(items: list[WorkItem], force: bool, batch_size: int = DEFAULT_BATCH_SIZE,
                workers: int | None = None, replace: bool = False) -> list[ReportOutcome]:
    """Process the items in batches of `batch_size`, with `workers` processes reading and parsing
    (default: one per core); the outcomes come back in input order, with progress."""
    batches = [items[i:i + batch_size] for i in range(0, len(items), batch_size)]
    if not batches:
        return []
    progress = Progress(len(items))
    try:
        if _on_local_runner():
            # While the workers parse a batch, a thread reads the next one's files and checks
            # which are unchanged (1-3 s a batch of 1,000, which otherwise left the workers idle
            # at every batch boundary); at most two batches' bytes are held at once.
            with WorkerPool(prepare_document, workers=workers) as pool, \
                    ThreadPoolExecutor(1, thread_name_prefix="ogi-fetch-ahead") as ahead, \
                    warehouse_engine() as engine:
                def fetch(batch: list[WorkItem]) -> FetchedBatch:
                    return fetch_items(batch, engine, pool.limits, force=force, replace=replace)

                outcomes: list[ReportOutcome] = []
                following = ahead.submit(fetch, batches[0])
                for n, batch in enumerate(batches):
                    current = following
                    if n + 1 < len(batches):
                        following = ahead.submit(fetch, batches[n + 1])
                    # Quoted: Prefect would otherwise visit each of the batch's items looking
                    # for futures, twice per batch (~0.1 s a batch of 1,000).
                    outcomes += process_batch(quote(batch), force, pool, progress, replace, prefetched=[current])
                return outcomes
        futures = process_batch.map(batches, force=unmapped(force), replace=unmapped(replace))
        position = {future: index for index, future in enumerate(futures)}
        results: list[list[ReportOutcome] | None] = [None] * len(batches)
        for future in as_completed(futures):
            outcomes = future.result()
            results[position[future]] = outcomes
            progress.advance(outcomes)
        return [outcome for batch in results for outcome in batch]
    finally:
        progress.close()
