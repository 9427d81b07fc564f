"""Benchmark: reports per second per core, by format; then a whole run of mixed reports.

    .venv/bin/python benchmarks/throughput.py                      # the table, then the whole run
    .venv/bin/python benchmarks/throughput.py --repeats 20         # more runs per file (best of N)
    .venv/bin/python benchmarks/throughput.py --reports 1000       # a smaller whole run
    .venv/bin/python benchmarks/throughput.py --only formats       # (or --only run)

Per format, side by side on the same files: ogi's in-process read + parse
(`etl.extract.read_document` + `etl.transform.parse_report`), timed in CPU seconds of this
process (`time.process_time`), best of N runs per file — the machine is shared, and CPU time of
the best run is what one core can do. Reports/s/core = files ÷ the sum of their best times.
For PDF also two references on the same files: poppler's `pdftotext -layout` (CPU time of the
child process; skipped with a note when poppler-utils is not installed: `make system-deps`) and
pdfplumber (page text and ruled tables of every page, the work the former reader did).

Files (generated, tests/fixtures/generate.py): the four fixture reports (seeds 001, 003, 004 and
a 2021-template report) as text, HTML (UTF-8 page with site chrome), DOCX, PDF (3 pages) and a
6-page PDF; the two .doc fixtures (tests/fixtures/doc); and the five real seed texts.

Then the whole run (benchmarks/throughput_run.py, `whole_run()`): `ogi run` over 10,000 mixed
reports (60% HTML, 25% PDF, 5% DOCX, 5% .doc, 5% text) into a fresh PostgreSQL database, with one
worker kept on one core, one worker, and one per core: wall time, reports/s, CPU seconds, peak
memory, cores busy, the ratio to one core; then `ogi nightly` over them unchanged. It needs a
PostgreSQL server: `--server URL`, or OGI_TEST_DATABASE_URL; without either it is skipped with a
note. `per_format()` is importable.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

REPORTS = ("001", "003", "004", "report_2021")
GOALS = {"text": 500, "html": 300, "pdf 6 pages": 25}  # issue 7, reports/s/core


def _files() -> dict[str, list[tuple[str, bytes]]]:
    """format → [(file name, bytes)]."""
    from tests.fixtures.generate import load_spec, render_pdf_pages, render_variant

    files: dict[str, list[tuple[str, bytes]]] = {k: [] for k in (
        "text (seeds)", "text (fixtures)", "html", "docx", "doc", "pdf 3 pages", "pdf 6 pages")}
    seeds = sorted((REPO / "tests" / "fixtures" / "seeds").glob("*.txt"))
    files["text (seeds)"] = [(p.name, p.read_bytes()) for p in seeds]
    for report in REPORTS:
        spec = load_spec(report)
        for key, variant in (("text (fixtures)", "text-pipe"), ("html", "html-utf-8-meta"), ("docx", "docx"),
                             ("pdf 3 pages", "pdf")):
            fixture = render_variant(spec, variant)
            files[key].append((f"{report}{Path(fixture.name).suffix}", fixture.data))
    for report in ("report_2021", "003"):
        files["pdf 6 pages"].append((f"{report}-6p.pdf", render_pdf_pages(load_spec(report))))
    files["doc"] = [(p.name, p.read_bytes()) for p in sorted((REPO / "tests" / "fixtures" / "doc").glob("*.doc"))
                    if p.name != "small.doc"]
    return files


def _best_cpu(work, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best


def _ogi(name: str, data: bytes):
    from etl.extract import read_document
    from etl.jurisdictions import JurisdictionResolver
    from etl.transform import parse_report

    resolver = _ogi.resolver = getattr(_ogi, "resolver", None) or JurisdictionResolver.from_csv()

    def work():
        source = read_document(f"mem://{name}", data, name)
        if source.text is None:
            raise RuntimeError(f"{name}: {source.problem}")
        parse_report(source.text, source.source_uri, source.sha256, resolver)
    return work


def _pdftotext(folder: Path, name: str, data: bytes):
    path = folder / name
    path.write_bytes(data)

    def work():
        subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, stdout=subprocess.DEVNULL)
    return work


def _children_cpu(work, repeats: int) -> float:
    """Best CPU time (user + system) of the child processes one call of work starts."""
    best = float("inf")
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        work()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return best


def _pdfplumber(data: bytes):
    import pdfplumber

    def work():
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                page.extract_text()
                for table in page.find_tables():
                    table.extract()
                page.close()
    return work


def per_format(repeats: int = 10, out=sys.stdout) -> dict[str, dict[str, float]]:
    """Reports/s/core for each format (and the PDF references); prints a table, returns
    {format: {column: reports/s/core}}."""
    files = _files()
    have_pdftotext = shutil.which("pdftotext") is not None
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind, items in files.items():
            row: dict[str, float] = {}
            total = sum(_best_cpu(_ogi(name, data), repeats) for name, data in items)
            row["ogi"] = len(items) / total
            if kind.startswith("pdf"):
                few = max(2, repeats // 3)  # pdfplumber takes a second a report
                row["pdfplumber"] = len(items) / sum(_best_cpu(_pdfplumber(data), few) for _n, data in items)
                if have_pdftotext:
                    row["pdftotext -layout"] = len(items) / sum(
                        _children_cpu(_pdftotext(Path(folder), name, data), repeats) for name, data in items)
            results[kind] = row
            print(f"  measured {kind}: {len(items)} files", file=sys.stderr)
    print(f"\nReports per second per core (CPU time, best of {repeats} runs per file; "
          f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M')})", file=out)
    print(f"{'format':<18}{'files':>6}{'ogi read+parse':>16}{'ms/report':>11}{'goal':>13}"
          f"{'pdftotext -layout':>19}{'pdfplumber':>12}", file=out)
    for kind, row in results.items():
        goal = GOALS.get(kind) or (GOALS["text"] if kind.startswith("text") else None)
        goal = "" if goal is None else f"{goal} {'met' if row['ogi'] >= goal else 'NOT MET'}"
        references = "".join(f"{row[column]:>{width}.1f}" if column in row else " " * width
                             for column, width in (("pdftotext -layout", 19), ("pdfplumber", 12)))
        print(f"{kind:<18}{len(files[kind]):>6}{row['ogi']:>16.1f}{1000 / row['ogi']:>11.2f}{goal:>13}{references}",
              file=out)
    if not have_pdftotext:
        print("pdftotext not installed (poppler-utils; `make system-deps`): its column is empty.", file=out)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10, help="runs per file; the best counts (default 10)")
    parser.add_argument("--only", choices=("formats", "run"), help="just the per-format table, or just the whole run")
    parser.add_argument("--reports", type=int, default=10_000, help="reports in the whole run (default 10,000)")
    parser.add_argument("--workers", help="worker counts of the whole run; 1c: one worker with the run kept on one "
                        "core (default: 1c,1,<cores>)")
    parser.add_argument("--corpus", type=Path, help="reuse (or write) the whole run's corpus in this folder")
    parser.add_argument("--server", default=os.environ.get("OGI_TEST_DATABASE_URL"),
                        help="admin URL of a PostgreSQL server for the whole run (default: $OGI_TEST_DATABASE_URL)")
    args = parser.parse_args(argv)
    if args.only != "run":
        per_format(args.repeats)
    if args.only != "formats":
        if not args.server:
            print("\nThe whole run needs a PostgreSQL server: --server URL or OGI_TEST_DATABASE_URL; skipped.")
            return 0
        from benchmarks.throughput_run import parse_workers, whole_run

        print(f"\nWhole run: {args.reports} mixed reports (`ogi run`, then `ogi nightly` over them unchanged)")
        whole_run(args.server, args.reports, workers=parse_workers(args.workers) if args.workers else None,
                  corpus=args.corpus)
    return 0


if __name__ == "__main__":
    sys.exit(main())
