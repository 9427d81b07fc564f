"""Writing one parsed report into the warehouse: one transaction, its rows replaced atomically.

A report is identified by (jurisdiction_code, agency, year); a quarantined file, whose identity
is unknown, by its source URI. Loading the same bytes with the same parser again changes
nothing; a changed file becomes the current version and the older one stays as history.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from etl import PARSER_VERSION
from etl.transform import QUARANTINED, ParsedReport

NEW = "new"
REPLACED = "replaced"  # a changed file for a report already loaded: the old version is history
REPROCESSED = "reprocessed"  # the same file again under a newer parser (or forced): rows replaced
UNCHANGED = "unchanged"

_report = sa.table(
    "report",
    *(sa.column(c) for c in (
        "report_id", "jurisdiction_code", "agency", "year", "source_uri", "sha256", "template", "title",
        "published_on", "status", "status_detail", "conversion", "parser_version", "is_current",
        "superseded_by", "loaded_at",
    )),
    schema="core",
)
# ParsedReport attribute → the table its rows go to (all keyed by report_id).
_ROW_TABLES = {
    "article20": sa.table(
        "article20_cell",
        *(sa.column(c) for c in ("report_id", "item", "category", "metric", "value", "unit", "row_label", "column_label", "raw")),
        schema="core",
    ),
    "applications": sa.table(
        "application_cell",
        *(sa.column(c) for c in ("report_id", "row_code", "applicant", "value", "row_label", "column_label", "raw")),
        schema="core",
    ),
    "review_litigation": sa.table(
        "review_litigation_cell",
        *(sa.column(c) for c in ("report_id", "proceeding", "outcome", "value", "label", "raw")),
        schema="core",
    ),
    "local_rows": sa.table(
        "local_row_cell",
        *(sa.column(c) for c in ("report_id", "table_name", "row_no", "position", "row_label", "value", "raw")),
        schema="core",
    ),
}
_issue = sa.table(
    "quality_issue",
    *(sa.column(c) for c in ("report_id", "issue_no", "table_name", "check_code", "severity", "detail", "expected", "actual")),
    schema="core",
)


def unchanged_reports(engine: Engine, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(source_uri, sha256) → report_id, for the keys whose exact bytes this parser version has
    already loaded: one query for a whole batch, so an unchanged corpus costs no parsing.

    The same bytes under another path or URL (a moved file, a mirror) are the same report; a
    quarantined file is known only by its own URI.
    """
    if not keys:
        return {}
    query = sa.text(
        """
        select k.source_uri, k.sha256, r.report_id
        from unnest(cast(:uris as text[]), cast(:shas as text[])) as k(source_uri, sha256)
        join core.report r
          on r.sha256 = k.sha256
         and (r.status <> 'quarantined' or r.source_uri = k.source_uri)
        where r.is_current and r.parser_version = :parser_version
        """
    )
    with engine.connect() as conn:
        rows = conn.execute(query, {
            "uris": [u for u, _ in keys], "shas": [s for _, s in keys], "parser_version": PARSER_VERSION,
        }).all()
    return {(uri, sha): report_id for uri, sha, report_id in rows}


def load_report(engine: Engine, parsed: ParsedReport, force: bool = False) -> tuple[str, int]:
    """Write the report; returns (what happened, report_id)."""
    with engine.begin() as conn:
        _lock(conn, _identity_key(parsed))
        current = _current_version(conn, parsed)
        if current is not None and current.sha256 == parsed.sha256:
            # The same bytes under another path or URL are the same report (as unchanged_reports says).
            if current.parser_version == PARSER_VERSION and not force:
                return UNCHANGED, current.report_id
            _delete_rows(conn, current.report_id)
            conn.execute(
                _report.update().where(_report.c.report_id == current.report_id).values(
                    **_report_values(parsed), loaded_at=sa.func.now()
                )
            )
            _insert_rows(conn, current.report_id, parsed)
            return REPROCESSED, current.report_id

        # Older versions leave the current set before the new one enters it (one current per identity).
        retired = [current.report_id] if current is not None else []
        if parsed.status != QUARANTINED:
            # The file now reads: an earlier quarantined version of it is history too.
            retired += conn.execute(
                sa.select(_report.c.report_id).where(
                    _report.c.is_current, _report.c.status == QUARANTINED,
                    _report.c.source_uri == parsed.source_uri,
                )
            ).scalars().all()
        if retired:
            conn.execute(_report.update().where(_report.c.report_id.in_(retired)).values(is_current=False))
        report_id = conn.execute(
            _report.insert().values(**_report_values(parsed), is_current=True).returning(_report.c.report_id)
        ).scalar_one()
        if retired:
            conn.execute(_report.update().where(_report.c.report_id.in_(retired)).values(superseded_by=report_id))
        _insert_rows(conn, report_id, parsed)
        return (REPLACED if current is not None else NEW), report_id


def _identity_key(parsed: ParsedReport) -> str:
    if parsed.status == QUARANTINED:
        return f"source:{parsed.source_uri}"
    return f"report:{parsed.jurisdiction_code}:{parsed.agency}:{parsed.year}"


def _lock(conn: Connection, key: str) -> None:
    # Two runs loading the same report at once take turns instead of both inserting a current version.
    conn.execute(sa.text("select pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def _current_version(conn: Connection, parsed: ParsedReport):
    query = sa.select(_report.c.report_id, _report.c.sha256, _report.c.parser_version, _report.c.source_uri).where(
        _report.c.is_current
    )
    if parsed.status == QUARANTINED:
        query = query.where(_report.c.status == QUARANTINED, _report.c.source_uri == parsed.source_uri)
    else:
        query = query.where(
            _report.c.status != QUARANTINED,
            _report.c.jurisdiction_code == parsed.jurisdiction_code,
            _report.c.agency == parsed.agency,
            _report.c.year == parsed.year,
        )
    return conn.execute(query).first()


def _report_values(parsed: ParsedReport) -> dict:
    return {
        "jurisdiction_code": parsed.jurisdiction_code,
        "agency": parsed.agency,
        "year": parsed.year,
        "source_uri": parsed.source_uri,
        "sha256": parsed.sha256,
        "template": parsed.template,
        "title": parsed.title,
        "published_on": parsed.published_on,
        "status": parsed.status,
        "status_detail": parsed.status_detail,
        "conversion": parsed.conversion,
        "parser_version": PARSER_VERSION,
    }


def _delete_rows(conn: Connection, report_id: int) -> None:
    for table in (*_ROW_TABLES.values(), _issue):
        conn.execute(table.delete().where(table.c.report_id == report_id))


def _insert_rows(conn: Connection, report_id: int, parsed: ParsedReport) -> None:
    # COPY, in the report's transaction: a report has hundreds of cells, and row-by-row INSERTs
    # cost more than reading and parsing the report (~60 ms against ~3 ms), which made the
    # loading process the bottleneck of a parallel run.
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        for name, table in _ROW_TABLES.items():
            rows = getattr(parsed, name)
            if rows:
                _copy(cursor, table, [{**row, "report_id": report_id} for row in rows])
        if parsed.issues:
            _copy(cursor, _issue, [
                {**issue.as_row(), "report_id": report_id, "issue_no": n} for n, issue in enumerate(parsed.issues, 1)
            ])
    finally:
        cursor.close()


def _copy(cursor, table: sa.TableClause, rows: list[dict]) -> None:
    columns = [name for name in table.c.keys() if name in rows[0]]  # as an INSERT of these rows would
    with cursor.copy(f"copy {table.schema}.{table.name} ({', '.join(columns)}) from stdin") as copy:
        for row in rows:
            copy.write_row([row[name] for name in columns])
