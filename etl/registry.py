"""The sources a nightly run reads, kept in the warehouse (core.source)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

FOLDER = "folder"
MANIFEST = "manifest"


@dataclass(frozen=True)
class Source:
    source_id: int
    kind: str
    location: str
    enabled: bool


def add_source(engine: Engine, location: str | Path) -> Source:
    """Register a folder (a drop zone) or a URL manifest (a .csv file); the kind follows the path."""
    path = Path(location).expanduser().resolve()
    if path.is_dir():
        kind = FOLDER
    elif path.is_file() and path.suffix.lower() == ".csv":
        from etl.sources import read_manifest

        read_manifest(path)  # refuse a manifest that cannot be read now, not at 02:00
        kind = MANIFEST
    else:
        raise ValueError(f"{location}: not a folder or a .csv URL manifest")
    with engine.begin() as conn:
        row = conn.execute(
            sa.text(
                "insert into core.source (kind, location) values (:kind, :location) "
                "on conflict (location) do update set enabled = true "
                "returning source_id, kind, location, enabled"
            ),
            {"kind": kind, "location": str(path)},
        ).one()
    return Source(*row)


def remove_source(engine: Engine, location: str | Path) -> bool:
    path = str(Path(location).expanduser().resolve())
    with engine.begin() as conn:
        return conn.execute(sa.text("delete from core.source where location = :l"), {"l": path}).rowcount > 0


def list_sources(engine: Engine, enabled_only: bool = False) -> list[Source]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "select source_id, kind, location, enabled from core.source "
            + ("where enabled " if enabled_only else "") + "order by source_id"
        )).all()
    return [Source(*row) for row in rows]
