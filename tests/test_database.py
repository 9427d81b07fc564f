"""Database URLs as users write them, and the embedded server."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from etl.database import DatabaseConfigError, normalise_url, redact, start_embedded, stop_embedded


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db.example:5432/ogi", "postgresql+psycopg://u:p@db.example:5432/ogi"),
        ("postgres://u@localhost/ogi", "postgresql+psycopg://u@localhost/ogi"),
        ("postgresql://u@/ogi?host=/var/run/postgresql", "postgresql+psycopg://u@/ogi?host=/var/run/postgresql"),
        ("postgresql+psycopg://u@h/ogi", "postgresql+psycopg://u@h/ogi"),
    ],
)
def test_postgresql_urls_are_given_the_psycopg3_driver(given, expected):
    assert normalise_url(given) == expected


@pytest.mark.parametrize("bad", ["mysql://u@h/db", "sqlite:///x.db", "postgresql://u@h", "localhost:5432"])
def test_unusable_urls_are_refused_with_a_reason(bad):
    with pytest.raises(DatabaseConfigError):
        normalise_url(bad)


def test_passwords_are_redacted():
    assert redact("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"


@pytest.mark.embedded
def test_embedded_server_starts_on_demand_and_is_reused(tmp_path):
    home = tmp_path / "ogi-home"
    try:
        url = start_embedded(home)
        assert (home / "pgdata" / "PG_VERSION").exists()
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(sa.text("select current_database()")).scalar() == "ogi"
        engine.dispose()
        assert start_embedded(home) == url  # the running server, not a second one
    finally:
        assert stop_embedded(home) is True
    assert stop_embedded(home) is False
