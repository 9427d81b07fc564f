"""Crash safety at length: real `ogi run` commands killed at random moments, many times.

The longer version of tests/test_crash_safety.py (same harness, tests/crash_harness.py): writes
a corpus (default 500 reports, 40% HTML, 60% text; --mix as in tests/fixtures/corpus.py), then
kills `ogi run` --kills times (SIGKILL to the process group, SIGTERM to ogi, SIGINT to the group
as Ctrl-C sends it; during start-up or while loading), checking after each kill that every
current report holds exactly the cells, local rows and issues its file gives, that no report is
there twice and that no process of the run is left; then a final run must complete the corpus.

    .venv/bin/python benchmarks/crash_kills.py --server postgresql://postgres@127.0.0.1:5432/postgres
        [--kills 50] [--reports 500] [--seed 1]

Exit status 1 on any problem found. Prints one line per round.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from contextlib import nullcontext
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from etl import migrate  # noqa: E402
from etl.database import make_engine  # noqa: E402
from tests.crash_harness import (  # noqa: E402
    current_reports, expected_contents, free_port, kill_round, standing_prefect_server, start_ogi, warehouse_problems,
)
from tests.fixtures.corpus import write_corpus  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True, help="admin URL of a PostgreSQL server")
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--mix", default="html=40,text=60")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    mix = {kind: float(share) for kind, share in (part.split("=") for part in options.mix.split(","))}

    work = Path(tempfile.mkdtemp(prefix="ogi-crash-"))
    paths = write_corpus(work / "corpus", options.reports, mix, options.seed)
    expected = expected_contents(paths)
    database = f"ogi_crash_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(options.server.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'create database "{database}"')
    url = options.server.rsplit("/", 1)[0] + f"/{database}"
    engine = make_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    migrate.upgrade(engine)
    log = work / "runs.log"
    print(f"corpus: {len(paths)} reports in {work / 'corpus'}; runs' output in {log}")
    standing = nullcontext(os.environ.get("PREFECT_API_URL")) if os.environ.get("PREFECT_API_URL") \
        else standing_prefect_server(work / "prefect-server", free_port())
    failures = 0
    try:
        with standing as api:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OGI_"))}
            env.update(OGI_DATABASE_URL=url, OGI_HOME=str(work / "home"), PREFECT_API_URL=api,
                       PREFECT_HOME=str(work / "prefect-client"), PREFECT_LOGGING_LEVEL="WARNING", DO_NOT_TRACK="1")
            rng = random.Random(options.seed)
            number = kills = 0
            while kills < options.kills:
                started = time.monotonic()
                r = kill_round(engine, work / "corpus", expected, env, log, rng, number, workers=options.workers)
                kills += r.killed
                failures += bool(r.problems)
                print(f"round {number + 1:3d}: {r.signal:<7} to {r.target:<5} during {r.during:<8} "
                      f"{'--force' if r.force else 'fresh  '} {'killed' if r.killed else 'finished first'}, "
                      f"{r.loaded_before_kill:4d} loaded by then, exit {r.returncode}, {time.monotonic() - started:5.1f} s: "
                      + ("OK" if not r.problems else f"{len(r.problems)} PROBLEMS: {r.problems[:3]}"), flush=True)
                number += 1
            final = start_ogi(["run", str(work / "corpus")], env, log).wait()
            problems = warehouse_problems(engine, expected)
            complete = current_reports(engine)
            print(f"final run: exit {final}, {complete}/{len(paths)} reports current, "
                  + ("OK" if not problems and complete == len(paths) else f"PROBLEMS: {problems[:5]}"))
            failures += final != 0 or bool(problems) or complete != len(paths)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'drop database if exists "{database}" with (force)')
        admin.dispose()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
