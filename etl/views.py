"""The SQL view files under sql/, in the order they must be created."""

from __future__ import annotations

from pathlib import Path

from etl.config import SQL_DIR


def view_files(view_set: str) -> list[Path]:
    files = sorted((SQL_DIR / view_set).glob("*.sql"))
    if not files:
        raise FileNotFoundError(f"no view definitions under {SQL_DIR / view_set}")
    return files


def view_names(view_set: str) -> list[str]:
    # Files are named NN_<view name>.sql.
    return [path.stem.split("_", 1)[1] for path in view_files(view_set)]


def create_views(op, view_set: str) -> None:
    """For a migration's upgrade: create the set's views in file order."""
    for path in view_files(view_set):
        op.execute(path.read_text(encoding="utf-8"))


def drop_views(op, view_set: str) -> None:
    """For a migration's downgrade: drop the set's views, dependents first."""
    for name in reversed(view_names(view_set)):
        op.execute(f"drop view if exists {name}")
