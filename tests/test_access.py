"""`ogi db grant-reader ROLE`: the role reads every view and nothing else, checked by connecting
as it to the real warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from etl import migrate
from etl.access import AccessError, grant_reader
from etl.pipeline import process_files
from tests.conftest import seed_paths

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def reader(engine):
    """A fresh role name, dropped (with its grants in this database) afterwards."""
    role = f"ogi_test_reader_{uuid.uuid4().hex[:8]}"
    yield role
    with engine.begin() as conn:
        if conn.execute(sa.text("select 1 from pg_roles where rolname = :r"), {"r": role}).scalar():
            conn.exec_driver_sql(f'drop owned by "{role}"')
            conn.exec_driver_sql(f'drop role "{role}"')


def connect_as(warehouse_url: str, role: str, password: str | None = None) -> psycopg.Connection:
    url = make_url(warehouse_url).set(username=role, password=password)
    return psycopg.connect(
        host=url.host, port=url.port, dbname=url.database, user=role, password=password, autocommit=True,
        **{k: v for k, v in url.query.items() if k == "host"},
    )


def names(engine, sql: str) -> list[str]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(sa.text(sql))]


def test_a_reader_selects_from_every_view_and_nothing_else(engine, warehouse_url, reader):
    process_files(seed_paths(), engine)
    views = names(engine, "select viewname from pg_views where schemaname = 'public' order by 1")
    core_tables = names(engine, "select tablename from pg_tables where schemaname = 'core' order by 1")
    assert {"v_reports", "v_article20_long", "v_applications_long", "v_quality_issues"} <= set(views)
    assert {"report", "source_fetch"} <= set(core_tables)

    assert grant_reader(engine, reader, password="s3cret-reader") == views
    # The views read core tables as their owner (security_invoker is off): no core grant needed.
    with engine.connect() as conn:
        assert not conn.execute(sa.text("select has_schema_privilege(:r, 'core', 'usage')"), {"r": reader}).scalar()

    with connect_as(warehouse_url, reader, "s3cret-reader") as conn:
        for view in views:
            conn.execute(f'select * from public."{view}" limit 1').fetchall()
        assert conn.execute("select count(*) from v_reports").fetchone()[0] == 5

        def refused(statement: str) -> None:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)

        for table in core_tables:  # history (replaced versions) lives only there
            refused(f'select * from core."{table}" limit 1')
        refused("select * from public.alembic_version")
        assert conn.execute("show default_transaction_read_only").fetchone()[0] == "on"
        # Nothing can be created, not even temporary tables; read-only also when asked to write.
        conn.execute("set default_transaction_read_only = off")  # a reader may try; grants still hold
        refused("create table public.scratch (x int)")
        refused("create view public.v_mine as select 1")
        refused("create table core.scratch (x int)")
        refused("create schema mine")
        refused("create temporary table scratch (x int)")
        refused("update core.report set title = 'x'")
        refused("insert into core.report (report_id) values (-1)")
        refused("delete from core.report")

    # Beyond what statements show (a view that is not updatable refuses writes for that reason
    # first): the reader holds no privilege on any view but SELECT.
    with engine.connect() as conn:
        for view in views:
            held = conn.execute(
                sa.text("select p from unnest(array['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) p "
                        "where has_table_privilege(:r, 'public.' || quote_ident(:v), p)"),
                {"r": reader, "v": view},
            ).scalars().all()
            assert held == ["SELECT"], (view, held)


def test_views_created_again_by_a_migration_stay_readable(engine, warehouse_url, reader):
    grant_reader(engine, reader)
    migrate.downgrade(engine, "0002")  # below the views: they are dropped ...
    migrate.upgrade(engine)  # ... and created again
    with connect_as(warehouse_url, reader) as conn:
        assert conn.execute("select count(*) from v_reports").fetchone()[0] == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from core.report")


def test_a_superuser_or_ogi_itself_is_not_made_a_reader(engine):
    with engine.connect() as conn:
        me = conn.execute(sa.text("select current_user")).scalar()
    with pytest.raises(AccessError, match="the role ogi itself connects as"):
        grant_reader(engine, me)
    with pytest.raises(AccessError, match="1 to 63 bytes"):
        grant_reader(engine, "x" * 64)


def test_ogi_db_grant_reader_takes_the_password_from_stdin_and_says_how_to_connect(warehouse_url, reader, engine):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OGI_"))}
    env.update(OGI_DATABASE_URL=warehouse_url, OGI_HOME=os.environ["OGI_HOME"])
    result = subprocess.run(
        [sys.executable, "-m", "etl.cli", "db", "grant-reader", reader, "--password-stdin"],
        cwd=REPO, env=env, input="pw-from-stdin\n", capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"{reader} can read" in result.stdout and "v_reports" in result.stdout
    assert f'connect with: psql "postgresql://{reader}@' in result.stdout
    assert "pw-from-stdin" not in result.stdout + result.stderr
    with engine.connect() as conn:
        stored = conn.execute(sa.text("select rolpassword from pg_authid where rolname = :r"), {"r": reader}).scalar()
    assert stored.startswith("SCRAM-SHA-256$")  # hashed before it was sent
    with connect_as(warehouse_url, reader, "pw-from-stdin") as conn:
        assert conn.execute("select count(*) from v_applications_long").fetchone()[0] >= 0
