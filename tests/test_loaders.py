"""Loading on several connections at once (etl.loaders): every report loaded once, on its
loader's own connection; a failure stops the rest and reaches the caller; and reports of one
identity loaded at the same moment still come out as one loaded and the others as conflicts."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from etl.loaders import Loaders
from etl.pipeline import prepare_document, process_files
from etl.workers import WorkerPool
from tests.conftest import seed_paths


@pytest.fixture
def probe(engine):
    """A scratch table the jobs write to."""
    with engine.begin() as conn:
        conn.exec_driver_sql("create table public.loader_probe (n int not null)")
    yield engine
    with engine.begin() as conn:
        conn.exec_driver_sql("drop table public.loader_probe")


def _insert(n: int):
    def job(conn: sa.Connection) -> None:
        with conn.begin():
            conn.execute(sa.text("insert into public.loader_probe values (:n)"), {"n": n})
    return job


def _probed(engine) -> list[int]:
    with engine.connect() as conn:
        return sorted(conn.execute(sa.text("select n from public.loader_probe")).scalars())


def test_every_job_runs_once_each_loader_on_a_connection_of_its_own(probe):
    backends: list[int] = []

    def job(n: int):
        def run(conn: sa.Connection) -> None:
            with conn.begin():
                # Long enough that both loaders are given jobs while the other is busy.
                backends.append(conn.execute(sa.text("select pg_backend_pid() from pg_sleep(0.02)")).scalar_one())
                conn.execute(sa.text("insert into public.loader_probe values (:n)"), {"n": n})
        return run

    with Loaders(probe, 2) as loaders:
        for n in range(20):
            loaders.submit(job(n))
    assert _probed(probe) == list(range(20))
    assert len(set(backends)) == 2  # two connections, each held for every job of its loader
    assert probe.pool.checkedout() == 0  # and given back at the end


def test_a_failed_load_reaches_the_caller_and_the_loads_after_it_are_dropped(probe):
    def broken(conn: sa.Connection) -> None:
        raise ValueError("the database refused this report")

    # One loader takes the jobs in order: the failure comes first, so none of the others runs.
    with pytest.raises(ValueError, match="refused this report"):
        with Loaders(probe, 1) as loaders:
            loaders.submit(broken)
            for n in range(5):
                loaders.submit(_insert(n))
    assert _probed(probe) == []
    assert probe.pool.checkedout() == 0


def test_when_the_caller_fails_what_is_queued_is_not_loaded(probe):
    release = threading.Event()

    def slow(conn: sa.Connection) -> None:
        release.wait(10)
        _insert(-1)(conn)

    timer = threading.Timer(0.3, release.set)  # lets the first job finish once the caller has failed
    with pytest.raises(RuntimeError, match="interrupted"):
        with Loaders(probe, 1) as loaders:
            loaders.submit(slow)
            for n in range(3):
                loaders.submit(_insert(n))
            timer.start()
            raise RuntimeError("interrupted")
    timer.join()
    assert _probed(probe) == [-1]  # the load under way completes; the queued ones are dropped


def test_connections_must_be_at_least_one(engine):
    with pytest.raises(ValueError, match="at least 1"):
        Loaders(engine, 0)


def test_copies_and_versions_of_one_report_loaded_at_once_keep_one_identity_holder(engine, tmp_path):
    """Three copies of a seed (the same bytes) and three other versions of it (other bytes, the
    same place, agency and year) in one batch, parsed by two workers and loaded on two
    connections at once. In whatever order they arrive, the first distinct bytes load as new, the
    three other versions as conflicts beside it, and the two extra copies are the same report."""
    data = seed_paths()[0].read_bytes()
    paths = []
    for n in range(3):
        paths.append(tmp_path / f"copy-{n}.txt")
        paths[-1].write_bytes(data)
        paths.append(tmp_path / f"version-{n}.txt")
        paths[-1].write_bytes(data + b"\n" * (n + 1))
    for attempt in range(3):
        with engine.begin() as conn:
            conn.exec_driver_sql("truncate core.report cascade")
        with WorkerPool(prepare_document, workers=2) as pool:
            outcomes = process_files(paths, engine, pool=pool)
        assert Counter(o.action for o in outcomes) == {"new": 1, "conflict": 3, "unchanged": 2}, attempt
        with engine.connect() as conn:
            current = conn.execute(sa.text(
                "select count(*), count(distinct (jurisdiction_code, agency, year)) from core.report where is_current"
            )).one()
        assert tuple(current) == (4, 1)
