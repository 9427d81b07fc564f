"""What one untrusted report may cost: bytes, unpacked bytes, pages, time and memory.

Reports come from thousands of government sites and third-party manifests; one pathological file
must cost at most these and then be quarantined with the reason, while the run goes on. Each
limit can be set through the environment (the variable named beside it); the defaults are far
above any real annual report (a few MB, tens of pages, well under a second to read).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 200 * MB  # OGI_MAX_FILE_MB: a file on disk or a download (cut at the cap)
    max_unpacked_bytes: int = 200 * MB  # OGI_MAX_UNPACKED_MB: a .docx's zip members, a gzip body
    max_pdf_pages: int = 300  # OGI_MAX_PDF_PAGES
    read_timeout_s: float = 60.0  # OGI_READ_TIMEOUT_S: reading and parsing one report
    read_memory_bytes: int = 2048 * MB  # OGI_READ_MEMORY_MB: a worker reading one report
    fetch_timeout_s: float = 300.0  # OGI_FETCH_TIMEOUT_S: one download, headers to last byte

    def file_too_large(self, size: int) -> str:
        return f"文件大于 {self.max_file_bytes // MB} MB（{size / MB:.0f} MB）"

    def timed_out(self) -> str:
        return f"读取超过 {self.read_timeout_s:g} 秒"

    def out_of_memory(self) -> str:
        return f"读取所需内存超过 {self.read_memory_bytes // MB} MB"

    def worker_died(self, how: str) -> str:
        return f"读取时工作进程意外退出（{how}）"

    def work_failed(self, detail: str) -> str:
        return f"读取出错（ogi 的缺陷，请报告）：{detail}"

    def unpacked_too_large(self) -> str:
        return f"解压后大于 {self.max_unpacked_bytes // MB} MB（可能是压缩炸弹）"

    def too_many_pages(self, pages: int) -> str:
        return f"PDF 超过 {self.max_pdf_pages} 页（{pages} 页）"

    def download_cut(self) -> str:
        # The size is unknown: the download was stopped at the cap, not read to its end.
        return f"下载大于 {_size(self.max_file_bytes)}，已在上限处截断"

    def download_too_slow(self) -> str:
        return f"下载超过 {self.fetch_timeout_s:g} 秒，已中断"


def _size(n: int) -> str:
    # Tests lower the caps to kilobytes; "大于 0 MB" would say nothing.
    return f"{n // MB} MB" if n >= MB else f"{n // 1024} KB" if n >= 1024 else f"{n} 字节"


def _number(name: str, default: float) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {value!r}") from None
    if number <= 0:
        raise ValueError(f"{name} must be positive, not {value!r}")
    return number


def from_env() -> Limits:
    """The limits in force: the defaults, overridden by the OGI_* variables that are set."""
    d = Limits()
    return Limits(
        max_file_bytes=int(_number("OGI_MAX_FILE_MB", d.max_file_bytes / MB) * MB),
        max_unpacked_bytes=int(_number("OGI_MAX_UNPACKED_MB", d.max_unpacked_bytes / MB) * MB),
        max_pdf_pages=int(_number("OGI_MAX_PDF_PAGES", d.max_pdf_pages)),
        read_timeout_s=_number("OGI_READ_TIMEOUT_S", d.read_timeout_s),
        read_memory_bytes=int(_number("OGI_READ_MEMORY_MB", d.read_memory_bytes / MB) * MB),
        fetch_timeout_s=_number("OGI_FETCH_TIMEOUT_S", d.fetch_timeout_s),
    )
