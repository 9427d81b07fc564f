"""Who may read the warehouse: a reader role sees the analysts' views and nothing else.

The views (schema public) read the core tables with their owner's privileges (PostgreSQL views
are not security_invoker unless asked), so SELECT on the views is all a reader needs: no USAGE
on schema core (so no table, and no history of replaced versions), no writes, no CREATE anywhere
(not even temporary tables). Views are dropped and created again by migrations; default
privileges make every view the migrating role creates in public readable by the readers again.
"""

from __future__ import annotations

import psycopg
from psycopg import sql
from sqlalchemy.engine import Engine

VIEW_SCHEMA = "public"


class AccessError(ValueError):
    """The role cannot be made a reader; the message says why."""


def grant_reader(engine: Engine, role: str, password: str | None = None) -> list[str]:
    """Create ROLE (or update it) as a login role that can read the views and nothing else.
    With a password, it is set (hashed here, so the server never logs it in clear); without
    one, an existing role keeps its password and a new one has none (for trust, peer or
    certificate authentication). Returns the views granted."""
    if not role or len(role.encode()) > 63:
        raise AccessError("a role name is 1 to 63 bytes long")
    raw = engine.raw_connection()
    try:
        conn: psycopg.Connection = raw.driver_connection
        with conn.transaction():
            return _grant(conn, role, password)
    finally:
        raw.close()


def _grant(conn: psycopg.Connection, role: str, password: str | None) -> list[str]:
    ident = sql.Identifier(role)
    me = conn.execute("select current_user").fetchone()[0]
    existing = conn.execute(
        "select rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls from pg_roles where rolname = %s",
        (role,),
    ).fetchone()
    if role == me:
        raise AccessError(f"{role} is the role ogi itself connects as; a reader must be another role")
    if existing and existing[0]:
        raise AccessError(f"{role} is a superuser; a superuser reads and writes everything, it cannot be made a reader")
    if existing is None:
        conn.execute(sql.SQL("create role {} login").format(ident))
    # A reader that could create roles or databases would not stay a reader.
    conn.execute(sql.SQL("alter role {} login nocreatedb nocreaterole noreplication nobypassrls").format(ident))
    if password is not None:
        hashed = conn.pgconn.encrypt_password(password.encode(), role.encode()).decode()
        conn.execute(sql.SQL("alter role {} password {}").format(ident, sql.Literal(hashed)))
    database = sql.Identifier(conn.execute("select current_database()").fetchone()[0])
    schema = sql.Identifier(VIEW_SCHEMA)
    # Even a mistaken statement cannot write: every transaction of the role starts read-only.
    conn.execute(sql.SQL("alter role {} in database {} set default_transaction_read_only = on").format(ident, database))
    conn.execute(sql.SQL("grant connect on database {} to {}").format(database, ident))
    conn.execute(sql.SQL("grant usage on schema {} to {}").format(schema, ident))
    # PUBLIC's defaults give every role CREATE on schema public (before PostgreSQL 15) and
    # TEMPORARY on the database; a reader inherits whatever PUBLIC has, so PUBLIC loses them.
    # The database owner keeps both (owners hold every privilege on what they own).
    conn.execute(sql.SQL("revoke create on schema {} from public").format(schema))
    conn.execute(sql.SQL("revoke temporary on database {} from public").format(database))
    views = [name for (name,) in conn.execute(
        "select viewname from pg_views where schemaname = %s order by viewname", (VIEW_SCHEMA,)
    )]
    for view in views:
        conn.execute(sql.SQL("grant select on {}.{} to {}").format(schema, sql.Identifier(view), ident))
    # Views created again later by a migration (run as this same role) are readable again.
    conn.execute(
        sql.SQL("alter default privileges for role {} in schema {} grant select on tables to {}").format(
            sql.Identifier(me), schema, ident
        )
    )
    return views


def connection_hint(url: str, role: str) -> str:
    """How the reader connects: the warehouse URL with the reader's name and no password."""
    from sqlalchemy.engine import make_url

    reader = make_url(url).set(username=role, password=None, drivername="postgresql")
    return reader.render_as_string(hide_password=True)
