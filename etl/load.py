"""Writing one parsed report into the warehouse: one transaction, its rows replaced atomically.

A report is identified by (jurisdiction_code, agency, year) and comes from a source (its path or
URL). Loading the same bytes with the same parser again changes nothing; new bytes from the same
source become its current version and the older one stays as history. A different source whose
report reads as an identity already held is loaded beside it, never over it: both stay current
and v_quality_issues gives each an identity_conflict, until the user says which one replaces the
other (`ogi run --replace`).
"""

from __future__ import annotations

import dataclasses
import json
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from etl import PARSER_VERSION
from etl.transform import QUARANTINED, ParsedReport

NEW = "new"
REPLACED = "replaced"  # new bytes from the same source (or --replace): the old version is history
CONFLICT = "conflict"  # loaded beside another source's current report of the same identity
REPROCESSED = "reprocessed"  # the same file again under a newer parser (or forced): rows replaced
UNCHANGED = "unchanged"

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


@dataclass(frozen=True)
class EncodedReport:
    """A parsed report ready for load_report: its own fields (the ParsedReport without its rows)
    and every table's rows already encoded as load_report sends them. The worker process that
    parsed the report encodes it, so that the one process loading every report does not; and a
    few strings cross the pipe from the worker faster than hundreds of small dicts."""

    report: ParsedReport
    rows: dict[str, str]


def encode(parsed: ParsedReport) -> EncodedReport:
    empty = {attribute: [] for attribute in _ROW_TABLES}
    return EncodedReport(dataclasses.replace(parsed, **empty), _encode_rows(parsed))


def load_report(
    bind: Engine | Connection, parsed: ParsedReport | EncodedReport, force: bool = False, replace: bool = False,
) -> tuple[str, int]:
    """Write the report; returns (what happened, report_id).

    A source (path or URL) has one current report. New bytes from the same source replace its
    current report; a report from another source that reads as the same (jurisdiction, agency,
    year) is kept beside it (CONFLICT: v_quality_issues marks both), unless `replace` says the
    new one supersedes it.

    `bind` is an engine, or a connection the caller holds for many reports (not in a
    transaction; a run holds one, so that no connection is checked out and pinged per report).
    The report is committed, or rolled back, here.

    The work is four round trips, whatever the report's size: the locks and every look-up, the
    report's row, then its rows (each table's as one JSON document) with the commit. Statements
    per row or per table, and SQLAlchemy compiling each, cost more than reading and parsing a
    report once the readers are fast.
    """
    if isinstance(parsed, EncodedReport):
        report, rows = parsed.report, parsed.rows
    else:
        report, rows = parsed, None
    with (bind.connect() if isinstance(bind, Engine) else nullcontext(bind)) as conn:
        raw = conn.connection.dbapi_connection
        try:
            with conn.begin():  # committed with the last writes, if any: then a no-op
                return _load(conn, raw, report, rows, force, replace)
        except psycopg.Error as error:
            # Raised by the statements sent on the driver's connection: made the SQLAlchemy error
            # any other statement raises, so that callers (the retry on a lost connection) see one kind.
            broken = raw.closed or raw.broken
            if broken:
                conn.invalidate()  # the next use of a held connection connects again
            raise sa.exc.DBAPIError.instance(
                None, None, error, psycopg.Error, connection_invalidated=broken, dialect=conn.dialect,
            ) from error


def _load(conn: Connection, raw, parsed: ParsedReport, rows: dict[str, str] | None, force: bool,
          replace: bool) -> tuple[str, int]:
    identity = parsed.status != QUARANTINED
    with raw.pipeline(), raw.cursor() as cursor:
        # Source first, identity second: a fixed order, so two runs cannot deadlock. The look-ups
        # are a statement of their own after the locks, so their snapshot sees what a run that
        # held the locks before us committed.
        cursor.execute(_LOCK, (f"source:{parsed.source_uri}",))
        if identity:
            cursor.execute(_LOCK, (_identity_key(parsed),))
        cursor.execute(_LOOKUP, {
            "uri": parsed.source_uri, "sha": parsed.sha256, "identity": identity,
            "code": parsed.jurisdiction_code, "agency": parsed.agency, "year": parsed.year,
        })
        found = cursor.fetchall()
    own = next((_Version(*row[1:]) for row in found if row[0] == "own"), None)
    holders = sorted((_Version(*row[1:]) for row in found if row[0] == "holder"), key=lambda r: r.report_id)
    settled = next((row[1] for row in found if row[0] == "settled"), None)

    twin = next((r for r in [own, *holders] if r is not None and r.sha256 == parsed.sha256), None)
    if twin is not None:
        # The same bytes under another path or URL are the same report (as unchanged_reports says).
        superseded = [r.report_id for r in holders if r.report_id != twin.report_id] if replace else []
        if twin.parser_version == PARSER_VERSION and not force:
            if superseded:
                # Told to: the other sources' reports of this identity become history under this one.
                _write(raw, [(_SUPERSEDE, {"ids": superseded, "by": twin.report_id})])
            return (REPLACED if superseded else UNCHANGED), twin.report_id
        values = _report_values(parsed)
        if twin.source_uri != parsed.source_uri:
            values["source_uri"] = twin.source_uri  # the report stays known by its first source
        statements = [(_SUPERSEDE, {"ids": superseded, "by": twin.report_id})] if superseded else []
        statements += [
            (_DELETE_ROWS, {"id": twin.report_id}),
            (_UPDATE_REPORT, {**values, "id": twin.report_id}),
            (_INSERT_ROWS, {"id": twin.report_id, **(rows or _encode_rows(parsed))}),
        ]
        if own is not None and own.report_id != twin.report_id:
            # This source now holds another source's bytes: its own earlier report is history.
            statements.append((_SUPERSEDE, {"ids": [own.report_id], "by": twin.report_id}))
        _write(raw, statements)
        return (REPLACED if superseded else REPROCESSED), twin.report_id

    if own is None and not replace and settled is not None:
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
        # Before the insert: the source's new version may be current only once its old one is not.
        _write(raw, [(_RETIRE, {"ids": retired})], commit=False)
    # Through SQLAlchemy, like any statement (its events see it); the rows follow in one statement.
    report_id = conn.exec_driver_sql(_INSERT_REPORT, _report_values(parsed)).scalar_one()
    statements = [(_SUPERSEDE, {"ids": retired, "by": report_id})] if retired else []
    _write(raw, [*statements, (_INSERT_ROWS, {"id": report_id, **(rows or _encode_rows(parsed))})])
    if others:
        return CONFLICT, report_id
    return (REPLACED if retired else NEW), report_id


def _identity_key(parsed: ParsedReport) -> str:
    return f"report:{parsed.jurisdiction_code}:{parsed.agency}:{parsed.year}"


class _Version(NamedTuple):
    report_id: int
    sha256: str
    parser_version: str
    source_uri: str


# Statements are plain SQL sent on the driver's connection: the driver prepares each on the
# server after a few uses, and none is compiled per report.
_LOCK = "select pg_advisory_xact_lock(hashtext(%s))"

# The source's current report, the current holders of the identity (none for a quarantined
# file), and the source's version with these bytes if another source's current report of the
# same identity superseded it (what `--replace` does): everything load_report decides on.
_LOOKUP = """
select 'own', report_id, sha256, parser_version, source_uri
from core.report
where is_current and source_uri = %(uri)s
union all
select 'holder', report_id, sha256, parser_version, source_uri
from core.report
where %(identity)s and is_current and status <> 'quarantined'
  and jurisdiction_code = %(code)s and agency = %(agency)s and year = %(year)s
union all
(select 'settled', r.report_id, r.sha256, r.parser_version, r.source_uri
 from core.report r
 join core.report winner on winner.report_id = r.superseded_by
 where %(identity)s and r.source_uri = %(uri)s and r.sha256 = %(sha)s and not r.is_current
   and winner.is_current and winner.source_uri <> %(uri)s
   and winner.jurisdiction_code = %(code)s and winner.agency = %(agency)s and winner.year = %(year)s
 order by r.report_id desc
 limit 1)
"""

_REPORT_COLUMNS = (
    "jurisdiction_code", "agency", "agency_printed", "zone", "year", "source_uri", "sha256", "template", "title",
    "published_on", "status", "status_detail", "conversion", "parser_version",
)
_INSERT_REPORT = (
    f"insert into core.report ({', '.join(_REPORT_COLUMNS)}, is_current) "
    f"values ({', '.join(f'%({c})s' for c in _REPORT_COLUMNS)}, true) returning report_id"
)
_UPDATE_REPORT = (
    f"update core.report set {', '.join(f'{c} = %({c})s' for c in _REPORT_COLUMNS)}, loaded_at = now() "
    "where report_id = %(id)s"
)
_RETIRE = "update core.report set is_current = false where report_id = any(%(ids)s)"
_SUPERSEDE = "update core.report set is_current = false, superseded_by = %(by)s where report_id = any(%(ids)s)"

# ParsedReport attribute → the table its rows go to (all keyed by report_id), with its columns.
_ROW_TABLES = {
    "article20": ("article20_cell", (
        "item", "category", "metric", "value", "unit", "row_label", "column_label", "raw", "source_line", "source_page")),
    "applications": ("application_cell", (
        "row_code", "applicant", "value", "row_label", "column_label", "raw", "source_line", "source_page")),
    "review_litigation": ("review_litigation_cell", (
        "proceeding", "outcome", "value", "label", "raw", "source_line", "source_page")),
    "local_rows": ("local_row_cell", (
        "table_name", "row_no", "position", "row_label", "value", "raw", "source_line", "source_page")),
    "narrative_facts": ("narrative_fact", ("fact_no", "fact", "value", "unit", "sentence", "source_line")),
    "issues": ("quality_issue", ("issue_no", "table_name", "check_code", "severity", "detail", "expected", "actual")),
}
# A report's rows, every table at once: each table's rows are one JSON array, read by the server
# into rows of the table's type (a key a row lacks is null, as the columns have no defaults).
# Hundreds of rows cost one statement, not one each (or a COPY, two round trips, per table).
_INSERT_ROWS = "with " + ",\n".join(
    f"{attribute} as (insert into core.{table} (report_id, {', '.join(columns)}) "
    f"select %(id)s, {', '.join(columns)} from json_populate_recordset(null::core.{table}, cast(%({attribute})s as json)))"
    for attribute, (table, columns) in _ROW_TABLES.items()
) + "\nselect 1"
_DELETE_ROWS = "with " + ",\n".join(
    f"{attribute} as (delete from core.{table} where report_id = %(id)s)" for attribute, (table, _) in _ROW_TABLES.items()
) + "\nselect 1"


def _encode_rows(parsed: ParsedReport) -> dict[str, str]:
    encoded = {}
    for attribute in _ROW_TABLES:
        if attribute == "issues":
            rows = [{**issue.as_row(), "issue_no": n} for n, issue in enumerate(parsed.issues, 1)]
        else:
            rows = getattr(parsed, attribute)
        encoded[attribute] = _JSON.encode(rows)
    return encoded


def _json_value(value):
    # Numbers stay exact: a Decimal goes as its text, which the server reads as numeric.
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot load a {type(value).__name__} value: {value!r}")


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_json_value)


def _write(raw, statements: list[tuple[str, dict]], commit: bool = True) -> None:
    """Send the statements (and the commit) in one round trip."""
    with raw.pipeline(), raw.cursor() as cursor:
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
        if commit:
            raw.commit()


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
