"""The whole job without Prefect: work items → extract → transform → load, report by report.

A work item is a report to (re)process: a file on disk, or bytes already in the raw archive (a
download, or any report being reprocessed). Every report's bytes are archived by sha256 when
first read, so reprocessing never needs the original file or URL again. Reading and parsing run
in worker processes (etl.workers) under the limits of etl.limits; loading runs here, one
transaction per report. The flows in flows/ run these same functions; tests call them directly.
"""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from etl import PARSER_VERSION, archive
from etl.extract import SourceFile, read_document, sha256_of
from etl.jurisdictions import JurisdictionResolver, code_prefix
from etl.limits import Limits, from_env
from etl.recover import Unrecoverable, recover
from etl.loaders import Loaders
from etl.load import UNCHANGED, EncodedReport, encode, load_report, unchanged_reports
from etl.metadata import Hints
from etl.transform import QUARANTINED, ParsedReport, parse_report, quarantined
from etl.workers import Failed, WorkerPool


MISSING = "missing"  # an outcome: the bytes could not be had from the archive nor the source


@dataclass(frozen=True)
class WorkItem:
    source_uri: str  # the path or URL as given: what the report is known by
    path: str | None = None  # read this file ...
    sha256: str | None = None  # ... or these archived bytes
    name: str | None = None  # file name for archived bytes (its suffix picks the reader)
    declared_charset: str | None = None  # the charset a server declared, if any
    hints: Hints | None = None  # what a URL manifest says about the report


@dataclass(frozen=True)
class ReportOutcome:
    source_uri: str
    action: str  # new | replaced | conflict | reprocessed | unchanged | missing
    report_id: int | None
    status: str | None  # loaded | no_tables | quarantined; None when unchanged (not re-read)
    describe: str  # one line for progress output


def file_items(paths: Iterable[Path]) -> list[WorkItem]:
    return [WorkItem(str(path), path=str(path)) for path in paths]


@dataclass(frozen=True)
class Document:
    """A report's bytes with what reading them needs: the job a worker process is given."""

    source_uri: str
    sha256: str
    data: bytes
    name: str  # its suffix picks the reader
    declared_charset: str | None = None
    hints: Hints | None = None


def fetch_document(item: WorkItem, limits: Limits, store: bool = True) -> Document | ParsedReport:
    """The item's bytes, archived (unless not `store`: the caller archives a file's bytes, see
    `needs_archiving`); a file over the size cap is not read into memory but comes back as a
    quarantined report. FileNotFoundError when the file or archive entry is gone."""
    if item.path is not None:
        path = Path(item.path)
        name = path.name
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            data = b""
            if size <= limits.max_file_bytes:
                data = handle.read(size + 1)
                if len(data) > size:  # it grows while we read: up to one byte past the cap
                    data += handle.read(limits.max_file_bytes + 1 - len(data))
        if size > limits.max_file_bytes or len(data) > limits.max_file_bytes:
            return quarantined(item.source_uri, _sha256_of_file(path), limits.file_too_large(max(size, len(data))))
        sha = archive.store(data) if store else sha256_of(data)
    else:
        name = item.name or item.source_uri.rstrip("/").rsplit("/", 1)[-1]
        size = archive.path_of(item.sha256).stat().st_size
        if size > limits.max_file_bytes:
            return quarantined(item.source_uri, item.sha256, limits.file_too_large(size))
        data = archive.load(item.sha256)
        sha = item.sha256
    return Document(item.source_uri, sha, data, name, item.declared_charset, item.hints)


def needs_archiving(item: WorkItem, fetched) -> bool:
    """Whether bytes fetch_document(item, store=False) read still have to be archived: a file's
    do (bytes from the archive or recovered from their source are archived already)."""
    return item.path is not None and isinstance(fetched, Document)


def _recovered(item: WorkItem, problem: Exception, engine: Engine, limits: Limits) -> Document | ParsedReport:
    """The item's bytes got again from its source after its archive entry was lost or damaged;
    Unrecoverable when neither the archive nor the source can give them."""
    data, name, charset = recover(item.source_uri, item.name, problem, engine)
    sha = sha256_of(data)
    if len(data) > limits.max_file_bytes:
        return quarantined(item.source_uri, sha, limits.file_too_large(len(data)))
    return Document(item.source_uri, sha, data, name, charset, item.hints)


def _sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_item(item: WorkItem) -> SourceFile:
    """Read one item in this process, without limits (for tests and one-off use)."""
    document = fetch_document(item, Limits(max_file_bytes=1 << 62))
    return read_document(document.source_uri, document.data, document.name, document.declared_charset)


def parse_source(source: SourceFile, resolver: JurisdictionResolver, hints: Hints | None = None) -> ParsedReport:
    """Transform one report already read; a parser bug quarantines the report, never stops the run."""
    if source.problem is not None:
        return quarantined(source.source_uri, source.sha256, source.problem)
    try:
        return parse_report(source.text, source.source_uri, source.sha256, resolver, hints, source.page_starts)
    except Exception as error:
        last = traceback.extract_tb(error.__traceback__)[-1]
        return quarantined(
            source.source_uri, source.sha256,
            f"解析出错（ogi 的缺陷，请报告）：{type(error).__name__}: {error} at {Path(last.filename).name}:{last.lineno}",
        )


def parse_document(document: Document, resolver: JurisdictionResolver | None = None) -> ParsedReport:
    """Read and parse one report."""
    source = read_document(document.source_uri, document.data, document.name, document.declared_charset)
    return parse_source(source, resolver or default_resolver(), document.hints)


def prepare_document(document: Document) -> EncodedReport:
    """Read and parse one report, and encode its rows for loading: what each worker process runs
    (etl.workers), so that the process loading the results has the least to do per report."""
    return encode(parse_document(document))


class DatabaseLost(RuntimeError):
    """The database connection failed while loading a report, on every attempt."""


# A report whose load fails on its connection is retried after these pauses; its transaction
# never committed, so nothing of it is in the warehouse.
LOAD_RETRY_DELAYS_S = (1.0, 3.0)


def load_with_retry(
    bind: Engine | Connection, parsed: ParsedReport | EncodedReport, force: bool = False, replace: bool = False,
) -> tuple[str, int]:
    for attempt, delay in enumerate((*LOAD_RETRY_DELAYS_S, None), 1):
        try:
            return load_report(bind, parsed, force=force, replace=replace)
        except sa.exc.DBAPIError as error:
            if not (isinstance(error, sa.exc.OperationalError) or error.connection_invalidated):
                raise
            if delay is None:
                source_uri = parsed.report.source_uri if isinstance(parsed, EncodedReport) else parsed.source_uri
                raise DatabaseLost(
                    f"lost the database connection loading {source_uri} ({attempt} attempts, "
                    f"nothing of it written): {error.orig or error}".strip()
                ) from error
            time.sleep(delay)
    raise AssertionError("unreachable")


def load_parsed(
    bind: Engine | Connection, parsed: ParsedReport | EncodedReport, resolver: JurisdictionResolver | None = None,
    force: bool = False, replace: bool = False,
) -> ReportOutcome:
    """Load one parsed report (one transaction, retried on a lost connection) and describe it."""
    action, report_id = load_with_retry(bind, parsed, force=force, replace=replace)
    if isinstance(parsed, EncodedReport):
        parsed = parsed.report
    resolver = resolver or (default_resolver() if parsed.jurisdiction_code else None)
    describe = " ".join(
        str(part) for part in (
            parsed.status,
            resolver.name(parsed.jurisdiction_code) if parsed.jurisdiction_code else None,
            parsed.jurisdiction_code, parsed.year, parsed.agency,
            f"[{parsed.zone}]" if parsed.zone else None, parsed.template,
            f"({parsed.status_detail})" if parsed.status == QUARANTINED else None,
        ) if part
    )
    return ReportOutcome(parsed.source_uri, action, report_id, parsed.status, describe)


def process_source(
    source: SourceFile, engine: Engine, resolver: JurisdictionResolver, force: bool = False,
    hints: Hints | None = None, replace: bool = False,
) -> ReportOutcome:
    """Transform and load one report already read."""
    return load_parsed(engine, parse_source(source, resolver, hints), resolver, force=force, replace=replace)


@dataclass(frozen=True)
class FetchedBatch:
    """A batch's items read (each a Document, a report refused before reading, or a missing
    outcome; files not yet archived) and which of them are unchanged: the part of a batch done
    before parsing, which `process_items` may be given done already (flows.batches prepares the
    next batch while the workers parse this one, so they do not wait at every batch boundary)."""

    fetched: list[Document | ParsedReport | ReportOutcome]
    known: dict[tuple[str, str], int]


def fetch_items(items: list[WorkItem], engine: Engine, limits: Limits, force: bool = False,
                replace: bool = False) -> FetchedBatch:
    """Read the items (bytes recovered from their source when the archive lost them) and find
    the unchanged ones; nothing is written."""
    fetched: list[Document | ParsedReport | ReportOutcome] = []
    for item in items:
        try:
            fetched.append(fetch_document(item, limits, store=False))
        except (FileNotFoundError, archive.CorruptEntry) as error:
            try:
                fetched.append(_recovered(item, error, engine, limits))
            except Unrecoverable as lost:
                fetched.append(ReportOutcome(item.source_uri, MISSING, None, None, f"missing: {lost}"))
    # With replace, an unchanged file is read again: it may have to supersede another source's report.
    known = {} if force or replace else unchanged_reports(
        engine, [(f.source_uri, f.sha256) for f in fetched if not isinstance(f, ReportOutcome)]
    )
    return FetchedBatch(fetched, known)


def process_items(
    items: list[WorkItem],
    engine: Engine,
    force: bool = False,
    resolver: JurisdictionResolver | None = None,
    replace: bool = False,
    pool: WorkerPool | None = None,
    on_outcome: Callable[[ReportOutcome], None] | None = None,
    prefetched: FetchedBatch | None = None,
) -> list[ReportOutcome]:
    """Process the items; unchanged ones (same bytes, same parser) are not parsed. With a pool,
    reports are read and parsed in its worker processes under its limits, and loaded by this
    process as they finish, one transaction each, on a connection per worker (etl.loaders);
    without, parsed in this process and loaded one by one, in order (tests, one-off use).
    Outcomes come back in input order; `on_outcome` hears of each as it is settled.
    `prefetched` is `fetch_items` of these items with these limits, done already.

    With `replace`, a report supersedes another source's current report of the same identity
    instead of being loaded beside it as a conflict."""
    limits = pool.limits if pool is not None else from_env()
    if prefetched is None:
        prefetched = fetch_items(items, engine, limits, force=force, replace=replace)
    if len(prefetched.fetched) != len(items):
        raise ValueError(f"prefetched {len(prefetched.fetched)} items for a batch of {len(items)}")
    fetched, known = prefetched.fetched, prefetched.known
    outcomes: list[ReportOutcome | None] = [None] * len(items)

    settling = threading.Lock()  # outcomes are settled here and by the loader threads

    def settle(index: int, outcome: ReportOutcome) -> None:
        with settling:
            outcomes[index] = outcome
            if on_outcome is not None:
                on_outcome(outcome)

    # Files are archived by threads while the workers parse (writing and syncing a file costs
    # more than reading it; done first and one by one, it kept the workers waiting); a report is
    # loaded only once its bytes are archived.
    # Loader threads load the reports, each on a connection held for the batch (none is checked
    # out and pinged per report), while this thread keeps the workers busy.
    with ThreadPoolExecutor(ARCHIVE_THREADS, thread_name_prefix="ogi-archive") as archiving, \
            Loaders(engine, load_connections(pool)) as loaders:
        # An unchanged corpus is archived already: a stat each, not a job (nor a second hash) each.
        archived = {
            index: archiving.submit(archive.store, got.data, None, got.sha256)
            for index, (item, got) in enumerate(zip(items, fetched))
            if needs_archiving(item, got) and not archive.is_stored(got.sha256, len(got.data))
        }

        def load(index: int, parsed: ParsedReport | EncodedReport) -> None:
            nonlocal resolver
            if resolver is None and (parsed.report if isinstance(parsed, EncodedReport) else parsed).jurisdiction_code:
                resolver = default_resolver()  # built here once, not by each loader thread

            def job(bind: Connection) -> None:
                if index in archived:
                    archived[index].result()
                settle(index, load_parsed(bind, parsed, resolver, force=force, replace=replace))

            loaders.submit(job)

        to_parse: list[tuple[int, Document]] = []
        for index, got in enumerate(fetched):
            if isinstance(got, ReportOutcome):
                settle(index, got)
            elif (got.source_uri, got.sha256) in known:
                settle(index, ReportOutcome(got.source_uri, UNCHANGED, known[(got.source_uri, got.sha256)], None, "unchanged"))
            elif isinstance(got, ParsedReport):  # refused before reading (too large)
                load(index, got)
            else:
                to_parse.append((index, got))
        if pool is None:
            results = ((n, parse_document(document, resolver)) for n, (_, document) in enumerate(to_parse))
        else:
            results = pool.run(document for _, document in to_parse)
        for n, parsed in results:
            index, document = to_parse[n]
            if isinstance(parsed, Failed):
                parsed = quarantined(document.source_uri, document.sha256, parsed.reason)
            load(index, parsed)
        for stored in archived.values():
            stored.result()  # an unchanged file's bytes too: a lost archive entry is written again
    return outcomes


# Threads writing files into the archive while the workers parse: the work is the disk's.
ARCHIVE_THREADS = 4

# Connections loading at once, at most: each loader's transactions keep a server process busy,
# and a server shared with other work should not be flooded by one run.
MAX_LOAD_CONNECTIONS = 4


def load_connections(pool: WorkerPool | None) -> int:
    """Loaders for a batch: one per worker process, so that the server keeps up with the
    workers (each report's transaction is about as much work for the server as parsing it is for
    a worker). Parsed here, without workers, the reports are loaded one at a time, in order."""
    return 1 if pool is None else min(pool.size, MAX_LOAD_CONNECTIONS)


@lru_cache(maxsize=1)
def default_resolver() -> JurisdictionResolver:
    """Built once per process, and only when a report is parsed: an unchanged corpus needs none."""
    return JurisdictionResolver.from_csv()


def process_files(paths: list[Path], engine: Engine, force: bool = False, **kwargs) -> list[ReportOutcome]:
    return process_items(file_items(paths), engine, force=force, **kwargs)


def reprocessing_items(
    engine: Engine,
    year_from: int | None = None,
    year_to: int | None = None,
    jurisdiction: str | None = None,
    force: bool = False,
) -> list[WorkItem]:
    """Current reports to reprocess from the archive: those read by another parser version (all
    of them with force), within the years and under the jurisdiction code prefix given.

    Quarantined reports are included: a report of a past year quarantined because its place was
    not known then (a county since merged) loads once the historic codes are there."""
    # A download keeps the name and charset its server gave (a "download.jsp" serving a PDF).
    query = sa.text(
        """
        select r.source_uri, r.sha256, f.name, f.declared_charset
        from core.report r
        left join core.source_fetch f on f.url = r.source_uri and f.sha256 = r.sha256
        where r.is_current
          and (cast(:year_from as int) is null or r.year >= :year_from)
          and (cast(:year_to as int) is null or r.year <= :year_to)
          and (cast(:prefix as text) is null or r.jurisdiction_code like :prefix || '%')
          and (:force or r.parser_version <> :parser_version)
        order by r.year, r.jurisdiction_code, r.agency
        """
    )
    prefix = code_prefix(jurisdiction) if jurisdiction else None
    with engine.connect() as conn:
        rows = conn.execute(query, {
            "year_from": year_from, "year_to": year_to, "prefix": prefix or None,
            "force": force, "parser_version": PARSER_VERSION,
        }).all()
    return [
        WorkItem(uri, sha256=sha, name=name, declared_charset=charset)
        for uri, sha, name, charset in rows
    ]


@dataclass
class RunSummary:
    files: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_action: dict[str, int] = field(default_factory=dict)
    issues_by_check: list[tuple[str, str, str, int]] = field(default_factory=list)  # severity, table, check, count
    problems: list[str] = field(default_factory=list)  # sources that could not be read this run

    def lines(self) -> list[str]:
        status = self.by_status
        out = [
            f"{self.files} report file(s): {status.get('loaded', 0)} loaded, {status.get('no_tables', 0)} with no tables, "
            f"{status.get('quarantined', 0)} quarantined",
            "  " + ", ".join(f"{n} {a}" for a, n in sorted(self.by_action.items())) if self.by_action else "  nothing done",
        ]
        conflicts = self.by_action.get("conflict", 0)
        if conflicts:
            out.append(
                f"  {conflicts} report(s) share their (place, agency, year) with another source's report: both kept, "
                "see check identity_conflict in v_quality_issues; if one is the other's new version, rerun it with --replace"
            )
        if self.problems:
            out.append(f"{len(self.problems)} source problem(s):")
            out += [f"  {problem}" for problem in self.problems]
        if self.issues_by_check:
            out.append("Quality issues by check (these reports):")
            for severity, table, check, count in self.issues_by_check:
                out.append(f"  {severity:<7} {table:<17} {check:<36} {count:>6}")
        else:
            out.append("No quality issues in these reports.")
        return out

    def markdown(self) -> str:
        rows = "\n".join(f"| {s} | {t} | {c} | {n} |" for s, t, c, n in self.issues_by_check) or "| | | none | |"
        actions = ", ".join(f"{n} {a}" for a, n in sorted(self.by_action.items())) or "nothing done"
        status = ", ".join(f"{n} {s}" for s, n in sorted(self.by_status.items())) or "none"
        problems = "".join(f"- {p}\n" for p in self.problems)
        return (
            f"# ogi run\n\n{self.files} report file(s): {actions}.\n\nStatus of these reports: {status}.\n\n"
            + (f"Source problems:\n\n{problems}\n" if problems else "")
            + f"| severity | table | check | issues |\n|---|---|---|---|\n{rows}\n"
        )


FEW_REPORTS = 500  # summarise: up to this many reports, the issues are read with the ids as a filter


# Reports loaded by a run, from which the planner's statistics are refreshed before its summary.
ANALYZE_AFTER = 1000
# The tables v_quality_issues reads (the cross-year checks join reports and cells by identity).
_ANALYZED = (
    "core.report", "core.quality_issue", "core.application_cell", "core.article20_cell", "core.review_litigation_cell",
)


def refresh_statistics(engine: Engine) -> None:
    """ANALYZE the tables the views read. Right after a large load the server has no statistics
    for the new rows until autovacuum comes round, and the summary's query over v_quality_issues
    is planned blind: 6-9 s for 10,000 new reports instead of about 1 s, in this run's summary and
    in a nightly started soon after. A few hundred milliseconds."""
    with engine.begin() as conn:
        conn.execute(sa.text(f"analyze {', '.join(_ANALYZED)}"))


def summarise(engine: Engine, outcomes: list[ReportOutcome]) -> RunSummary:
    """Counts for the run; statuses and issues are read back from the warehouse, so unchanged
    reports count with what they hold and cross-year checks are included."""
    ids = sorted({o.report_id for o in outcomes if o.report_id is not None})
    summary = RunSummary(files=len(outcomes), by_action=dict(Counter(o.action for o in outcomes)))
    summary.problems = [f"{o.source_uri}: {o.describe}" for o in outcomes if o.action == MISSING]
    if not ids:
        return summary
    loaded = sum(o.action not in (UNCHANGED, MISSING) for o in outcomes)
    if loaded >= ANALYZE_AFTER:
        refresh_statistics(engine)
    with engine.connect() as conn:
        statuses = conn.execute(
            sa.text("select status, count(*) from core.report where report_id = any(:ids) group by status"),
            {"ids": ids},
        ).all()
        # A few reports: the filter goes down into the view's checks, which then look at these
        # reports only. Many: that same filter makes the server test every row of every check
        # against the whole list (9 s for 10,000 reports); joined instead, the view is computed
        # once (1.3 s) and matched.
        only_these = "report_id = any(:ids)" if len(ids) <= FEW_REPORTS else \
            "report_id in (select unnest(cast(:ids as bigint[])))"
        issues = conn.execute(
            sa.text(
                f"select severity, table_name, check_code, count(*) from v_quality_issues "
                f"where {only_these} group by 1, 2, 3 order by 1, 4 desc, 2, 3"
            ),
            {"ids": ids},
        ).all()
    summary.by_status = {s: n for s, n in statuses}
    summary.issues_by_check = [tuple(row) for row in issues]
    return summary
