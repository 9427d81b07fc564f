"""Bringing the warehouse schema up or down with Alembic, from code."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from etl.config import MIGRATIONS_DIR


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, command.upgrade, revision, comments=True)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, command.downgrade, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_at_head(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def _run(engine: Engine, fn, revision: str, comments: bool = False) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        # Two ogi processes starting at once must not both run the same migration.
        conn.exec_driver_sql("select pg_advisory_xact_lock(hashtext('ogi:migrations'))")
        config.attributes["connection"] = conn
        fn(config, revision)
        if comments:
            # The data dictionary is current whatever order the revisions that add view columns
            # ran in (0009 applies it too; this covers views a later revision creates or replaces).
            # Only changed comments are written, so a schema already at head costs one query.
            from etl.dictionary import apply_comments

            apply_comments(conn)
