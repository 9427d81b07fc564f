"""The data dictionary (sql/dictionary.toml): COMMENT ON for every analyst view and column, and
the same text rendered as docs/data-dictionary.md.

    python -m etl.dictionary docs/data-dictionary.md    # (make docs) rewrite the document
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from etl.config import REPO_ROOT, SQL_DIR

DICTIONARY_FILE = SQL_DIR / "dictionary.toml"
DOCUMENT_FILE = REPO_ROOT / "docs" / "data-dictionary.md"


@dataclass(frozen=True)
class View:
    name: str
    about: str
    columns: tuple[tuple[str, str | None], ...]  # (column, description or None when undescribed)


@lru_cache(maxsize=1)
def views() -> dict[str, View]:
    data = tomllib.loads(DICTIONARY_FILE.read_text(encoding="utf-8"))
    common: dict[str, str] = data.get("common", {})
    out = {}
    for name, spec in data["views"].items():
        describe = spec.get("describe", {})
        out[name] = View(
            name, spec["about"],
            tuple((column, describe.get(column) or common.get(column)) for column in spec["columns"]),
        )
    return out


def view_names() -> list[str]:
    """The analyst views, the only relations `ogi export` reads."""
    return list(views())


def undescribed(database_columns: dict[str, list[str]]) -> list[str]:
    """"view.column" for every column of the database's views that the dictionary does not describe."""
    known = views()
    missing = []
    for view, columns in database_columns.items():
        described = dict(known[view].columns) if view in known else {}
        if view not in known:
            missing.append(f"{view} (the view itself)")
        missing += [f"{view}.{column}" for column in columns if not described.get(column)]
    return missing


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def comment_statements(database: dict[str, list[str]], current: dict[tuple[str, str | None], str | None] | None = None) -> list[str]:
    """COMMENT ON for the views and columns that exist (another revision may not have added them
    yet) and whose comment differs from `current` ((view, column or None) → comment; None: unknown)."""
    current = current or {}
    statements = []
    for view, columns in database.items():
        spec = views().get(view)
        if spec is None:
            continue
        if current.get((view, None)) != spec.about:
            statements.append(f"comment on view {view} is {_literal(spec.about)}")
        described = dict(spec.columns)
        for column in columns:
            text = described.get(column)
            if text and current.get((view, column)) != text:
                statements.append(f'comment on column {view}."{column}" is {_literal(text)}')
    return statements


def database_view_columns(conn) -> dict[str, list[str]]:
    """The public schema's views and their columns, in order (conn: a SQLAlchemy connection)."""
    return _views_in_database(conn)[0]


def _views_in_database(conn):
    """(view → its columns in order, (view, column) → comment with (view, None) the view's own)."""
    import sqlalchemy as sa

    rows = conn.execute(sa.text(
        """
        select c.relname, a.attname, col_description(c.oid, a.attnum), obj_description(c.oid, 'pg_class')
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
        join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
        where c.relkind = 'v'
        order by c.relname, a.attnum
        """
    )).all()
    database: dict[str, list[str]] = {}
    current: dict[tuple[str, str | None], str | None] = {}
    for view, column, comment, view_comment in rows:
        database.setdefault(view, []).append(column)
        current[(view, column)] = comment
        current[(view, None)] = view_comment
    return database, current


def apply_comments(conn) -> int:
    """Comment every described view and column whose comment is missing or changed (idempotent;
    for migrations). Returns the number of statements run."""
    statements = comment_statements(*_views_in_database(conn))
    for statement in statements:
        conn.exec_driver_sql(statement)
    return len(statements)


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|")


def render_markdown() -> str:
    lines = [
        "# Data dictionary",
        "",
        "<!-- Generated from sql/dictionary.toml by `make docs` (python -m etl.dictionary); do not edit. -->",
        "",
        "The views analysts query (the warehouse contract, `../shared/spec/VOCABULARY.md`, and its "
        "documented extensions). The same text is in the database: `\\d+ v_report_summary` in psql, "
        "or `select col_description('v_report_summary'::regclass, 1)`.",
        "",
    ]
    for view in views().values():
        lines += [f"## `{view.name}`", "", view.about, "", "| column | meaning |", "|---|---|"]
        lines += [f"| `{column}` | {_cell(text)} |" for column, text in view.columns]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else DOCUMENT_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_markdown(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
