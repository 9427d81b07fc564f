"""`ogi export`: views to CSV (UTF-8 with BOM), Parquet and Excel, streamed; read back with pandas,
the same rows and values; blanks stay blank."""

from __future__ import annotations

import datetime as dt
import math
import os
import subprocess
import sys
from decimal import Decimal

import pandas as pd
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from etl.export import ExportError, _csv_text, export_view
from etl.load import load_report
from etl.pipeline import process_files
from tests.conftest import seed_paths
from tests.test_provenance import read_fixture


@pytest.fixture
def loaded(engine):
    process_files(seed_paths(), engine)
    _fixture, _source, parsed = read_fixture("report_2021", "pdf")  # 2021 template, PDF pages, 万元 fee
    load_report(engine, parsed)
    return engine


def _db_rows(engine, view: str, where: str = "", **params) -> tuple[list[str], list[tuple]]:
    with engine.connect() as conn:
        result = conn.execute(sa.text(f"select * from {view} {where}"), params)
        return list(result.keys()), [tuple(r) for r in result]


def _norm(value, seconds: bool = False):
    """One representation for a value read back from any format (times to the second for Excel)."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
        return round(float(value), 6)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat() if seconds else value.isoformat()
    if isinstance(value, dt.date):
        # Excel has no date type apart from date-times: a date comes back at midnight.
        return dt.datetime.combine(value, dt.time()).isoformat() if seconds else value.isoformat()
    return str(value)


def _sorted(rows):
    return sorted(rows, key=lambda row: [("" if v is None else str(v)) for v in row])


def _read_back(path, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if fmt == "parquet":
        return pd.read_parquet(path)
    return pd.read_excel(path, dtype=object)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_round_trip(loaded, tmp_path, fmt):
    for view in ("v_report_summary", "v_applications_long", "v_reports", "v_article20_long"):
        assert_round_trip(loaded, tmp_path, view, fmt)


def assert_round_trip(loaded, tmp_path, view, fmt):
    out = tmp_path / f"{view}.{fmt}"
    count = export_view(loaded, view, fmt, out, chunk_rows=100)
    columns, rows = _db_rows(loaded, view)
    assert count == len(rows) > 0
    frame = _read_back(out, fmt)
    assert list(frame.columns) == columns
    got = [tuple(r) for r in frame.itertuples(index=False, name=None)]
    if fmt == "csv":
        expected = [tuple(_csv_text(v) for v in row) for row in rows]
        assert out.read_bytes()[:3] == b"\xef\xbb\xbf"  # the BOM Excel needs for Chinese
    else:
        expected = [tuple(_norm(v, seconds=fmt == "xlsx") for v in row) for row in rows]
        got = [tuple(_norm(v) for v in row) for row in got]
        if fmt == "xlsx":
            # An Excel cell cannot hold an empty string: a blank printed cell's raw "" comes back
            # empty, like NULL (CSV and Parquet keep the two apart).
            expected = [tuple(None if v == "" else v for v in row) for row in expected]
    assert _sorted(got) == _sorted(expected)


def test_blank_stays_blank_in_every_format(loaded, tmp_path):
    where = "where value is null"
    _columns, nulls = _db_rows(loaded, "v_applications_long", where)
    assert nulls, "the fixtures print blank cells"
    export_view(loaded, "v_applications_long", "csv", tmp_path / "a.csv")
    frame = pd.read_csv(tmp_path / "a.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert (frame["value"] == "").sum() == len(nulls)
    export_view(loaded, "v_applications_long", "parquet", tmp_path / "a.parquet")
    assert pd.read_parquet(tmp_path / "a.parquet")["value"].isna().sum() == len(nulls)


def test_filters_and_streaming_in_chunks(loaded, tmp_path):
    out = tmp_path / "suzhou.parquet"
    count = export_view(loaded, "v_applications_long", "parquet", out, years=(2021, 2023), jurisdiction="320000",
                        chunk_rows=40)
    _columns, rows = _db_rows(loaded, "v_applications_long",
                              "where year between 2021 and 2023 and jurisdiction_code like '32%'")
    assert count == len(rows) == 175  # the 2021-template report only
    # Written as it streamed: one row group per chunk of 40.
    assert pq.ParquetFile(out).metadata.num_row_groups == math.ceil(175 / 40)
    assert export_view(loaded, "v_reports", "csv", tmp_path / "none.csv", years=(1990, 1991)) == 0
    columns, _rows = _db_rows(loaded, "v_reports", "where false")
    assert pd.read_csv(tmp_path / "none.csv", encoding="utf-8-sig").shape == (0, len(columns))


def test_only_known_views_and_formats(loaded, tmp_path):
    with pytest.raises(ExportError, match="unknown view"):
        export_view(loaded, "core.report; drop table core.report", "csv", tmp_path / "x.csv")
    with pytest.raises(ExportError, match="unknown format"):
        export_view(loaded, "v_reports", "json", tmp_path / "x.json")
    assert not (tmp_path / "x.csv").exists()


def test_ogi_export_command(loaded, warehouse_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OGI_")}
    env.update(OGI_DATABASE_URL=warehouse_url, OGI_HOME=os.environ["OGI_HOME"])
    out = tmp_path / "summary.xlsx"
    done = subprocess.run([sys.executable, "-m", "etl.cli", "export", "v_report_summary", "--year", "2020",
                           "-o", str(out)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "4 rows of v_report_summary" in done.stdout  # four seeds are on 2020, one on 2018
    assert sorted(pd.read_excel(out, dtype=object)["year"]) == [2020] * 4
    bad = subprocess.run([sys.executable, "-m", "etl.cli", "export", "pg_user", "-o", str(tmp_path / "u.csv")],
                         env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "one of v_reports" in bad.stderr
