"""The `ogi` command."""

from __future__ import annotations

import os
import sys
import time

import traceback
from pathlib import Path

import click

from etl.config import ogi_home

_ENV_HELP = """
\b
Environment:
  OGI_DATABASE_URL  PostgreSQL to load into, e.g. postgresql://user:pass@host:5432/ogi
                    or postgresql://user@/ogi?host=/var/run/postgresql (unix socket).
                    Unset: an embedded PostgreSQL server kept under OGI_HOME/pgdata,
                    started on demand and reused by later runs (`ogi db stop` stops it).
  OGI_HOME          ogi's data folder (default: ~/.local/share/ogi).
  PREFECT_API_URL   a standing Prefect server to report flow runs to; unset, each run
                    starts a temporary one (about 15 s).
  OGI_FETCH_ALLOW   hosts/networks downloads may reach although not public
                    (an intranet mirror), e.g. mirror.intranet,10.20.0.0/16.
"""


class _Group(click.Group):
    """Turns failures of the run itself into one clear line and exit status 1 (traceback with OGI_DEBUG=1)."""

    def invoke(self, ctx: click.Context):
        from etl.redaction import install_log_redaction, redact_text

        install_log_redaction()
        try:
            return super().invoke(ctx)
        except click.ClickException as error:
            error.message = redact_text(error.message)  # messages may quote a URL or a driver error
            raise
        except (click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as error:
            import sqlalchemy.exc

            if os.environ.get("OGI_DEBUG"):
                click.echo(redact_text(traceback.format_exc()), err=True, nl=False)
            if isinstance(error, sqlalchemy.exc.OperationalError):
                message = f"cannot use the database: {error.orig or error}".strip()
            else:
                message = f"{type(error).__name__}: {error}"
            message = redact_text(message)
            raise click.ClickException(f"{message}\n(set OGI_DEBUG=1 for the traceback)") from error


@click.group(cls=_Group, epilog=_ENV_HELP)
@click.version_option(package_name="ogi")
def main() -> None:
    """ogi turns government information-disclosure annual reports (政府信息公开工作年度报告)
    into a checked PostgreSQL warehouse.

    \b
    Start with:  ogi run path/to/reports
    Then query:  the views v_report_summary, v_reports, v_article20_long,
                 v_applications_long, v_review_litigation_long and v_quality_issues;
                 or ogi show REPORT, ogi export VIEW -o FILE, ogi quality --html FILE.
    """


def _database_url() -> str:
    from etl.database import DatabaseConfigError, redact, resolve_database_url

    embedded = not os.environ.get("OGI_DATABASE_URL")
    if embedded:
        click.echo(f"ogi: using the embedded PostgreSQL under {ogi_home() / 'pgdata'} (set OGI_DATABASE_URL to use another)", err=True)
    try:
        url = resolve_database_url()
    except DatabaseConfigError as error:
        raise click.ClickException(f"OGI_DATABASE_URL: {error}") from error
    if not embedded:
        click.echo(f"ogi: database {redact(url)}", err=True)
    return url


def _engine(upgrade: bool = False):
    """The warehouse engine; with upgrade, the schema brought to head first (for commands that
    need the tables but, unlike `ogi db`, are not about the schema)."""
    from etl import migrate
    from etl.database import make_engine

    engine = make_engine(_database_url())
    if upgrade:
        migrate.upgrade(engine)
    return engine


def _prefect_defaults(verbose: bool) -> None:
    """Settings that make a temporary Prefect server work here; the user's own settings win."""
    os.environ.setdefault("PREFECT_HOME", str(ogi_home() / "prefect"))
    # Prefect does not create a missing PREFECT_HOME; its temporary server then never comes up.
    Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)
    # Telemetry calls out to the internet, which batch machines often cannot reach.
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The temporary server's first start on a fresh machine can exceed Prefect's 20 s default.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")


def _worker_options(fn):
    fn = click.option("--dask-address", help="Run the batches on this Dask scheduler (tcp://host:8786) instead.")(fn)
    fn = click.option("--dask-workers", type=int, help="Run the batches on a local Dask cluster of N worker processes instead.")(fn)
    fn = click.option(
        "--workers", type=click.IntRange(min=1),
        help="Worker processes reading and parsing reports (default: one per core). Each report gets at most "
             "OGI_READ_TIMEOUT_S seconds (60) and OGI_READ_MEMORY_MB of memory (2048), files at most OGI_MAX_FILE_MB (200).",
    )(fn)
    return fn


def _run_flow(flow_path: str, verbose: bool, dask_workers: int | None = None, dask_address: str | None = None,
              **parameters) -> None:
    """Run a flow ("module:name") in this process and print its summary. The database is resolved
    first so that the flow's tasks (threads or Dask workers) connect to the same one, and Prefect is
    imported only after its settings are in the environment (it reads them on import)."""
    os.environ["OGI_DATABASE_URL"] = _database_url()
    from etl.workers import start_fork_server

    start_fork_server()  # the workers' imports overlap with Prefect's
    _prefect_defaults(verbose)
    import importlib

    module, _, name = flow_path.partition(":")
    flow_fn = getattr(importlib.import_module(module), name)
    if dask_workers or dask_address:
        import dask
        from prefect_dask import DaskTaskRunner

        # A local cluster's workers may then start the process that reads each batch under the
        # limits (daemonic processes cannot have children).
        dask.config.set({"distributed.worker.daemon": False})

        runner = (
            DaskTaskRunner(address=dask_address) if dask_address
            else DaskTaskRunner(cluster_kwargs={"n_workers": dask_workers, "threads_per_worker": 1, "processes": True})
        )
        flow_fn = flow_fn.with_options(task_runner=runner)
    click.echo("ogi: starting the Prefect flow (without PREFECT_API_URL a temporary Prefect server takes ~15 s)", err=True)
    started = time.monotonic()
    summary = flow_fn(**parameters)
    from etl.pipeline import RunSummary

    from etl.redaction import redact_text

    for line in RunSummary(**summary).lines():
        click.echo(redact_text(line))
    click.echo(f"Done in {time.monotonic() - started:.1f} s. Query the views, e.g. select * from v_reports;", err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--force", is_flag=True, help="Re-read reports even when their file and the parser are unchanged.")
@click.option("--replace", is_flag=True,
              help="Let these files replace another source's current report of the same place, agency and year "
                   "(without it both are kept and marked identity_conflict).")
@click.option("--batch-size", default=1000, show_default=True, help="Reports per Prefect task (and per check for unchanged files).")
@click.option("--verbose", is_flag=True, help="Show Prefect's own log lines.")
@_worker_options
def run(paths: tuple[str, ...], force: bool, replace: bool, batch_size: int, verbose: bool, workers, dask_workers,
        dask_address) -> None:
    """Load report files (or every file under folders) into the warehouse.

    Brings the schema to the latest version first. Each report is loaded in its own
    transaction; a file that cannot be read is quarantined with its reason and the run goes
    on. Exits non-zero only when the run itself fails (bad path, database unreachable).
    """
    from etl.extract import discover

    try:
        files = discover(list(paths))
    except FileNotFoundError as error:
        raise click.UsageError(str(error)) from error
    if not files:
        raise click.UsageError(f"no files found under {', '.join(paths)}")
    click.echo(f"ogi: {len(files)} file(s)", err=True)
    _run_flow("flows.ingest_reports:ingest_reports", verbose, dask_workers, dask_address,
              paths=[str(f) for f in files], force=force, batch_size=batch_size, workers=workers, replace=replace)


@main.command()
@click.option("--force", is_flag=True, help="Re-read every report, changed or not.")
@click.option("--batch-size", default=1000, show_default=True, help="Reports per Prefect task (and per check for unchanged files).")
@click.option("--verbose", is_flag=True, help="Show Prefect's own log lines.")
@_worker_options
def nightly(force: bool, batch_size: int, verbose: bool, workers, dask_workers, dask_address) -> None:
    """Read every registered source (see `ogi sources`), processing only what changed.

    Folders are scanned; URL manifests are fetched politely, with conditional requests, and the
    raw bytes archived under OGI_HOME/archive. Run it from cron, or let `ogi serve` schedule it.
    """
    _run_flow("flows.nightly:nightly", verbose, dask_workers, dask_address, force=force, batch_size=batch_size,
              workers=workers)


def _year_range(_ctx, _param, value: str | None):
    if value is None:
        return None
    first, _, last = value.partition("-")
    try:
        years = (int(first), int(last or first))
    except ValueError:
        raise click.BadParameter("expected YEAR or FROM-TO, e.g. 2019-2021") from None
    if years[0] > years[1]:
        raise click.BadParameter(f"{value}: the first year is after the last")
    return years


@main.command()
@click.option("--years", callback=_year_range, help="YEAR or FROM-TO (default: every year).")
@click.option("--jurisdiction", help="Only this GB/T 2260 code and the places under it (e.g. 320000 for 江苏省).")
@click.option("--force", is_flag=True, help="Reprocess even reports the current parser already read.")
@click.option("--batch-size", default=1000, show_default=True, help="Reports per Prefect task (and per check for unchanged files).")
@click.option("--verbose", is_flag=True, help="Show Prefect's own log lines.")
@_worker_options
def backfill(years, jurisdiction, force, batch_size, verbose, workers, dask_workers, dask_address) -> None:
    """Reprocess past reports from the raw archive after the parser improved.

    Without --force only reports read by an older parser version are reprocessed.
    """
    if jurisdiction is not None and not (len(jurisdiction) == 6 and jurisdiction.isdigit()):
        raise click.BadParameter("a six-digit GB/T 2260 code, e.g. 320500", param_hint="--jurisdiction")
    year_from, year_to = years or (None, None)
    _run_flow("flows.backfill:backfill", verbose, dask_workers, dask_address, year_from=year_from, year_to=year_to,
              jurisdiction=jurisdiction, force=force, batch_size=batch_size, workers=workers)


@main.group(cls=_Group)
def sources() -> None:
    """The sources `ogi nightly` reads: folders (drop zones) and URL manifests (.csv)."""


@sources.command("add")
@click.argument("location", type=click.Path(exists=True))
def sources_add(location: str) -> None:
    """Register a folder or a URL manifest (CSV with a url column; optional jurisdiction, agency, year)."""
    from etl.registry import add_source

    engine = _engine(upgrade=True)
    try:
        source = add_source(engine, location)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{source.kind} {source.location}")


@sources.command("list")
def sources_list() -> None:
    """Show the registered sources."""
    from etl.registry import list_sources

    registered = list_sources(_engine(upgrade=True))
    for source in registered:
        click.echo(f"{source.kind:<9} {source.location}{'' if source.enabled else '  (disabled)'}")
    if not registered:
        click.echo("no sources yet: ogi sources add FOLDER_OR_MANIFEST.csv")


@sources.command("remove")
@click.argument("location")
def sources_remove(location: str) -> None:
    """Stop reading a source (its reports stay in the warehouse)."""
    from etl.registry import remove_source

    if not remove_source(_engine(), location):
        raise click.ClickException(f"not a registered source: {location}")
    click.echo(f"removed {location}")


@main.command()
@click.option("--cron", default="0 2 * * *", show_default=True, help="When the nightly run starts.")
@click.option("--timezone", default="Asia/Shanghai", show_default=True, help="The time zone of --cron.")
@click.option("--verbose", is_flag=True, help="Show Prefect's own log lines.")
def serve(cron: str, timezone: str, verbose: bool) -> None:
    """Register the nightly deployment on a Prefect server and run it on schedule (until stopped).

    Needs a standing Prefect server: start one with `prefect server start` and point
    PREFECT_API_URL at it (e.g. http://127.0.0.1:4200/api).
    """
    if not os.environ.get("PREFECT_API_URL"):
        raise click.ClickException(
            "ogi serve needs a standing Prefect server: run `prefect server start`, then "
            "export PREFECT_API_URL=http://127.0.0.1:4200/api"
        )
    os.environ["OGI_DATABASE_URL"] = _database_url()
    _prefect_defaults(verbose)
    from prefect.schedules import Cron

    from flows.nightly import nightly as nightly_flow

    click.echo(f"ogi: serving the nightly deployment, {cron} ({timezone}); stop with Ctrl-C", err=True)
    nightly_flow.serve(name="ogi-nightly", schedules=[Cron(cron, timezone=timezone)])


def _line_range(_ctx, _param, value: str | None):
    if value is None:
        return None
    first, _, last = value.partition("-")
    try:
        lines = (int(first), int(last or first))
    except ValueError:
        raise click.BadParameter("expected LINE or FROM-TO, e.g. 190-215") from None
    if lines[0] < 1 or lines[0] > lines[1]:
        raise click.BadParameter(f"{value}: not a range of lines from 1")
    return lines


@main.command()
@click.argument("report")
@click.option("--lines", callback=_line_range,
              help="Print these lines (FROM-TO) of the report's extracted text instead, numbered as source_line counts.")
def show(report: str, lines) -> None:
    """Print a report's three tables as read, beside its quality issues.

    REPORT is a report_id (see v_reports), or the path or URL it was loaded from (a file with
    the same bytes also finds it). Blank cells show as ·, cells not read as ?, and the last
    column gives the line of the extracted text (and PDF page) each row was read on; --lines
    prints that text (re-read from the raw archive), to follow a number back to its place.
    """
    from etl.show import ReportNotFound, extracted_lines, find_report, render_report

    engine = _engine(upgrade=True)
    try:
        report_id = find_report(engine, report)
        text = extracted_lines(engine, report_id, *lines) if lines else render_report(engine, report_id)
    except ReportNotFound as error:
        raise click.ClickException(str(error)) from error
    click.echo(text, nl=False)


@main.command()
@click.argument("view")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "xlsx"]),
              help="File format (default: from the file name's suffix).")
@click.option("--year", "years", callback=_year_range, help="YEAR or FROM-TO (default: every year).")
@click.option("--jurisdiction", help="Only this GB/T 2260 code and the places under it (e.g. 320000 for 江苏省).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The file to write.")
def export(view: str, fmt: str | None, years, jurisdiction: str | None, output: str) -> None:
    """Write an analyst view (e.g. v_report_summary, v_applications_long) to CSV, Parquet or Excel.

    Rows are streamed from the database in chunks, so any view fits. CSV is UTF-8 with a BOM
    (Excel opens the Chinese text correctly); blank cells stay empty, never 0. The file appears
    only when complete.
    """
    from etl import dictionary
    from etl.export import ExportError, export_view, format_of

    if view not in dictionary.view_names():
        raise click.BadParameter(f"{view!r}: one of {', '.join(dictionary.view_names())}", param_hint="VIEW")
    if jurisdiction is not None and not (len(jurisdiction) == 6 and jurisdiction.isdigit()):
        raise click.BadParameter("a six-digit GB/T 2260 code, e.g. 320500", param_hint="--jurisdiction")
    fmt = fmt or format_of(output)
    if fmt is None:
        raise click.BadParameter("give --format csv|parquet|xlsx, or a file name ending in one", param_hint="--format")
    engine = _engine(upgrade=True)
    started = time.monotonic()

    def progress(rows: int) -> None:
        if sys.stderr.isatty():
            click.echo(f"\r{rows:,} rows", nl=False, err=True)

    try:
        rows = export_view(engine, view, fmt, output, years, jurisdiction, progress=progress)
    except ExportError as error:
        raise click.ClickException(str(error)) from error
    if sys.stderr.isatty():
        click.echo("", err=True)
    click.echo(f"{rows:,} rows of {view} → {output} ({fmt}, {time.monotonic() - started:.1f} s)")


@main.command()
@click.option("--html", "html_file", type=click.Path(dir_okay=False), help="Write a static HTML page with charts to this file.")
@click.option("--worst", default=20, show_default=True, help="How many of the worst reports to list.")
def quality(html_file: str | None, worst: int) -> None:
    """The warehouse's quality: coverage by province and year, issues by check, the worst reports.

    With --html, one self-contained page (inline SVG charts; no server, nothing fetched) to open
    in a browser or mail as it is.
    """
    from etl.quality_page import collect, render_html, render_text

    data = collect(_engine(upgrade=True), worst=worst)
    if html_file is None:
        click.echo(render_text(data), nl=False)
        return
    Path(html_file).write_text(render_html(data), encoding="utf-8")
    click.echo(f"wrote {html_file}: {data.totals['reports']} report(s), {len(data.checks)} check(s) with issues")


@main.group(cls=_Group)
def db() -> None:
    """Manage the warehouse schema (Alembic migrations) and the embedded server."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Bring the schema up to REVISION (default: head, the latest)."""
    from etl import migrate

    engine = _engine()
    migrate.upgrade(engine, revision)
    click.echo(f"schema at {migrate.current_revision(engine) or 'base (empty)'}")


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Take the schema down to REVISION: -1 for one step, base for nothing at all.

    Going below the views keeps the data; going to base drops every table and its data.
    """
    from etl import migrate

    engine = _engine()
    migrate.downgrade(engine, revision)
    click.echo(f"schema at {migrate.current_revision(engine) or 'base (empty)'}")


@db.command()
def current() -> None:
    """Show the schema's current revision and the latest one available."""
    from etl import migrate

    engine = _engine()
    now = migrate.current_revision(engine)
    head = migrate.head_revision()
    state = "up to date" if now == head else "behind: run `ogi db upgrade`"
    click.echo(f"current: {now or 'base (empty)'}  head: {head}  ({state})")


@db.command("grant-reader")
@click.argument("role")
@click.option("--password-stdin", is_flag=True, help="Read the role's password from the first line of stdin.")
@click.option("--password-prompt", is_flag=True, help="Ask for the role's password (typed twice, not shown).")
def grant_reader(role: str, password_stdin: bool, password_prompt: bool) -> None:
    """Create (or update) ROLE as a login role that reads the views and nothing else.

    The role can SELECT from every view (v_reports, v_article20_long, ...) but cannot read the
    core tables (and so no replaced versions), write anything, or create anything. Without a
    password option a new role gets no password (for trust, peer or certificate
    authentication) and an existing one keeps its own. The password is never an argument, so it
    stays out of shell history and process lists.
    """
    from etl.access import AccessError, connection_hint
    from etl.access import grant_reader as grant

    if password_stdin and password_prompt:
        raise click.UsageError("give --password-stdin or --password-prompt, not both")
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif password_prompt:
        password = click.prompt(f"password for {role}", hide_input=True, confirmation_prompt=True)
    if password == "":
        raise click.UsageError("the password is empty")
    from etl import migrate
    from etl.database import make_engine

    url = _database_url()
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)  # the views must exist to be granted
        views = grant(engine, role, password)
    except AccessError as error:
        raise click.ClickException(str(error)) from error
    finally:
        engine.dispose()
    click.echo(f"{role} can read {len(views)} views ({', '.join(views)}) and nothing else")
    click.echo(f"connect with: psql \"{connection_hint(url, role)}\"")


@db.command()
def stop() -> None:
    """Stop the embedded PostgreSQL server, if it is running."""
    from etl.database import stop_embedded

    if stop_embedded():
        click.echo("embedded PostgreSQL stopped")
    else:
        click.echo("embedded PostgreSQL was not running")


if __name__ == "__main__":
    sys.exit(main())
