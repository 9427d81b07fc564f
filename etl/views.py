"""The SQL view files under sql/, in the order they must be created.

Views are versioned by folder (view set). A later set holds only the views it adds or redefines,
each in full; the views in force at a revision are the sets layered in order, a later file
replacing an earlier one of the same view. A migration that changes views drops the previous
layering and creates the new one (views hold no data), so column order never blocks a change and
every revision keeps creating exactly what it created when it was written.
"""

from __future__ import annotations

from pathlib import Path

from etl.config import SQL_DIR


def view_files(view_set: str) -> list[Path]:
    files = sorted((SQL_DIR / view_set).glob("*.sql"))
    if not files:
        raise FileNotFoundError(f"no view definitions under {SQL_DIR / view_set}")
    return files


def _view_name(path: Path) -> str:
    # Files are named NN_<view name>.sql.
    return path.stem.split("_", 1)[1]


def view_names(view_set: str) -> list[str]:
    return [_view_name(path) for path in view_files(view_set)]


def layered_files(view_sets: list[str]) -> list[Path]:
    """The definition in force of each view, in creation order: a view keeps the place it first
    had (its dependencies come before it) and takes the latest set's definition."""
    chosen: dict[str, Path] = {}
    for view_set in view_sets:
        for path in view_files(view_set):
            chosen[_view_name(path)] = path  # dict order: first appearance
    return list(chosen.values())


def create_views(op, *view_sets: str) -> None:
    """Create the views of the layered sets, in order."""
    for path in layered_files(list(view_sets)):
        op.execute(path.read_text(encoding="utf-8"))


def drop_views(op, *view_sets: str) -> None:
    """Drop the views of the layered sets, dependents first."""
    for path in reversed(layered_files(list(view_sets))):
        op.execute(f"drop view if exists {_view_name(path)}")


def replace_views(op, before: list[str], after: list[str]) -> None:
    """Swap the views of one layering for another's (an upgrade, or its downgrade)."""
    drop_views(op, *before)
    create_views(op, *after)
