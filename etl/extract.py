"""Finding report files and reading their bytes into text."""

from __future__ import annotations

import hashlib
import os
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

# What each file suffix is; files are also sniffed by their first bytes, since downloads and
# drop zones often carry the wrong or no suffix.
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}
_UNSUPPORTED = {
    ".xls": "Excel",
    ".xlsx": "Excel",
    ".wps": "WPS",
    ".ofd": "OFD",
    ".rtf": "RTF",
}


@dataclass(frozen=True)
class SourceFile:
    source_uri: str
    sha256: str
    text: str | None  # None when the file cannot be read as a report
    problem: str | None  # why it cannot, in words for the person who supplied it
    # PDF only: the 1-based line of `text` on which each page starts (page n starts on
    # page_starts[n - 1]), so that a cell read on a line can name its page.
    page_starts: tuple[int, ...] | None = None


def page_of_line(page_starts: tuple[int, ...] | None, line: int | None) -> int | None:
    """The 1-based page holding a 1-based line, from a PDF's page starts; None without them."""
    if not page_starts or line is None:
        return None
    return bisect_right(page_starts, line) or None


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def join_pages(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """The pages' text joined as pdf_to_text joins it (each page's lines end in "\\n"), and the
    line each page starts on (a page without text starts where the next one does)."""
    pages = [_normalise_newlines(page) for page in pages]
    pages = [page if not page or page.endswith("\n") else page + "\n" for page in pages]
    starts, line = [], 1
    for page in pages:
        starts.append(line)
        line += page.count("\n")
    return "".join(pages), tuple(starts)


def discover(paths: list[str | Path]) -> list[Path]:
    """Every file named, and every file under each folder named (recursively, hidden ones skipped).

    Raises FileNotFoundError for a path that does not exist: a typo should stop the run, not
    pass as "nothing to do".
    """
    found: list[tuple[Path, Path]] = []  # (the path, the file it names)
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(sorted(_folder_files(path)))
        elif path.is_file():
            found.append((path, path.resolve()))
        else:
            raise FileNotFoundError(f"no such file or folder: {given}")
    # The same file named twice (directly and through its folder) is processed once.
    unique: dict[Path, Path] = {}
    for path, resolved in found:
        unique.setdefault(resolved, path)
    return list(unique.values())


def _folder_files(folder: Path) -> list[tuple[Path, Path]]:
    """(path, resolved path) of every file under the folder, hidden ones and those in hidden
    folders skipped, symbolic links to folders not followed (as Path.rglob does in Python 3.11).

    A directory entry says file or folder without a stat, and a file that is not a link resolves
    to its resolved folder plus its name: Path.resolve on every file of a nightly's 10,000 cost
    more than a second of system calls."""
    files = []
    pending = [(folder, folder.resolve())]
    while pending:
        here, resolved_here = pending.pop()
        try:
            entries = list(os.scandir(here))
        except PermissionError:  # skipped, as rglob skips it
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                pending.append((here / entry.name, resolved_here / entry.name))
            elif entry.is_file():  # follows a link, as Path.is_file does
                path = here / entry.name
                files.append((path, path.resolve() if entry.is_symlink() else resolved_here / entry.name))
    return files


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_text(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK and GB2312); None if neither."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its BOM (Notepad's "Unicode")
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def sniff_format(data: bytes, name: str) -> str:
    """text | html | pdf | docx | doc | unsupported:<what>, from the bytes first, then the suffix."""
    head = data[:1024].lstrip().lower()
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.lstrip()[:5] == b"{\\rtf":  # RTF is often saved as .doc: say what it is
        return "unsupported:RTF"
    if data.startswith(b"PK\x03\x04") and b"word/" in data[:65536]:
        return "docx"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: legacy .doc (or .xls, .wps)
        suffix = Path(name).suffix.lower()
        return f"unsupported:{_UNSUPPORTED[suffix]}" if suffix in _UNSUPPORTED else "doc"
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head or b"<table" in head:
        return "html"
    suffix = Path(name).suffix.lower()
    if suffix in _UNSUPPORTED:
        return f"unsupported:{_UNSUPPORTED[suffix]}"
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix == ".pdf":
        return "pdf"
    if suffix == ".docx":
        return "docx"
    if suffix == ".doc":
        return "doc"
    return "text"


def read_document(source_uri: str, data: bytes, name: str, declared_charset: str | None = None) -> SourceFile:
    """A report's bytes, from a file or a download: `name` carries the file name (for its
    suffix), `declared_charset` the charset a server declared, if any. A document that cannot be
    read comes back with `problem` saying why, in words for the person who supplied it."""
    digest = sha256_of(data)

    def problem(reason: str) -> SourceFile:
        return SourceFile(source_uri, digest, None, reason)

    if not data.strip():
        return problem("文件是空的")
    kind = sniff_format(data, name)
    if kind.startswith("unsupported:"):
        return problem(f"{kind.split(':', 1)[1]} 文件不是年度报告的发布格式，暂不支持（支持 HTML、PDF、Word .docx/.doc 和纯文本）")
    page_starts = None
    try:
        if kind == "html":
            from etl.formats.html import html_to_text

            text = html_to_text(data, declared_charset)
        elif kind == "pdf":
            from etl.formats.pdf import pdf_pages

            text, page_starts = join_pages(pdf_pages(data))
        elif kind == "docx":
            from etl.formats.docx import docx_to_text

            text = docx_to_text(data)
        elif kind == "doc":
            from etl.formats.doc import doc_to_text

            text = doc_to_text(data)
        else:
            text = decode_text(data)
            if text is None:
                return problem("无法按 UTF-8 或 GB18030 解码，文件可能已损坏或不是文本")
    except ValueError as error:  # the readers' way of saying "this file cannot be read", with why
        return problem(str(error))
    if not text.strip():
        return problem(f"{kind} 文件中没有可读的文字")
    return SourceFile(source_uri, digest, _normalise_newlines(text), None, page_starts)
