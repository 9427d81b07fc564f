"""The raw-bytes archive: every downloaded document kept under its sha256, so that reprocessing
(a new parser version, a rebuilt warehouse) reads from disk and never fetches again.

Layout: <root>/ab/cd/abcd…  (two levels of two hex digits keep folders small).
The default root is OGI_HOME/archive.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from etl.config import ogi_home

_SHA256 = re.compile(r"[0-9a-f]{64}")


def default_root() -> Path:
    return ogi_home() / "archive"


def path_of(sha: str, root: str | Path | None = None) -> Path:
    # Validated because the digest becomes a path: anything else could point outside the archive.
    if not _SHA256.fullmatch(sha):
        raise ValueError(f"not a sha256 hex digest: {sha!r}")
    base = Path(root) if root is not None else default_root()
    return base / sha[:2] / sha[2:4] / sha


def has(sha: str, root: str | Path | None = None) -> bool:
    return path_of(sha, root).is_file()


def load(sha: str, root: str | Path | None = None) -> bytes:
    """The archived bytes; FileNotFoundError when they are not in the archive."""
    return path_of(sha, root).read_bytes()


def store(data: bytes, root: str | Path | None = None) -> str:
    """Archive the bytes and return their sha256. Bytes already archived are not written again."""
    sha = hashlib.sha256(data).hexdigest()
    path = path_of(sha, root)
    if path.is_file():
        return sha
    path.parent.mkdir(parents=True, exist_ok=True)
    # Temp file in the same folder, then rename: a reader (or a crash) never sees a half-written
    # file under the final name. Two threads storing the same bytes both rename identical content.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha
