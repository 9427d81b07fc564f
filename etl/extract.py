"""Finding report files and reading their bytes into text."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

# Formats this version reads; others are quarantined with a reason that names the format.
TEXT_SUFFIXES = {".txt", ".text"}
_KNOWN_UNREAD = {
    ".pdf": "PDF",
    ".doc": "Word (.doc)",
    ".docx": "Word (.docx)",
    ".html": "HTML",
    ".htm": "HTML",
    ".xls": "Excel",
    ".xlsx": "Excel",
    ".wps": "WPS",
}


@dataclass(frozen=True)
class SourceFile:
    source_uri: str
    sha256: str
    text: str | None  # None when the file cannot be read as a report
    problem: str | None  # why it cannot, in words for the person who supplied it


def discover(paths: list[str | Path]) -> list[Path]:
    """Every file named, and every file under each folder named (recursively, hidden ones skipped).

    Raises FileNotFoundError for a path that does not exist: a typo should stop the run, not
    pass as "nothing to do".
    """
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {given}")
    # The same file named twice (directly and through its folder) is processed once.
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_text(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK and GB2312); None if neither."""
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def read_source(path: Path) -> SourceFile:
    """A report file on disk; its source URI is the path as given."""
    return read_document(str(path), path.read_bytes(), path.name)


def read_document(source_uri: str, data: bytes, name: str, declared_charset: str | None = None) -> SourceFile:
    """A report's bytes, from a file or a download: `name` carries the file name (for its
    suffix), `declared_charset` the charset a server declared, if any."""
    digest = sha256_of(data)
    suffix = Path(name).suffix.lower()
    if suffix in _KNOWN_UNREAD:
        return SourceFile(source_uri, digest, None, f"{_KNOWN_UNREAD[suffix]} 文件暂不支持：本版本只读取纯文本报告 (.txt)")
    if suffix not in TEXT_SUFFIXES:
        return SourceFile(source_uri, digest, None, f"不认识的文件类型「{suffix or '无扩展名'}」：本版本只读取纯文本报告 (.txt)")
    if not data.strip():
        return SourceFile(source_uri, digest, None, "文件是空的")
    text = decode_text(data)
    if text is None:
        return SourceFile(source_uri, digest, None, "无法按 UTF-8 或 GB18030 解码，文件可能已损坏或不是文本")
    return SourceFile(source_uri, digest, text.replace("\r\n", "\n").replace("\r", "\n"), None)
