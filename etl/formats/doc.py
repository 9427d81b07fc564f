"""Legacy Word (.doc) through antiword, a small converter packaged by Debian (`apt-get install
antiword`). Without it, .doc reports are quarantined with that instruction as the reason."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


def doc_to_text(data: bytes) -> str:
    antiword = shutil.which("antiword")
    if antiword is None:
        raise ValueError("旧版 Word (.doc) 文件需要 antiword 转换，本机未安装（apt-get install antiword），或另存为 .docx")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.doc"
        path.write_bytes(data)
        # -w 0: no line wrapping, so a table row stays on one line ("|" between its cells).
        result = subprocess.run([antiword, "-w", "0", "-m", "UTF-8.txt", str(path)],
                                capture_output=True, timeout=120)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip() or f"exit status {result.returncode}"
        raise ValueError(f"antiword 无法读取这个 .doc 文件：{message}")
    return result.stdout.decode("utf-8", "replace")
