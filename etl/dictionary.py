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


def comment_statements(database_columns: dict[str, list[str]]) -> list[str]:
    """COMMENT ON for the views and columns that exist (another revision may not have added them yet)."""
    statements = []
    for view, columns in database_columns.items():
        spec = views().get(view)
        if spec is None:
            continue
        statements.append(f"comment on view {view} is {_literal(spec.about)}")
        described = dict(spec.columns)
        for column in columns:
            if described.get(column):
                statements.append(f'comment on column {view}."{column}" is {_literal(described[column])}')
    return statements


def database_view_columns(conn) -> dict[str, list[str]]:
    """The public schema's views and their columns, in order (conn: a SQLAlchemy connection)."""
    import sqlalchemy as sa

    rows = conn.execute(sa.text(
        """
        select c.table_name, c.column_name
        from information_schema.columns c
        join information_schema.views v on v.table_schema = c.table_schema and v.table_name = c.table_name
        where c.table_schema = 'public'
        order by c.table_name, c.ordinal_position
        """
    )).all()
    out: dict[str, list[str]] = {}
    for view, column in rows:
        out.setdefault(view, []).append(column)
    return out


def apply_comments(conn) -> None:
    """Comment every described view and column in the database (idempotent; for migrations)."""
    for statement in comment_statements(database_view_columns(conn)):
        conn.exec_driver_sql(statement)


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
