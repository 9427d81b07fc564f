"""Crash safety: real `ogi run` commands over 200 generated reports killed at random moments
(SIGKILL to the process group, SIGTERM to ogi, SIGINT as Ctrl-C sends it), ten times; after each
kill the warehouse holds only whole reports, none twice, and no process of the run is left; a
final run completes the rest. The runs report to one standing Prefect server (started once, about
15 s), so that no kill orphans a temporary server. benchmarks/crash_kills.py runs more rounds."""

from __future__ import annotations

import os
import random

import pytest

from etl import migrate
from etl.database import make_engine
from tests.crash_harness import (
    current_reports, expected_contents, free_port, kill_round, standing_prefect_server, start_ogi,
    warehouse_problems,
)
from tests.fixtures.corpus import write_corpus

pytestmark = pytest.mark.prefect

REPORTS = 200
KILLS = 10


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory):
    with standing_prefect_server(tmp_path_factory.mktemp("prefect"), free_port()) as api:
        yield api


def test_runs_killed_at_random_moments_leave_only_whole_reports_and_a_rerun_completes_them(
    prefect_api, new_database, tmp_path,
):
    corpus = tmp_path / "corpus"
    paths = write_corpus(corpus, REPORTS, {"html": 20, "text": 80}, seed=7)
    expected = expected_contents(paths)
    assert {e.status for e in expected.values()} == {"loaded"}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OGI_"))}
    env.update(OGI_DATABASE_URL=new_database(), OGI_HOME=str(tmp_path / "home"), PREFECT_API_URL=prefect_api,
               PREFECT_HOME=str(tmp_path / "prefect-client"), PREFECT_LOGGING_LEVEL="WARNING", DO_NOT_TRACK="1")
    log = tmp_path / "runs.log"
    engine = make_engine(env["OGI_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1))
    # The schema first, so that the first round can be killed at any moment of its run.
    migrate.upgrade(engine)

    rng = random.Random(2026)
    rounds = []
    number = 0
    while sum(r.killed for r in rounds) < KILLS:
        assert number < 2 * KILLS, f"only {sum(r.killed for r in rounds)} of {number} runs were still going when killed"
        outcome = kill_round(engine, corpus, expected, env, log, rng, number)
        assert outcome.problems == [], (outcome, log.read_text()[-3000:])
        rounds.append(outcome)
        number += 1
    killed = [r for r in rounds if r.killed]
    assert {r.signal for r in killed} == {"SIGKILL", "SIGTERM", "SIGINT"}
    # Most kills came while reports were being loaded, not before the first or after the last.
    assert sum(0 < r.loaded_before_kill < REPORTS for r in killed if r.during == "loading") >= KILLS // 2, rounds

    final = start_ogi(["run", str(corpus)], env, log)
    assert final.wait(timeout=900) == 0, log.read_text()[-3000:]
    assert warehouse_problems(engine, expected) == []
    assert current_reports(engine) == REPORTS
    assert f"{REPORTS} report file(s): {REPORTS} loaded" in log.read_text()
    engine.dispose()
