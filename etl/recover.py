"""Getting a report's bytes back when its archive entry is missing or damaged.

A download is fetched again from its URL (the report's source_uri; what was fetched is recorded
in core.source_fetch again); a report read from a file is read again from that file if it is
still there. Bytes that differ from the archived digest are what the source holds now, and are
read as such (a changed report becomes its new version, as in any run). When neither works the
report is reported as missing, with both reasons: nothing is dropped silently.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from etl import archive


class Unrecoverable(Exception):
    """Neither the archive nor the source can give the report's bytes; the message says why."""


def recover(source_uri: str, name: str | None, problem: Exception, engine: Engine) -> tuple[bytes, str, str | None]:
    """The report's bytes got again from its source, after `problem` (a missing or corrupt
    entry), archived again: (bytes, file name, the charset a server declared)."""
    if source_uri.lower().startswith(("http://", "https://")):
        from etl.fetch import Fetcher, save_result

        with Fetcher() as fetcher:
            result = fetcher.fetch(source_uri)  # unconditional: there is no good copy to fall back on
        save_result(engine, result)
        if result.sha256 is None:
            raise Unrecoverable(f"{problem}; fetching it again failed: {result.error}")
        return archive.load(result.sha256), result.name or name or "report", result.declared_charset
    path = Path(source_uri)
    if not path.is_file():
        raise Unrecoverable(f"{problem}; the original file {source_uri} is gone too")
    data = path.read_bytes()
    archive.store(data)
    return data, path.name, None
