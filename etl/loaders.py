"""Loading parsed reports on a few database connections at once, while the caller goes on.

The worker processes parse; the process that receives their results loads each one, a
transaction per report. Done in the receiving thread, every report's round trips to the server
(about 6 ms, most of it the server's own work) kept the workers waiting for their next job, and
two cores were about half busy. Here each loader thread holds a connection of its own: the
receiving thread goes straight back to the workers, and as many reports' transactions run on the
server at once as there are loaders.

Concurrent loads are safe: load_report takes its source's and its identity's advisory locks in a
fixed order and looks up what it decides on only after holding them, as concurrent runs already
rely on. A failed load stops the rest: loads not yet begun are dropped and the failure is raised
to the caller, as when reports were loaded one by one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import Connection, Engine

# Reports waiting for a loader, per loader: enough that a loader never waits for the receiving
# thread, few enough that a slow database holds back the workers instead of filling memory.
QUEUED_PER_LOADER = 4


class _Dropped(Exception):
    """A load not begun because an earlier one failed."""


class Loaders:
    """`connections` threads running load jobs, each job `job(connection)` on its thread's own
    connection (taken on its first job, held until close). Use as a context manager: leaving it
    waits for every job and raises the first failure."""

    def __init__(self, engine: Engine, connections: int):
        if connections < 1:
            raise ValueError(f"connections must be at least 1, not {connections}")
        self._engine = engine
        self._executor = ThreadPoolExecutor(connections, thread_name_prefix="ogi-load")
        self._room = threading.BoundedSemaphore(QUEUED_PER_LOADER * connections)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[Connection] = []
        self._failure: BaseException | None = None

    def __enter__(self) -> Loaders:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if error is not None:  # the caller failed: what is queued is not loaded
            self._failure = self._failure or error
        try:
            self._executor.shutdown(wait=True, cancel_futures=error is not None)
        finally:
            for connection in self._connections:
                connection.close()
        if error is None:
            self.raise_failure()

    def submit(self, job: Callable[[Connection], None]) -> None:
        """Queue a load; blocks while the loaders are `QUEUED_PER_LOADER` jobs each behind.
        Raises at once if a load has failed already."""
        self.raise_failure()
        self._room.acquire()
        try:
            future = self._executor.submit(self._run, job)
        except BaseException:
            self._room.release()
            raise
        future.add_done_callback(lambda _: self._room.release())

    def raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _run(self, job: Callable[[Connection], None]) -> None:
        if self._failure is not None:
            raise _Dropped()
        connection = getattr(self._local, "connection", None)
        try:
            if connection is None:
                connection = self._local.connection = self._engine.connect()
                with self._lock:
                    self._connections.append(connection)
            job(connection)
        except BaseException as error:
            with self._lock:
                self._failure = self._failure or error
            raise
