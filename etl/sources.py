"""Where reports come from besides files on disk: URL manifests.

A manifest is a CSV file with a header row naming at least `url`; the optional columns
`jurisdiction`, `agency` and `year` carry hints for reports whose text does not say clearly who
published them or for which year. (Folders of files, the drop zone, are read by
etl.extract.discover.)
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

_OPTIONAL = ("jurisdiction", "agency", "year")


@dataclass(frozen=True)
class ManifestEntry:
    url: str
    jurisdiction_hint: str | None = None
    agency_hint: str | None = None
    year_hint: int | None = None


def read_manifest(path: str | Path) -> list[ManifestEntry]:
    """The entries of a manifest, in file order, each URL once (its first row wins).

    Raises ValueError naming the file and line for a manifest that cannot be trusted: a missing
    `url` column, a URL that is not http(s), a year that is not four digits. A bad row stops the
    whole manifest rather than being skipped, so that a typo is fixed instead of silently losing
    a report.
    """
    path = Path(path)
    # utf-8-sig: spreadsheet programs on Windows save CSV with a byte-order mark.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = _next_nonblank(reader)
        if header is None:
            raise ValueError(f"{path}: the manifest is empty; it needs a header row with a `url` column")
        columns = [name.strip().lower() for name in header]
        if "url" not in columns:
            raise ValueError(
                f"{path}:{reader.line_num}: the header row has no `url` column "
                f"(found: {', '.join(repr(c) for c in columns) or 'nothing'})"
            )
        index = {name: columns.index(name) for name in ("url", *_OPTIONAL) if name in columns}

        entries: list[ManifestEntry] = []
        seen: set[str] = set()
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            where = f"{path}:{reader.line_num}"

            def cell(name: str) -> str | None:
                i = index.get(name)
                value = row[i].strip() if i is not None and i < len(row) else ""
                return value or None

            url = cell("url")
            if url is None:
                raise ValueError(f"{where}: the row has no URL")
            parts = urlsplit(url)
            if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{where}: {url!r} is not an http(s) URL")
            year = cell("year")
            if year is not None and not re.fullmatch(r"[0-9]{4}", year):
                raise ValueError(f"{where}: the year {year!r} is not a four-digit number")
            if url in seen:
                continue
            seen.add(url)
            entries.append(ManifestEntry(url, cell("jurisdiction"), cell("agency"), int(year) if year else None))
    return entries


def _next_nonblank(reader) -> list[str] | None:
    for row in reader:
        if any(cell.strip() for cell in row):
            return row
    return None
