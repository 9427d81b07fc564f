"""Writing one parsed report into the warehouse: one transaction, its rows replaced atomically.

A report is identified by (jurisdiction_code, agency, year) and comes from a source (its path or
URL). Loading the same bytes with the same parser again changes nothing; new bytes from the same
source become its current version and the older one stays as history. A different source whose
report reads as an identity already held is loaded beside it, never over it: both stay current
and v_quality_issues gives each an identity_conflict, until the user says which one replaces the
other (`ogi run --replace`).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from etl import PARSER_VERSION
from etl.transform import QUARANTINED, ParsedReport

NEW = "new"
REPLACED = "replaced"  # new bytes from the same source (or --replace): the old version is history
CONFLICT = "conflict"  # loaded beside another source's current report of the same identity
REPROCESSED = "reprocessed"  # the same file again under a newer parser (or forced): rows replaced
UNCHANGED = "unchanged"

_report = sa.table(
    "report",
    *(sa.column(c) for c in (
        "report_id", "jurisdiction_code", "agency", "agency_printed", "zone", "year", "source_uri", "sha256", "template", "title",
        "published_on", "status", "status_detail", "conversion", "parser_version", "is_current",
        "superseded_by", "loaded_at",
    )),
    schema="core",
)
# ParsedReport attribute → the table its rows go to (all keyed by report_id).
_ROW_TABLES = {
    "article20": sa.table(
        "article20_cell",
        *(sa.column(c) for c in ("report_id", "item", "category", "metric", "value", "unit", "row_label", "column_label", "raw", "source_line", "source_page")),
        schema="core",
    ),
    "applications": sa.table(
        "application_cell",
        *(sa.column(c) for c in ("report_id", "row_code", "applicant", "value", "row_label", "column_label", "raw", "source_line", "source_page")),
        schema="core",
    ),
    "review_litigation": sa.table(
        "review_litigation_cell",
        *(sa.column(c) for c in ("report_id", "proceeding", "outcome", "value", "label", "raw", "source_line", "source_page")),
        schema="core",
    ),
    "local_rows": sa.table(
        "local_row_cell",
        *(sa.column(c) for c in ("report_id", "table_name", "row_no", "position", "row_label", "value", "raw", "source_line", "source_page")),
        schema="core",
    ),
    "narrative_facts": sa.table(
        "narrative_fact",
        *(sa.column(c) for c in ("report_id", "fact_no", "fact", "value", "unit", "sentence", "source_line")),
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
    quarantined file is known only by its own URI; bytes that lost to another source's report by
    `--replace` stay settled.
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
        union all
        -- Bytes another source's report superseded by --replace: settled, not to be loaded again.
        select k.source_uri, k.sha256, r.report_id
        from unnest(cast(:uris as text[]), cast(:shas as text[])) as k(source_uri, sha256)
        join core.report r on r.sha256 = k.sha256 and r.source_uri = k.source_uri and not r.is_current
        join core.report w
          on w.report_id = r.superseded_by and w.is_current and w.source_uri <> r.source_uri
         and w.jurisdiction_code = r.jurisdiction_code and w.agency = r.agency and w.year = r.year
        where r.parser_version = :parser_version
          and not exists (select 1 from core.report o where o.source_uri = k.source_uri and o.is_current)
        """
    )
    with engine.connect() as conn:
        rows = conn.execute(query, {
            "uris": [u for u, _ in keys], "shas": [s for _, s in keys], "parser_version": PARSER_VERSION,
        }).all()
    return {(uri, sha): report_id for uri, sha, report_id in rows}


def load_report(engine: Engine, parsed: ParsedReport, force: bool = False, replace: bool = False) -> tuple[str, int]:
    """Write the report; returns (what happened, report_id).

    A source (path or URL) has one current report. New bytes from the same source replace its
    current report; a report from another source that reads as the same (jurisdiction, agency,
    year) is kept beside it (CONFLICT: v_quality_issues marks both), unless `replace` says the
    new one supersedes it.
    """
    with engine.begin() as conn:
        # Source first, identity second: a fixed order, so two runs cannot deadlock.
        _lock(conn, f"source:{parsed.source_uri}")
        if parsed.status != QUARANTINED:
            _lock(conn, _identity_key(parsed))
        own = _current_of_source(conn, parsed.source_uri)
        holders = _current_holders(conn, parsed)
        twin = next((r for r in [own, *holders] if r is not None and r.sha256 == parsed.sha256), None)
        if twin is not None:
            # The same bytes under another path or URL are the same report (as unchanged_reports says).
            superseded = [r.report_id for r in holders if r.report_id != twin.report_id] if replace else []
            if superseded:
                # Told to: the other sources' reports of this identity become history under this one.
                conn.execute(_report.update().where(_report.c.report_id.in_(superseded)).values(
                    is_current=False, superseded_by=twin.report_id))
            if twin.parser_version == PARSER_VERSION and not force:
                return (REPLACED if superseded else UNCHANGED), twin.report_id
            values = _report_values(parsed)
            if twin.source_uri != parsed.source_uri:
                values["source_uri"] = twin.source_uri  # the report stays known by its first source
            _delete_rows(conn, twin.report_id)
            conn.execute(
                _report.update().where(_report.c.report_id == twin.report_id).values(**values, loaded_at=sa.func.now())
            )
            _insert_rows(conn, twin.report_id, parsed)
            if own is not None and own.report_id != twin.report_id:
                # This source now holds another source's bytes: its own earlier report is history.
                conn.execute(_report.update().where(_report.c.report_id == own.report_id).values(
                    is_current=False, superseded_by=twin.report_id))
            return (REPLACED if superseded else REPROCESSED), twin.report_id

        if own is None and not replace:
            settled = _settled_by_replace(conn, parsed)
            if settled is not None:
                # These bytes lost to another source's report by an earlier --replace: rerunning the
                # folder must not bring them back as a conflict (the user can --replace again).
                return UNCHANGED, settled

        # New bytes. Only the source's own earlier version (or, when told, every current holder of
        # the identity) leaves the current set; another source's report is never replaced silently.
        retired = [own.report_id] if own is not None else []
        others = [r for r in holders if own is None or r.report_id != own.report_id]
        if replace:
            retired += [r.report_id for r in others]
            others = []
        if retired:
            conn.execute(_report.update().where(_report.c.report_id.in_(retired)).values(is_current=False))
        report_id = conn.execute(
            _report.insert().values(**_report_values(parsed), is_current=True).returning(_report.c.report_id)
        ).scalar_one()
        if retired:
            conn.execute(_report.update().where(_report.c.report_id.in_(retired)).values(superseded_by=report_id))
        _insert_rows(conn, report_id, parsed)
        if others:
            return CONFLICT, report_id
        return (REPLACED if retired else NEW), report_id


def _identity_key(parsed: ParsedReport) -> str:
    return f"report:{parsed.jurisdiction_code}:{parsed.agency}:{parsed.year}"


def _lock(conn: Connection, key: str) -> None:
    # Two runs loading the same report at once take turns instead of both inserting a current version.
    conn.execute(sa.text("select pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


_VERSION_COLUMNS = (_report.c.report_id, _report.c.sha256, _report.c.parser_version, _report.c.source_uri)


def _current_of_source(conn: Connection, source_uri: str):
    return conn.execute(
        sa.select(*_VERSION_COLUMNS).where(_report.c.is_current, _report.c.source_uri == source_uri)
    ).first()


def _current_holders(conn: Connection, parsed: ParsedReport) -> list:
    """The current reports (of any source) with the parsed report's identity; none for a quarantined file."""
    if parsed.status == QUARANTINED:
        return []
    return conn.execute(
        sa.select(*_VERSION_COLUMNS).where(
            _report.c.is_current,
            _report.c.status != QUARANTINED,
            _report.c.jurisdiction_code == parsed.jurisdiction_code,
            _report.c.agency == parsed.agency,
            _report.c.year == parsed.year,
        ).order_by(_report.c.report_id)
    ).all()


def _settled_by_replace(conn: Connection, parsed: ParsedReport) -> int | None:
    """This source's version with these bytes, if another source's current report of the same
    identity superseded it (what `--replace` does)."""
    if parsed.status == QUARANTINED:
        return None
    winner = _report.alias("winner")
    return conn.execute(
        sa.select(_report.c.report_id)
        .join(winner, winner.c.report_id == _report.c.superseded_by)
        .where(
            _report.c.source_uri == parsed.source_uri, _report.c.sha256 == parsed.sha256, ~_report.c.is_current,
            winner.c.is_current, winner.c.source_uri != parsed.source_uri,
            winner.c.jurisdiction_code == parsed.jurisdiction_code, winner.c.agency == parsed.agency,
            winner.c.year == parsed.year,
        )
        .order_by(_report.c.report_id.desc())
    ).scalars().first()


def _report_values(parsed: ParsedReport) -> dict:
    return {
        "jurisdiction_code": parsed.jurisdiction_code,
        "agency": parsed.agency,
        "agency_printed": parsed.agency_printed,
        "zone": parsed.zone,
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
