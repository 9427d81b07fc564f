"""What reading past years costs: the resolver of each year's divisions, and the narrative reader.

    .venv/bin/python benchmarks/past_years.py

Prints (never checks): the time to build today's resolver and one per year 2008–2024 (each is
built once per process, on the first report of that year), and the narrative reader's speed over
generated free-form reports (tests/fixtures/narrative.py) and the seeds, with the share of known
facts read exactly (goal 100%).
"""

from __future__ import annotations

import random
import sys
import time
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from etl.jurisdictions import JurisdictionResolver  # noqa: E402
from etl.narrative import read_facts  # noqa: E402
from tests.fixtures.narrative import PHRASINGS, format_number, free_form_report  # noqa: E402


def main() -> None:
    start = time.perf_counter()
    resolver = JurisdictionResolver.from_csv()
    print(f"today's resolver: {time.perf_counter() - start:.2f} s")
    times = []
    for year in range(2008, 2025):
        start = time.perf_counter()
        resolver.for_year(year)
        times.append(time.perf_counter() - start)
    print(f"year resolvers 2008-2024: {sum(times):.2f} s in all, {max(times):.2f} s at most for one year")

    rng = random.Random(7)
    reports, known = [], []
    for _ in range(500):
        chosen = rng.sample(sorted(PHRASINGS), k=rng.randint(1, len(PHRASINGS)))
        values = {f: rng.choice([0, 1, 3, 52, 999, 1234, 34284]) for f in chosen}
        sentences = [rng.choice(PHRASINGS[f]).format(n=format_number(values[f], rng.choice(["plain", "comma", "fullwidth"])))
                     for f in chosen]
        reports.append(free_form_report("石家庄市栾城县人民政府", 2012, sentences, rng))
        known.append({(f, Decimal(v)) for f, v in values.items()})
    start = time.perf_counter()
    exact = sum({(f.fact, f.value) for f in read_facts(text)} == facts for text, facts in zip(reports, known))
    elapsed = time.perf_counter() - start
    chars = sum(len(t) for t in reports)
    print(f"narrative reader: {len(reports)} generated reports ({chars / 1e6:.2f} M chars) in {elapsed:.2f} s "
          f"({len(reports) / elapsed:.0f} reports/s); read exactly: {exact}/{len(reports)}")
    seeds = [p.read_text(encoding="utf-8") for p in sorted((REPO / "tests/fixtures/seeds").glob("*.txt"))]
    start = time.perf_counter()
    for _ in range(20):
        for text in seeds:
            read_facts(text)
    elapsed = time.perf_counter() - start
    print(f"narrative reader on the seeds: {elapsed / (20 * len(seeds)) * 1000:.1f} ms per report")


if __name__ == "__main__":
    main()
