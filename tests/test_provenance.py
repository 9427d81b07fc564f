"""Every cell says where it was read: source_line (a 1-based line of SourceFile.text) and, for
PDF, source_page. Checked against the source itself for every cell of every seed and of every
fixture (each report rendered in every format): the line holds the printed value as one of its
cells, and a PDF's line is a line of the page named."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

import pytest
import sqlalchemy as sa

from etl.chinese import to_simplified
from etl.extract import join_pages, page_of_line, read_document
from etl.formats.pdf import pdf_pages
from etl.jurisdictions import JurisdictionResolver
from etl.load import load_report
from etl.transform import parse_report
from tests.conftest import seed_paths
from tests.fixtures.generate import REPORTS, VARIANTS, load_spec, render_variant

RESOLVER = JurisdictionResolver.from_csv()
TABLES = ("article20", "applications", "review_litigation", "local_rows")


@lru_cache(maxsize=None)
def read_fixture(report: str, variant: str):
    fixture = render_variant(load_spec(report), variant)
    source = read_document(f"mem://{report}/{variant}/{fixture.name}", fixture.data, fixture.name,
                           fixture.declared_charset)
    assert source.problem is None, source.problem
    return fixture, source, parse_report(source.text, source.source_uri, source.sha256, RESOLVER,
                                         page_starts=source.page_starts)


def _cells_on(line: str) -> list[str]:
    """The cells a line holds, as the parser cuts them: "|"-separated, or the line itself."""
    stripped = line.strip()
    if "|" not in stripped:
        return [stripped]
    return [part.strip() for part in stripped.split("|")]


def assert_cells_point_at_their_print(source, parsed) -> int:
    """Every cell read (raw not NULL) points at a line that holds its raw text as a cell, and the
    cells pointing at one line are, together, among that line's cells (so a pointer one line off
    fails even where the neighbouring line holds the same digit). Returns the cells checked."""
    # Traditional text is read after conversion, which keeps every line where it was (万元 for 萬元).
    lines = to_simplified(source.text).text.split("\n")
    assert len(lines) == len(source.text.split("\n"))
    on_line: dict[int, Counter] = {}
    checked = 0
    for table in TABLES:
        for row in getattr(parsed, table):
            if row["raw"] is None:
                continue
            line = row["source_line"]
            assert line is not None and 1 <= line <= len(lines), (table, row)
            printed = _cells_on(lines[line - 1])
            assert row["raw"] in printed, (table, row, lines[line - 1])
            on_line.setdefault(line, Counter())[row["raw"]] += 1
            checked += 1
    for line, raws in on_line.items():
        # A value cell is counted once per line; a local row's label cell is no value.
        assert not raws - Counter(_cells_on(lines[line - 1])), (line, raws, lines[line - 1])
    return checked


@pytest.mark.parametrize("path", seed_paths(), ids=lambda p: p.name[:3])
def test_seed_cells_point_at_their_line(path):
    source = read_document(str(path), path.read_bytes(), path.name)
    parsed = parse_report(source.text, source.source_uri, source.sha256, RESOLVER)
    checked = assert_cells_point_at_their_print(source, parsed)
    if parsed.status == "loaded":
        assert checked >= 150
    # Text has no pages.
    assert all(row["source_page"] is None for table in TABLES for row in getattr(parsed, table))


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("report", list(REPORTS))
def test_fixture_cells_point_at_their_line(report, variant):
    _fixture, source, parsed = read_fixture(report, variant)
    checked = assert_cells_point_at_their_print(source, parsed)
    assert checked == len(parsed.article20) + len(parsed.applications) + len(parsed.review_litigation) \
        + len(parsed.local_rows)
    if variant != "pdf":
        assert source.page_starts is None
        assert all(row["source_page"] is None for table in TABLES for row in getattr(parsed, table))


@pytest.mark.parametrize("report", list(REPORTS))
def test_pdf_cells_name_the_page_that_prints_them(report):
    fixture, source, parsed = read_fixture(report, "pdf")
    pages = pdf_pages(fixture.data)
    assert len(source.page_starts) == len(pages) >= 2
    lines = source.text.split("\n")
    seen_pages = set()
    for table in TABLES:
        for row in getattr(parsed, table):
            page = row["source_page"]
            assert page is not None and 1 <= page <= len(pages), row
            assert lines[row["source_line"] - 1] in pages[page - 1].split("\n"), (row, page)
            seen_pages.add(page)
    # The applications table runs over a page break in the fixture: its cells are on two pages.
    assert len({row["source_page"] for row in parsed.applications}) >= 2
    assert len(seen_pages) >= 2


def test_page_starts_follow_the_joined_text():
    # As pdf_pages gives them: each line ends in "\n", "" for a page without text.
    text, starts = join_pages(["a\nb\n", "", "c\r\nd\re\n", "f"])
    assert text == "a\nb\nc\nd\ne\nf\n"
    assert starts == (1, 3, 3, 6)
    # The page without text holds no line: line 3 is on the third page.
    assert [page_of_line(starts, n) for n in (1, 2, 3, 4, 5, 6)] == [1, 1, 3, 3, 3, 4]
    assert page_of_line(None, 3) is None and page_of_line(starts, None) is None


def test_a_row_whose_values_cannot_be_placed_points_at_its_label():
    path = seed_paths()[4]
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    # Cut the 行政许可 row of seed 004's Article 20 table to two of its three values.
    start = next(i for i, line in enumerate(lines) if line.strip() == "行政许可")
    values = [i for i in range(start + 1, len(lines)) if lines[i].strip() and lines[i].strip() != "行政许可"][:3]
    damaged = "\n".join(line for i, line in enumerate(lines) if i not in values[2:3])
    parsed = parse_report(damaged, "mem://004-cut", "0" * 64, RESOLVER)
    licensing = [r for r in parsed.article20 if r["category"] == "licensing"]
    assert [r["raw"] for r in licensing] == [None, None, None]
    assert {r["source_line"] for r in licensing} == {start + 1}


def test_the_long_views_carry_the_provenance(engine):
    for report, variant in (("004", "text-blank-lines"), ("report_2021", "pdf")):
        _fixture, _source, parsed = read_fixture(report, variant)
        _action, report_id = load_report(engine, parsed)
        with engine.connect() as conn:
            got = conn.execute(sa.text(
                "select row_code, applicant, source_line, source_page from v_applications_long where report_id = :r"
            ), {"r": report_id}).all()
            review = conn.execute(sa.text(
                "select count(*) from v_review_litigation_long where report_id = :r and source_line is not null"
            ), {"r": report_id}).scalar()
            article20 = conn.execute(sa.text(
                "select count(*) from v_article20_long where report_id = :r and source_line is not null"
            ), {"r": report_id}).scalar()
        assert sorted(tuple(r) for r in got) == sorted(
            (r["row_code"], r["applicant"], r["source_line"], r["source_page"]) for r in parsed.applications
        )
        assert review == 15 and article20 == len(parsed.article20)
