"""Alembic environment: runs on a connection handed over by etl.migrate, or on the configured URL."""

from alembic import context
import sqlalchemy as sa

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # The plain `alembic` command: same database resolution as the ogi CLI.
    from etl.database import resolve_database_url

    engine = sa.create_engine(resolve_database_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    # One transaction for the whole upgrade: PostgreSQL DDL is transactional, so a failed
    # migration leaves the schema as it was.
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("ogi migrations run online only: the data migrations read shipped files")
run_migrations_online()
