"""The raw-bytes archive: every downloaded document kept under its sha256, so that reprocessing
(a new parser version, a rebuilt warehouse) reads from disk and never fetches again.

Layout: <root>/ab/cd/abcd…  (two levels of two hex digits keep folders small).
The default root is OGI_HOME/archive.

Bytes are checked against their sha256 every time they are read back: a disk, a copy or a hand
can damage a file, and parsing damaged bytes would load wrong numbers under a digest that says
they are right. A damaged file is moved aside (…/abcd….corrupt, kept for inspection) so that the
entry counts as missing and the next store of the right bytes repairs it.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
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


class CorruptEntry(Exception):
    """Archived bytes that no longer match their sha256."""


def load(sha: str, root: str | Path | None = None) -> bytes:
    """The archived bytes, checked against their sha256; FileNotFoundError when they are not in
    the archive, CorruptEntry (after moving the file aside) when they do not match."""
    path = path_of(sha, root)
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha:
        aside = path.with_name(path.name + ".corrupt")
        os.replace(path, aside)
        raise CorruptEntry(f"archived bytes of {sha} do not match their sha256 (now {actual}); moved to {aside}")
    return data


def is_stored(sha: str, size: int, root: str | Path | None = None) -> bool:
    """Whether bytes of this sha256 and size are archived. Same size is taken as the same bytes
    (hashing every archived file on every run would cost a full read); a truncated or padded
    file is not stored. load() catches the rest."""
    try:
        found = path_of(sha, root).stat()
    except (FileNotFoundError, NotADirectoryError):
        return False
    return stat.S_ISREG(found.st_mode) and found.st_size == size


def store(data: bytes, root: str | Path | None = None, sha: str | None = None) -> str:
    """Archive the bytes and return their sha256. Bytes already archived are not written again.
    `sha` is the bytes' sha256 when the caller has it already (a file's bytes are hashed as read)."""
    sha = sha or hashlib.sha256(data).hexdigest()
    path = path_of(sha, root)
    if is_stored(sha, len(data), root):
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
