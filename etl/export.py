"""`ogi export`: an analyst view to CSV, Parquet or Excel, streamed.

Rows come from a server-side cursor in chunks and are written as they arrive (CSV rows, Parquet
row groups, a write-only workbook), so a view of millions of cells never sits in memory. Only the
views of the data dictionary can be exported (their names are never taken from the user into SQL
otherwise). CSV is UTF-8 with a BOM, which Excel needs to open Chinese text correctly.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from etl import dictionary

FORMATS = ("csv", "parquet", "xlsx")
CHUNK_ROWS = 10_000
XLSX_MAX_ROWS = 1_048_576  # Excel's rows per sheet, the header included; more rows go on to the next sheet


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str  # information_schema.columns.data_type


class ExportError(ValueError):
    pass


def format_of(path: str | Path) -> str | None:
    suffix = Path(path).suffix.lower().lstrip(".")
    return {"csv": "csv", "parquet": "parquet", "pq": "parquet", "xlsx": "xlsx"}.get(suffix)


def columns_of(engine: Engine, view: str) -> list[Column]:
    if view not in dictionary.view_names():
        raise ExportError(f"unknown view {view!r}; one of: {', '.join(dictionary.view_names())}")
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'public' and table_name = :view order by ordinal_position"
        ), {"view": view}).all()
    if not rows:
        raise ExportError(f"view {view} is not in this database (run `ogi db upgrade`)")
    return [Column(name, data_type) for name, data_type in rows]


def query_of(view: str, columns: list[Column], years: tuple[int, int] | None, jurisdiction: str | None):
    # `view` is one of the dictionary's names (checked in columns_of); the filters are parameters.
    select = ", ".join(f'"{c.name}"' for c in columns)
    where, params = [], {}
    if years is not None:
        where.append("year between :year_from and :year_to")
        params.update(year_from=years[0], year_to=years[1])
    if jurisdiction is not None:
        from etl.jurisdictions import code_prefix  # the same "places under a code" as ogi backfill

        where.append("jurisdiction_code like :prefix")
        params["prefix"] = code_prefix(jurisdiction) + "%"
    sql = f"select {select} from {view}" + (f" where {' and '.join(where)}" if where else "")
    return sa.text(sql), params


def stream_rows(engine: Engine, query, params: dict, chunk_rows: int) -> Iterator[list[tuple]]:
    """Chunks of rows from a server-side cursor (psycopg named cursor), never the whole result."""
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, max_row_buffer=chunk_rows).execute(query, params)
        for chunk in result.partitions(chunk_rows):
            yield [tuple(row) for row in chunk]


def export_view(
    engine: Engine, view: str, fmt: str, out: str | Path, years: tuple[int, int] | None = None,
    jurisdiction: str | None = None, chunk_rows: int = CHUNK_ROWS, progress: Callable[[int], None] | None = None,
) -> int:
    """Write the view (filtered) to `out`; returns the number of rows. The file appears only when
    complete: it is written beside it under a temporary name first."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; one of: {', '.join(FORMATS)}")
    columns = columns_of(engine, view)
    query, params = query_of(view, columns, years, jurisdiction)
    out = Path(out)
    partial = out.with_name(f".{out.name}.partial")
    writer = {"csv": _write_csv, "parquet": _write_parquet, "xlsx": _write_xlsx}[fmt]
    written = 0

    def chunks() -> Iterator[list[tuple]]:
        nonlocal written
        for chunk in stream_rows(engine, query, params, chunk_rows):
            written += len(chunk)
            if progress is not None:
                progress(written)
            yield chunk

    try:
        writer(partial, view, columns, chunks())
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return written


# --- Writers ---------------------------------------------------------------------------------


def _csv_text(value) -> str:
    if value is None:
        return ""  # blank stays blank: NULL is never written as 0
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _write_csv(path: Path, _view: str, columns: list[Column], chunks) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.name for c in columns])
        for chunk in chunks:
            writer.writerows([_csv_text(v) for v in row] for row in chunk)


def _arrow_type(data_type: str):
    import pyarrow as pa

    return {
        "integer": pa.int32(), "bigint": pa.int64(), "smallint": pa.int16(),
        # Counts and 万元 amounts: doubles are what pandas, R and BI tools read without ceremony.
        "numeric": pa.float64(), "double precision": pa.float64(), "real": pa.float32(),
        "boolean": pa.bool_(), "date": pa.date32(),
        "timestamp with time zone": pa.timestamp("us", tz="UTC"), "timestamp without time zone": pa.timestamp("us"),
    }.get(data_type, pa.string())


def _write_parquet(path: Path, _view: str, columns: list[Column], chunks) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(c.name, _arrow_type(c.data_type)) for c in columns])
    numeric = [pa.types.is_floating(field.type) for field in schema]
    with pq.ParquetWriter(path, schema) as writer:
        wrote = False
        for chunk in chunks:
            arrays = []
            for index, field in enumerate(schema):
                values = [row[index] for row in chunk]
                if numeric[index]:
                    values = [None if v is None else float(v) for v in values]
                arrays.append(pa.array(values, type=field.type))
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))  # one row group per chunk
            wrote = True
        if not wrote:
            writer.write_table(schema.empty_table())


def _xlsx_value(value):
    if isinstance(value, Decimal):
        return float(value)  # counts and 万元 amounts; Excel stores every number as a double
    if isinstance(value, dt.datetime):
        # Excel has neither time zones (so: UTC) nor exact sub-second times (so: whole seconds).
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.replace(microsecond=0)
    return value


def _write_xlsx(path: Path, view: str, columns: list[Column], chunks) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)  # rows go to a temporary file as they are appended
    header = [c.name for c in columns]
    sheets = 0
    sheet = None
    rows_in_sheet = XLSX_MAX_ROWS

    def new_sheet():
        nonlocal sheets, sheet, rows_in_sheet
        sheets += 1
        sheet = workbook.create_sheet(title=view[:31] if sheets == 1 else f"{view[:26]} ({sheets})")
        sheet.append(header)
        rows_in_sheet = 1

    new_sheet()
    for chunk in chunks:
        for row in chunk:
            if rows_in_sheet >= XLSX_MAX_ROWS:
                new_sheet()
            sheet.append([_xlsx_value(v) for v in row])
            rows_in_sheet += 1
    workbook.save(path)
