"""A supervised pool of long-lived worker processes, each doing one job at a time under limits.

Reading and parsing a report is CPU-bound pure Python, so threads use one core; and a report
comes from an untrusted site, so it may hang a reader, exhaust memory or crash the interpreter.
Each job therefore runs in a worker process the parent watches:

- time: a job running longer than `Limits.read_timeout_s` has its worker killed (SIGKILL) and
  replaced; the job fails with `Limits.timed_out()`;
- memory: each worker's address space is capped (RLIMIT_AS) at what it uses when idle plus
  `Limits.read_memory_bytes`; a job that runs out fails with `Limits.out_of_memory()`;
- death: a worker that dies (a segfault in a C extension, the kernel's OOM killer) fails its
  job with the reason and is replaced; the other jobs go on.

The pool knows nothing of reports: `work` is any module-level function (picklable by name) of
one job, and the caller turns a `Failed` into what it means (for ogi, a quarantined report).
Workers are forked from a fork server that has already imported `preload`, so a replacement
starts in milliseconds and never inherits the parent's threads (Prefect runs several).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait

from etl.limits import Limits, from_env

# Imported once by the fork server, so that each worker starts with them loaded.
PRELOAD = ["etl.worker_preload"]


@dataclass(frozen=True)
class Failed:
    """A job that did not produce a result, and why (in words for the person who supplied it)."""

    reason: str


def start_fork_server(preload: list[str] | None = None) -> None:
    """Start the fork server now, so that it imports what the workers need while this process
    is busy with other start-up work (on two cores the two overlap); the pools use it later."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD if preload is None else preload)
    from multiprocessing import forkserver

    forkserver.ensure_running()


def default_workers() -> int:
    """One worker per core this process may run on (a container or `taskset` may allow fewer
    than the machine has)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when the process that forked it dies, so a killed run
    (SIGKILL leaves no chance to clean up) never leaves workers behind."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _address_space_bytes() -> int:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _cap_memory(allowance: int) -> None:
    try:
        import resource
    except ImportError:  # not POSIX
        return
    limit = _address_space_bytes() + allowance
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _worker_main(conn, work: Callable, memory_allowance: int) -> None:
    # Ctrl-C reaches the whole process group; the parent decides what happens to the run, and a
    # worker interrupted half-way would only report a spurious failure.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    if memory_allowance:
        _cap_memory(memory_allowance)
    # Only now does the parent start a job's clock: starting may take seconds on a busy machine.
    conn.send((None, "ready", None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if message is None:
            return
        index, job = message
        try:
            reply = (index, "ok", work(job))
        except MemoryError:
            reply = (index, "memory", None)
        except Exception as error:  # the caller's `work` should not raise; say what it raised
            reply = (index, "error", f"{type(error).__name__}: {error}")
        try:
            conn.send(reply)
        except MemoryError:
            conn.send((index, "memory", None))
        except Exception as error:  # e.g. a result that cannot be pickled
            conn.send((index, "error", f"{type(error).__name__}: {error}"))


def _death_reason(exitcode: int | None, limits: Limits) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if -exitcode == signal.SIGKILL:
            # What the kernel's OOM killer sends: by far the likeliest cause here.
            return f"{limits.out_of_memory()}（工作进程被系统终止：{name}）"
        return limits.worker_died(name)
    return limits.worker_died(f"退出码 {exitcode}")


class _Worker:
    def __init__(self, context, work: Callable, memory_allowance: int):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, work, memory_allowance), daemon=True)
        self.process.start()
        child.close()
        self.ready = False  # set when the worker says it is ready for jobs
        self.job: tuple[int, object] | None = None  # (index, job) running now
        self.started = 0.0

    def give(self, index: int, job) -> None:
        self.job = (index, job)
        self.started = time.monotonic()
        self.conn.send((index, job))

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()

    def stop(self, grace_s: float = 2.0) -> None:
        try:
            if self.process.is_alive() and self.job is None:
                self.conn.send(None)
                self.process.join(grace_s)
        except (OSError, ValueError):
            pass
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


class WorkerPool:
    """`workers` processes running `work` on jobs, each under `limits` (default: from the
    environment). Use as a context manager (the workers start on the first job and stop on
    exit); `run` may be called many times on one pool."""

    def __init__(self, work: Callable, workers: int | None = None, limits: Limits | None = None,
                 preload: list[str] | None = None):
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        self.work = work
        self.size = workers or default_workers()
        self.limits = limits or from_env()
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(PRELOAD if preload is None else preload)
        self._workers: list[_Worker] = []
        self.replaced = 0  # workers killed or dead and replaced: for the run's log
        self._failed_starts = 0  # in a row: a worker that cannot start at all stops the run

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.stop()

    def _spawn(self) -> _Worker:
        return _Worker(self._context, self.work, self.limits.read_memory_bytes)

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        self._workers[self._workers.index(worker)] = self._spawn()
        self.replaced += 1

    def run(self, jobs: Iterable) -> Iterator[tuple[int, object]]:
        """(index, result or Failed) for each job, as they finish (not in order). A worker is
        given its next job before the result is handed back, so workers keep busy while the
        caller uses the result (loading it into the database)."""
        waiting = deque(enumerate(jobs))
        if not waiting:
            return
        if not self._workers:  # started on first use: a run with nothing to parse starts none
            self._workers = [self._spawn() for _ in range(self.size)]
        timeout = self.limits.read_timeout_s
        while True:
            finished: list[tuple[int, object]] = []
            self._give_jobs(waiting, finished)
            busy = [w for w in self._workers if w.job is not None]
            starting = [w for w in self._workers if not w.ready]
            if not busy and not waiting:
                yield from finished
                return
            deadline = min((w.started + timeout for w in busy), default=None)
            ready = set(wait(
                [w.conn for w in busy + starting] + [w.process.sentinel for w in busy + starting],
                timeout=None if deadline is None else max(0.0, deadline - time.monotonic()),
            ))
            now = time.monotonic()
            for worker in starting:
                if worker.conn in ready or worker.process.sentinel in ready:
                    try:
                        worker.conn.recv()  # its "ready"
                        worker.ready = True
                        self._failed_starts = 0
                    except (EOFError, OSError):
                        self._failed_start(worker)
            for worker in busy:
                index = worker.job[0]
                if worker.conn in ready:
                    try:
                        got, kind, payload = worker.conn.recv()
                    except (EOFError, OSError):
                        finished.append((index, Failed(self._death_reason(worker))))
                        self._replace(worker)
                        continue
                    assert got == index, (got, index)
                    worker.job = None
                    if kind == "ok":
                        finished.append((index, payload))
                    elif kind == "memory":
                        finished.append((index, Failed(self.limits.out_of_memory())))
                        self._replace(worker)  # its heap may stay fragmented near the cap
                    else:
                        finished.append((index, Failed(self.limits.work_failed(payload))))
                elif worker.process.sentinel in ready:
                    finished.append((index, Failed(self._death_reason(worker))))
                    self._replace(worker)
                elif now - worker.started >= timeout:
                    finished.append((index, Failed(self.limits.timed_out())))
                    self._replace(worker)
            # Idle workers get their next jobs before the caller spends time on the results.
            self._give_jobs(waiting, finished)
            yield from finished

    def _failed_start(self, worker: _Worker) -> None:
        self._failed_starts += 1
        reason = self._death_reason(worker)
        if self._failed_starts >= 3:
            raise RuntimeError(f"worker processes exit as they start: {reason}")
        self._replace(worker)

    def _give_jobs(self, waiting: deque, finished: list) -> None:
        for worker in list(self._workers):
            if worker.ready and worker.job is None and waiting:
                index, job = waiting.popleft()
                try:
                    worker.give(index, job)
                except (BrokenPipeError, ConnectionResetError):  # it died while idle
                    finished.append((index, Failed(self._death_reason(worker))))
                    self._replace(worker)

    def _death_reason(self, worker: _Worker) -> str:
        worker.process.join(5)
        return _death_reason(worker.process.exitcode, self.limits)
