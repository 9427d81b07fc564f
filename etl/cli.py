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
"""


class _Group(click.Group):
    """Turns failures of the run itself into one clear line and exit status 1 (traceback with OGI_DEBUG=1)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as error:
            import sqlalchemy.exc

            if os.environ.get("OGI_DEBUG"):
                traceback.print_exc()
            if isinstance(error, sqlalchemy.exc.OperationalError):
                message = f"cannot use the database: {error.orig or error}".strip()
            else:
                message = f"{type(error).__name__}: {error}"
            raise click.ClickException(f"{message}\n(set OGI_DEBUG=1 for the traceback)") from error


@click.group(cls=_Group, epilog=_ENV_HELP)
@click.version_option(package_name="ogi")
def main() -> None:
    """ogi turns government information-disclosure annual reports (政府信息公开工作年度报告)
    into a checked PostgreSQL warehouse.

    \b
    Start with:  ogi run path/to/reports
    Then query:  the views v_reports, v_article20_long, v_applications_long,
                 v_review_litigation_long and v_quality_issues.
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


def _engine():
    from etl.database import make_engine

    return make_engine(_database_url())


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


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--force", is_flag=True, help="Re-read reports even when their file and the parser are unchanged.")
@click.option("--batch-size", default=200, show_default=True, help="Reports per Prefect task.")
@click.option("--verbose", is_flag=True, help="Show Prefect's own log lines.")
def run(paths: tuple[str, ...], force: bool, batch_size: int, verbose: bool) -> None:
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
    url = _database_url()
    os.environ["OGI_DATABASE_URL"] = url  # the flow's tasks connect to the same database
    _prefect_defaults(verbose)
    click.echo(f"ogi: {len(files)} file(s); starting the Prefect flow (a temporary Prefect server takes ~15 s)", err=True)
    from flows.ingest_reports import ingest_reports

    started = time.monotonic()
    summary = ingest_reports([str(f) for f in files], force=force, batch_size=batch_size)
    from etl.pipeline import RunSummary

    for line in RunSummary(**summary).lines():
        click.echo(line)
    click.echo(f"Done in {time.monotonic() - started:.1f} s. Query the views, e.g. select * from v_reports;", err=True)


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
