"""Benchmark: nightly and backfill runs over a corpus of 1,000 reports, as a user runs them.

Builds 1,000 distinct reports (seed 003's text for the prefecture-level places × 2019-2022) in a
temporary folder, registers it as a source, and times whole `ogi` commands (Prefect included):

1. the first nightly run (parses and loads everything),
2. a nightly run over the unchanged corpus (goal: under 15 s; it must parse nothing),
3. a forced backfill of the same corpus (re-parses everything from the raw archive).

    .venv/bin/python benchmarks/nightly_corpus.py [--server postgresql://postgres@127.0.0.1:5432/postgres]
                                                  [--reports 1000]

Without --server it uses an embedded PostgreSQL in a temporary OGI_HOME. It prints figures;
it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "tests" / "fixtures" / "seeds" / "003_2b6abe27bfe85e6a.txt"
OGI = [sys.executable, "-m", "etl.cli"]


def build_corpus(folder: Path, count: int) -> int:
    sys.path.insert(0, str(REPO))
    from etl.jurisdictions import load_jurisdictions

    frame = load_jurisdictions()
    places = [
        name for name, level in zip(frame["name"], frame["level"])
        if level == "prefecture" and name not in ("市辖区", "县") and name.endswith(("市", "州", "盟", "地区"))
    ]
    text = SEED.read_text(encoding="utf-8")
    written = 0
    for year in (2019, 2020, 2021, 2022):
        for place in places:
            if written == count:
                return written
            report = text.replace("苏州市", place).replace("2020年", f"{year}年")
            (folder / f"{year}_{written:05d}.txt").write_text(report, encoding="utf-8")
            written += 1
    return written


def timed(args: list[str], env: dict) -> tuple[float, str]:
    started = time.monotonic()
    result = subprocess.run(OGI + args, cwd=REPO, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"ogi {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return elapsed, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", help="admin URL of a PostgreSQL server to create the benchmark database on")
    parser.add_argument("--reports", type=int, default=1000)
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ogi-bench-"))
    corpus = work / "corpus"
    corpus.mkdir()
    count = build_corpus(corpus, options.reports)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OGI_")}
    env["OGI_HOME"] = str(work / "home")
    database = None
    if options.server:
        database = f"ogi_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(options.server.replace("postgresql://", "postgresql+psycopg://", 1),
                                 isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'create database "{database}"')
        env["OGI_DATABASE_URL"] = options.server.rsplit("/", 1)[0] + f"/{database}"
    print(f"corpus: {count} reports in {corpus} ({sum(p.stat().st_size for p in corpus.iterdir()) / 1e6:.1f} MB)")
    print(f"database: {env.get('OGI_DATABASE_URL', 'embedded PostgreSQL under ' + env['OGI_HOME'])}")
    print(f"prefect: {env.get('PREFECT_API_URL', 'a temporary server per run')}")
    try:
        timed(["sources", "add", str(corpus)], env)
        figures = []
        for label, args in (
            ("first nightly (parses and loads all)", ["nightly"]),
            ("nightly, unchanged corpus (goal < 15 s)", ["nightly"]),
            ("backfill --force (re-parses all from the archive)", ["backfill", "--force"]),
        ):
            elapsed, output = timed(args, env)
            actions = next((line.strip() for line in output.splitlines() if re.match(r"\s+\d+ \w+", line)), "")
            figures.append((label, elapsed, actions))
            print(f"{label:<52} {elapsed:7.1f} s  {count / elapsed:7.0f} reports/s   [{actions}]", flush=True)
    finally:
        if database:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'drop database if exists "{database}" with (force)')
        else:
            subprocess.run(OGI + ["db", "stop"], cwd=REPO, env=env, capture_output=True)


if __name__ == "__main__":
    main()
