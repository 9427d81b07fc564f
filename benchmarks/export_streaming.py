"""Benchmark: `ogi export` of a large view stays small in memory (it streams), in every format.

Loads seed 003 once, clones its report and cells in SQL into N current reports (distinct places
and years), then exports v_applications_long (161 rows a report) to CSV, Parquet and Excel, each
in a fresh process, and prints rows, seconds, file size and the process's peak memory — beside
the peak of reading the same view whole with pandas.read_sql, for contrast.

    .venv/bin/python benchmarks/export_streaming.py [--server postgresql://postgres@127.0.0.1:5432/postgres]
                                                    [--reports 2000]

It prints figures; it asserts nothing about time or memory.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "tests" / "fixtures" / "seeds" / "003_2b6abe27bfe85e6a.txt"
VIEW = "v_applications_long"

_EXPORT = """
import resource, sys, time
from etl.database import make_engine
from etl.export import export_view
started = time.monotonic()
rows = export_view(make_engine(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4])
print(rows, time.monotonic() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
_WHOLE = """
import resource, sys, time
import pandas as pd
from etl.database import make_engine
started = time.monotonic()
frame = pd.read_sql("select * from " + sys.argv[2], make_engine(sys.argv[1]))
print(len(frame), time.monotonic() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def clone_reports(engine, count: int) -> int:
    with engine.begin() as conn:
        source = conn.execute(sa.text("select report_id from core.report where is_current and status = 'loaded'")).scalar_one()
        conn.execute(sa.text(
            """
            insert into core.report (jurisdiction_code, agency, year, source_uri, sha256, template, title, published_on,
                                     status, status_detail, conversion, parser_version, is_current)
            select t.code, r.agency, t.year, 'bench:' || t.code || ':' || t.year, r.sha256, r.template, r.title,
                   r.published_on, r.status, r.status_detail, r.conversion, r.parser_version, true
            from core.report r,
                 lateral (select j.code, y.year from core.jurisdiction j cross join generate_series(2019, 2022) y(year)
                          where (j.code, y.year) <> (r.jurisdiction_code, r.year)
                          order by y.year, j.code limit :n) t
            where r.report_id = :source
            """), {"source": source, "n": count - 1})
        conn.execute(sa.text(
            """
            insert into core.application_cell
            select r.report_id, c.row_code, c.applicant, c.value, c.row_label, c.column_label, c.raw,
                   c.source_line, c.source_page
            from core.report r join core.application_cell c on c.report_id = :source
            where r.source_uri like 'bench:%'
            """), {"source": source})
        return conn.execute(sa.text(f"select count(*) from {VIEW}")).scalar_one()


def measure(script: str, *args: str) -> tuple[int, float, float]:
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=REPO, capture_output=True, text=True, check=True)
    rows, seconds, max_rss_kb = done.stdout.split()
    return int(rows), float(seconds), int(max_rss_kb) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--reports", type=int, default=2000)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from etl import migrate
    from etl.database import make_engine, normalise_url
    from etl.pipeline import process_files

    server = normalise_url(args.server)
    name = f"ogi_bench_export_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'create database "{name}"')
    url = server.rsplit("/", 1)[0] + f"/{name}"
    try:
        engine = make_engine(url)
        migrate.upgrade(engine)
        process_files([SEED], engine)
        rows = clone_reports(engine, args.reports)
        engine.dispose()
        print(f"{args.reports} reports, {rows:,} rows in {VIEW}")
        print(f"{'how':<24} {'rows':>10} {'seconds':>8} {'MB file':>8} {'peak MB':>8}")
        with tempfile.TemporaryDirectory() as folder:
            for fmt in ("csv", "parquet", "xlsx"):
                out = Path(folder) / f"export.{fmt}"
                got, seconds, peak = measure(_EXPORT, url, VIEW, fmt, str(out))
                print(f"{'ogi export --format ' + fmt:<24} {got:>10,} {seconds:>8.1f} {out.stat().st_size / 2**20:>8.1f} {peak:>8.0f}")
            got, seconds, peak = measure(_WHOLE, url, VIEW)
            print(f"{'pandas.read_sql (whole)':<24} {got:>10,} {seconds:>8.1f} {'':>8} {peak:>8.0f}")
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'drop database if exists "{name}" with (force)')
        admin.dispose()
    return 0


if __name__ == "__main__":
    started = time.monotonic()
    status = main()
    print(f"done in {time.monotonic() - started:.0f} s")
    sys.exit(status)
