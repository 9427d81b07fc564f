"""The Prefect flows, run for real (a temporary Prefect server in this process): nightly over
folders and URL manifests, backfill by year and place, Dask scale-out, and concurrent runs."""

from __future__ import annotations

import multiprocessing
import shutil

import pytest
import sqlalchemy as sa

import etl.load
import etl.pipeline
from etl.pipeline import process_files, reprocessing_items
from etl.registry import add_source, list_sources
from tests.conftest import SEEDS, seed_paths
from tests.http_server import ReportServer

pytestmark = pytest.mark.prefect


@pytest.fixture
def flow_env(engine, warehouse_url, monkeypatch):
    """The flows resolve their database from the environment, as under `ogi`."""
    monkeypatch.setenv("OGI_DATABASE_URL", warehouse_url)
    # The test server is on loopback, which fetching refuses unless allowed (an intranet mirror).
    monkeypatch.setenv("OGI_FETCH_ALLOW", "127.0.0.1")
    with engine.begin() as conn:
        conn.exec_driver_sql("truncate core.source, core.source_fetch")
    return engine


def _scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def test_nightly_reads_folders_and_manifests_and_then_only_what_changed(flow_env, tmp_path):
    from flows.nightly import nightly

    engine = flow_env
    drop_zone = tmp_path / "drop"
    drop_zone.mkdir()
    for seed in seed_paths()[:2]:
        shutil.copy(seed, drop_zone / seed.name)
    files = {f"/reports/{p.name}": p.read_bytes() for p in seed_paths()[2:]}
    # A report that does not say where it is from: the manifest's hints say it.
    files["/reports/no-place.txt"] = (SEEDS / "003_2b6abe27bfe85e6a.txt").read_text(encoding="utf-8").replace("苏州市", "本市").encode()
    with ReportServer(files) as server:
        manifest = tmp_path / "manifest.csv"
        rows = [f"{server.url(path)},,,\n" for path in files if path != "/reports/no-place.txt"]
        rows.append(f"{server.url('/reports/no-place.txt')},320500,财政局,2020\n")
        rows.append(f"{server.url('/reports/gone.txt')},,,\n")
        rows.append("http://10.255.0.1/intranet.txt,,,\n")  # refused: a private address
        manifest.write_text("url,jurisdiction,agency,year\n" + "".join(rows), encoding="utf-8")
        add_source(engine, drop_zone)
        add_source(engine, manifest)
        assert [s.kind for s in list_sources(engine)] == ["folder", "manifest"]

        first = nightly()
        assert first["by_action"] == {"new": 6}
        assert first["problems"] and "gone.txt" in first["problems"][0]
        assert "http://10.255.0.1/intranet.txt: refused: 10.255.0.1 is a private address" in first["problems"][1]
        assert _scalar(engine, "select count(*) from v_reports") == 6
        assert _scalar(engine, "select count(*) from v_reports where source_uri like 'http://127.0.0.1:%'") == 4
        assert _scalar(engine, "select jurisdiction_code || ' ' || agency from v_reports where source_uri like '%no-place.txt'") == "320500 财政局"

        second = nightly()
        assert second["by_action"] == {"unchanged": 6}
        # The second run asked "changed since?" and the server said no: nothing was downloaded.
        assert sorted(status for path, status in server.hits if path != "/reports/gone.txt") == [200] * 4 + [304] * 4

        # A changed report on the server is fetched, and replaces its earlier version.
        path = next(p for p in files if p.endswith("003_2b6abe27bfe85e6a.txt"))
        server.files[path] = files[path].replace("1885 |".encode(), "1886 |".encode())
        third = nightly()
        assert third["by_action"] == {"replaced": 1, "unchanged": 5}
        assert _scalar(engine, "select count(*) from core.report where not is_current") == 1

    from prefect.artifacts import Artifact

    artifact = Artifact.get("ogi-nightly-summary")
    assert artifact is not None and "6 report file(s)" in artifact.data


def test_backfill_reprocesses_what_an_older_parser_read_by_year_and_place(flow_env, monkeypatch):
    from flows.backfill import backfill

    engine = flow_env
    process_files(seed_paths(), engine)
    for module in (etl.load, etl.pipeline):
        monkeypatch.setattr(module, "PARSER_VERSION", "99.0")

    assert len(reprocessing_items(engine, 2020, 2020)) == 4  # 002 covers 2018
    assert len(reprocessing_items(engine, jurisdiction="320000")) == 1  # 江苏省: 苏州市 only

    summary = backfill(year_from=2020, year_to=2020)
    assert summary["by_action"] == {"reprocessed": 4}
    assert _scalar(engine, "select count(*) from core.report where parser_version = '99.0'") == 4
    assert backfill(year_from=2020, year_to=2020)["by_action"] == {}  # nothing left to do
    assert backfill(jurisdiction="320500", force=True)["by_action"] == {"reprocessed": 1}
    assert _scalar(engine, "select count(*) from core.report") == 5  # versions replaced in place


def test_the_per_report_work_runs_on_a_two_worker_dask_cluster(flow_env):
    from prefect_dask import DaskTaskRunner

    from flows.ingest_reports import ingest_reports

    runner = DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True})
    summary = ingest_reports.with_options(task_runner=runner)([str(SEEDS)], batch_size=2)
    assert summary["by_action"] == {"new": 5}
    assert _scalar(flow_env, "select count(*) from v_applications_long") == 3 * 161


def test_small_batches_on_the_local_runner_fetch_ahead_and_give_the_same_outcomes(flow_env):
    """Each next batch is read and checked for unchanged while the one before is parsed: the
    outcomes are the same, in order, as with one batch, and a second run finds all unchanged."""
    from flows.ingest_reports import ingest_reports

    summary = ingest_reports([str(SEEDS)], batch_size=2, workers=2)
    assert summary["by_action"] == {"new": 5}
    assert _scalar(flow_env, "select count(*) from v_applications_long") == 3 * 161
    assert ingest_reports([str(SEEDS)], batch_size=2, workers=2)["by_action"] == {"unchanged": 5}


def test_a_retried_batch_fetches_again_rather_than_reuse_what_was_fetched_ahead(flow_env):
    from concurrent.futures import Future

    from flows.batches import process_batch
    from etl.pipeline import FetchedBatch, file_items

    items = file_items(seed_paths()[:2])
    stale: Future = Future()
    stale.set_result(FetchedBatch([], {}))  # would fail the batch (wrong length) if used
    holder = [stale]
    ahead = holder.pop()
    with pytest.raises(ValueError):
        process_batch.fn(items, False, prefetched=[ahead])
    # The holder given to the task is emptied by the attempt that used it; a retry gets none.
    outcomes = process_batch.fn(items, False, prefetched=holder)
    assert [o.action for o in outcomes] == ["new", "new"]


def _nightly_in_another_process(url: str, rounds: int) -> None:
    from etl.database import make_engine

    engine = make_engine(url)
    for _ in range(rounds):
        process_files(seed_paths(), engine, force=True)
    engine.dispose()


def _backfill_in_another_process(url: str, rounds: int) -> None:
    from etl.database import make_engine
    from etl.pipeline import process_items

    engine = make_engine(url)
    for _ in range(rounds):
        process_items(reprocessing_items(engine, force=True), engine, force=True)
    engine.dispose()


def test_a_nightly_and_a_backfill_at_once_never_duplicate_or_lose_rows(flow_env, warehouse_url):
    engine = flow_env
    process_files(seed_paths(), engine)
    expected = {
        table: _scalar(engine, f"select count(*) from {table}")
        for table in ("core.report", "v_reports", "core.application_cell", "core.article20_cell", "core.quality_issue")
    }
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_nightly_in_another_process, args=(warehouse_url, 4)),
        context.Process(target=_backfill_in_another_process, args=(warehouse_url, 4)),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
        assert worker.exitcode == 0
    assert {table: _scalar(engine, f"select count(*) from {table}") for table in expected} == expected
    assert expected["v_reports"] == 5 and expected["core.application_cell"] == 3 * 161
