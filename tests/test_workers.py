"""The worker pool and the limits every report is read under: a report that hangs, one that eats
memory, one that kills its worker and one too large to read are each quarantined with their
reason while the rest of the run loads; a lost database connection retries the report, then fails
clearly with nothing of it written."""

from __future__ import annotations

import os
import shutil
import signal
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import event

import etl.pipeline
from etl.database import make_engine
from etl.limits import MB, Limits
from etl.pipeline import DatabaseLost, file_items, parse_document, process_files, process_items
from etl.workers import Failed, WorkerPool, default_workers
from tests.conftest import SEEDS, seed_paths

SUZHOU = SEEDS / "003_2b6abe27bfe85e6a.txt"
FAST = Limits(read_timeout_s=3, read_memory_bytes=256 * MB)


# Work functions for the pool: module-level, so the workers can import them by name.

def double(n: int) -> int:
    return 2 * n


def misbehave(job: str) -> str:
    if job == "hang":
        time.sleep(600)
    elif job == "eat":
        hoard = [bytearray(16 * MB) for _ in range(4096)]  # 64 GB: far past any cap
        return str(len(hoard))
    elif job == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif job == "oom-killed":
        os.kill(os.getpid(), signal.SIGKILL)  # what the kernel's OOM killer does
    elif job == "exit":
        os._exit(3)
    elif job == "raise":
        raise RuntimeError("a bug")
    return job.upper()


def hostile_parse(document):
    """ogi's own read-and-parse, except for reports whose file name asks to misbehave."""
    stem = document.name.split(".")[0]
    if stem in ("hang", "eat", "segfault"):
        misbehave(stem)
    return parse_document(document)


def test_the_pool_is_sized_to_the_cores_this_process_may_use():
    assert default_workers() == len(os.sched_getaffinity(0))
    assert WorkerPool(double).size == default_workers()
    with pytest.raises(ValueError):
        WorkerPool(double, workers=0)


def test_every_job_comes_back_once_with_its_index():
    with WorkerPool(double, workers=2, limits=FAST) as pool:
        assert sorted(pool.run(range(50))) == [(n, 2 * n) for n in range(50)]
        assert sorted(pool.run([7])) == [(0, 14)]  # the same workers serve a second run
        assert list(pool.run([])) == []
        assert pool.replaced == 0


def test_a_job_past_a_limit_fails_with_its_reason_and_the_others_go_on():
    jobs = ["a", "hang", "b", "eat", "c", "segfault", "d", "oom-killed", "e", "exit", "f", "raise", "g"]
    started = time.monotonic()
    with WorkerPool(misbehave, workers=2, limits=FAST) as pool:
        results = dict(pool.run(jobs))
        assert pool.replaced == 5  # hang, eat, segfault, oom-killed, exit
        assert dict(pool.run(["h"])) == {0: "H"}  # the replacements work
    elapsed = time.monotonic() - started
    assert {jobs[i]: r for i, r in results.items() if not isinstance(r, Failed)} == {
        j: j.upper() for j in "abcdefg"
    }
    reasons = {jobs[i]: r.reason for i, r in results.items() if isinstance(r, Failed)}
    assert reasons == {
        "hang": "读取超过 3 秒",
        "eat": "读取所需内存超过 256 MB",
        "segfault": "读取时工作进程意外退出（SIGSEGV）",
        "oom-killed": "读取所需内存超过 256 MB（工作进程被系统终止：SIGKILL）",
        "exit": "读取时工作进程意外退出（退出码 3）",
        "raise": "读取出错（ogi 的缺陷，请报告）：RuntimeError: a bug",
    }
    assert elapsed < 60  # the hung job cost its 3 s, not its 600


def test_no_worker_outlives_its_pool():
    with WorkerPool(misbehave, workers=2, limits=FAST) as pool:
        list(pool.run(["a", "b", "hang"]))
        processes = [w.process for w in pool._workers]
    assert processes and not any(p.is_alive() for p in processes)


def _status(engine, uri: str) -> tuple[str, str | None]:
    with engine.connect() as conn:
        return tuple(conn.execute(
            sa.text("select status, status_detail from core.report where is_current and source_uri = :u"), {"u": uri},
        ).one())


def test_hostile_reports_are_quarantined_with_their_reason_and_the_run_loads_the_rest(engine, tmp_path):
    for name in ("hang", "eat", "segfault"):
        shutil.copy(SUZHOU, tmp_path / f"{name}.txt")
    (tmp_path / "huge.txt").write_bytes(SUZHOU.read_bytes() + b" " * (2 * MB))
    paths = seed_paths() + sorted(tmp_path.iterdir())
    limits = Limits(read_timeout_s=3, read_memory_bytes=256 * MB, max_file_bytes=1 * MB)
    with WorkerPool(hostile_parse, workers=2, limits=limits) as pool:
        outcomes = process_items(file_items(paths), engine, pool=pool)
    assert [o.source_uri for o in outcomes] == [str(p) for p in paths]  # input order
    by_uri = {o.source_uri: o for o in outcomes}
    assert [by_uri[str(p)].status for p in seed_paths()] == ["no_tables", "loaded", "no_tables", "loaded", "loaded"]
    assert _status(engine, str(tmp_path / "hang.txt")) == ("quarantined", "读取超过 3 秒")
    assert _status(engine, str(tmp_path / "eat.txt")) == ("quarantined", "读取所需内存超过 256 MB")
    assert _status(engine, str(tmp_path / "segfault.txt")) == ("quarantined", "读取时工作进程意外退出（SIGSEGV）")
    assert _status(engine, str(tmp_path / "huge.txt")) == ("quarantined", "文件大于 1 MB（2 MB）")
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from v_applications_long")).scalar() == 3 * 161
        # A quarantined report's reason is also its quality issue, for those who query issues.
        assert conn.execute(sa.text(
            "select count(*) from v_quality_issues where check_code = 'quarantined'")).scalar() == 4


_CELLS_BY_FILE = ("select r.source_uri, count(*) from v_applications_long a join v_reports r using (report_id) "
                  "group by 1 order by 1")


def test_the_pool_gives_what_reading_in_process_gives(engine, tmp_path):
    with WorkerPool(parse_document, workers=2) as pool:
        pooled = process_items(file_items(seed_paths()), engine, pool=pool)
    with engine.begin() as conn:
        pooled_cells = conn.execute(sa.text(
            _CELLS_BY_FILE)).all()
        conn.exec_driver_sql("truncate core.report cascade")
    inline = process_files(seed_paths(), engine)
    with engine.connect() as conn:
        inline_cells = conn.execute(sa.text(
            _CELLS_BY_FILE)).all()
    assert [(o.action, o.status, o.describe) for o in pooled] == [(o.action, o.status, o.describe) for o in inline]
    assert pooled_cells == inline_cells and len(pooled_cells) == 3


@pytest.fixture
def connection_killer(engine, warehouse_url, monkeypatch):
    """Terminates the loading connection's server process right after it inserted the report's
    row (mid-transaction, its cells still to come), up to `limit` times: the server closing the
    connection, as a restart or a network cut does."""
    monkeypatch.setattr(etl.pipeline, "LOAD_RETRY_DELAYS_S", (0.1, 0.2))
    admin = make_engine(warehouse_url)
    state = {"kills": 0, "limit": 0}

    def kill(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO CORE.REPORT ") and state["kills"] < state["limit"]:
            state["kills"] += 1
            with admin.connect() as other:
                other.execute(sa.text("select pg_terminate_backend(:pid)"), {"pid": cursor.connection.info.backend_pid})

    event.listen(engine, "after_cursor_execute", kill)
    yield state
    event.remove(engine, "after_cursor_execute", kill)
    admin.dispose()


def _counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text(
            "select (select count(*) from core.report), (select count(*) from core.application_cell),"
            " (select count(*) from core.article20_cell)")).one())


def test_a_lost_connection_retries_the_report_and_loads_it_once(engine, connection_killer):
    connection_killer["limit"] = 1
    [outcome] = process_files([SUZHOU], engine)
    assert connection_killer["kills"] == 1
    assert (outcome.action, outcome.status) == ("new", "loaded")
    reports, applications, article20 = _counts(engine)
    assert (reports, applications) == (1, 161) and article20 > 0


def test_a_connection_lost_on_every_attempt_fails_clearly_with_nothing_written(engine, connection_killer):
    process_files([SEEDS / "004_236d9db50fe3c22f.txt"], engine)
    before = _counts(engine)
    connection_killer["limit"] = 99
    with pytest.raises(DatabaseLost, match=r"lost the database connection loading .*003_2b6abe27bfe85e6a.txt \(3 attempts"):
        process_files([SUZHOU], engine)
    assert connection_killer["kills"] == 3
    assert _counts(engine) == before  # nothing of the report, not even its report row
