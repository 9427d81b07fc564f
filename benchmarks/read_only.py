"""Benchmark: the readers alone (bytes → text, no parsing), per format, on throughput.py's files.

    .venv/bin/python benchmarks/read_only.py [--repeats 20]

throughput.py times read + parse; this times only `etl.extract.read_document`, so a reader's
share of the whole is visible. CPU seconds of this process, best of N runs per file; ms/file is
the mean over the format's files of their best times.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import throughput  # noqa: E402  (puts the repository on sys.path)

FORMATS = ("html", "docx", "doc")


def read_only(repeats: int = 20, out=sys.stdout) -> dict[str, float]:
    """{format: mean best ms per file} for reading only; prints a table."""
    from etl.extract import read_document

    files = throughput._files()
    results = {}
    for kind in FORMATS:
        items = files[kind]
        for name, data in items:  # warm up: imports, OpenCC, caches
            read_document(f"mem://{name}", data, name)
        total = sum(throughput._best_cpu(lambda n=name, d=data: read_document(f"mem://{n}", d, n), repeats)
                    for name, data in items)
        results[kind] = 1000 * total / len(items)
    print(f"\nRead only (etl.extract.read_document; CPU time, best of {repeats} runs per file; "
          f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M')})", file=out)
    print(f"{'format':<8}{'files':>6}{'ms/file':>10}{'files/s':>10}", file=out)
    for kind, ms in results.items():
        print(f"{kind:<8}{len(files[kind]):>6}{ms:>10.2f}{1000 / ms:>10.0f}", file=out)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    read_only(parser.parse_args().repeats)
