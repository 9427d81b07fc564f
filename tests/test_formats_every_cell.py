"""Every cell of every fixture: each report (seeds 001, 003, 004 and a 2021-template report) rendered
into each format variant (tests/fixtures/generate.py), read back with etl.extract.read_document and
parsed with etl.transform.parse_report, must give exactly the cells of its expected CSVs — value,
raw text and unit — so a value shifted by one column fails.

The expectations are the CSVs in tests/expected/<report>/ (the renderers print their `raw`; the
values and units are only compared, never computed here) and, for the error-level issues, the
plain seed text: a seed's known arithmetic breaks must come out the same in every format and
nothing else may.
"""

from __future__ import annotations

import io
from decimal import Decimal
from functools import lru_cache

import pytest

from etl.extract import read_document
from etl.jurisdictions import JurisdictionResolver
from etl.transform import parse_report
from tests.fixtures.generate import (
    REPORTS, SEEDS, VARIANTS, load_spec, read_expected, render_html, render_markdown, render_text_blank_lines,
    render_text_pipe, render_variant, traditional,
)

RESOLVER = JurisdictionResolver.from_csv()

# What each report is, stated here rather than taken from the generator:
# (template, year, jurisdiction code, title, publication date printed on the web page).
IDENTITY = {
    "001": ("2019", 2020, "350881", "漳平市人民政府2020年政府信息公开工作年度报告", "2021-01-28"),
    "003": ("2019", 2020, "320500", "苏州市人民政府2020年政府信息公开工作年度报告", "2021-01-29"),
    "004": ("2019", 2020, "650100", "乌鲁木齐市人民政府2020年政府信息公开工作年度报告", "2021-03-10"),
    "report_2021": ("2021", 2022, "320500", "苏州市人民政府2022年政府信息公开工作年度报告", "2023-01-30"),
}
# Issues that say cells went astray: none may appear that the plain seed text does not give.
STRUCTURAL = {"row_missing", "row_incomplete", "table_missing", "table_values_lost", "extra_cells",
              "unrecognised_row", "unreadable_value", "duplicate_row", "unexpected_unit"}

# (report, variant) cases that fail because of a reader or parser bug, with the bug.
# (report, variant) whose title or publication date is lost: test_identity is marked for them.
KNOWN_IDENTITY_BUGS: dict[tuple[str, str], str] = {}
# (report, variant) whose cells come out wrong: test_every_cell is marked for them.
KNOWN_CELL_BUGS: dict[tuple[str, str], str] = {}


@lru_cache(maxsize=None)
def seed_issue_codes(report: str) -> tuple[frozenset[str], frozenset[str]]:
    """(error check codes, structural warning codes) the plain seed text gives; none for a report
    that is no seed (its synthetic values keep every identity)."""
    folder = REPORTS[report][0]
    path = SEEDS / f"{folder}.txt"
    if not path.exists():
        return frozenset(), frozenset()
    source = read_document(str(path), path.read_bytes(), path.name)
    parsed = parse_report(source.text, source.source_uri, source.sha256, RESOLVER)
    assert parsed.status == "loaded"
    return (frozenset(i.check_code for i in parsed.issues if i.severity == "error"),
            frozenset(i.check_code for i in parsed.issues if i.check_code in STRUCTURAL))


def _value(text: str) -> Decimal | None:
    return Decimal(text) if text != "" else None


def expected_cells(report: str) -> dict[str, list[tuple]]:
    folder = REPORTS[report][0]
    return {
        "article20": [(r["item"], r["category"], r["metric"], _value(r["value"]), r["unit"] or None, r["raw"])
                      for r in read_expected(folder, "article20")],
        "applications": [(r["row_code"], r["applicant"], _value(r["value"]), r["raw"])
                         for r in read_expected(folder, "applications")],
        "review_litigation": [(r["proceeding"], r["outcome"], _value(r["value"]), r["raw"])
                              for r in read_expected(folder, "review_litigation")],
    }


def parsed_cells(parsed) -> dict[str, list[tuple]]:
    return {
        "article20": [(r["item"], r["category"], r["metric"], r["value"], r["unit"], r["raw"]) for r in parsed.article20],
        "applications": [(r["row_code"], r["applicant"], r["value"], r["raw"]) for r in parsed.applications],
        "review_litigation": [(r["proceeding"], r["outcome"], r["value"], r["raw"]) for r in parsed.review_litigation],
    }


def _cases(bugs: dict[tuple[str, str], str]) -> list:
    return [
        pytest.param(report, variant, id=f"{report}-{variant}", marks=[
            pytest.mark.xfail(reason=f"BUG: {bugs[(report, variant)]}", strict=True)
        ] if (report, variant) in bugs else [])
        for report in REPORTS for variant in VARIANTS
    ]


CASES = _cases(KNOWN_CELL_BUGS)
IDENTITY_CASES = _cases(KNOWN_IDENTITY_BUGS)


@lru_cache(maxsize=None)
def parsed_fixture(report: str, variant: str):
    """render → read_document → parse_report, once per case (both tests below use it)."""
    fixture = render_variant(load_spec(report), variant)
    uri = f"mem://{report}/{variant}/{fixture.name}"
    source = read_document(uri, fixture.data, fixture.name, fixture.declared_charset)
    assert source.problem is None, source.problem
    return parse_report(source.text, uri, source.sha256, RESOLVER)


def test_cases_cover_every_report_and_variant():
    assert len(CASES) == len(REPORTS) * len(VARIANTS) >= 4 * 22
    sizes = {name: len(cells) for name, cells in expected_cells("report_2021").items()}
    assert sizes == {"article20": 10, "applications": 175, "review_litigation": 15}
    for seed in ("001", "003", "004"):
        assert {name: len(cells) for name, cells in expected_cells(seed).items()} == \
            {"article20": 22, "applications": 161, "review_litigation": 15}


def assert_reads_every_cell(parsed, report: str) -> None:
    """The report is loaded as `report` with every cell of its CSVs, and no problem the plain seed
    text does not have."""
    assert parsed.status == "loaded", parsed.status_detail
    template, year, code, _title, _published_on = IDENTITY[report]
    assert (parsed.template, parsed.year, parsed.jurisdiction_code) == (template, year, code)
    errors, structural = seed_issue_codes(report)
    issues = [(i.severity, i.check_code, i.detail) for i in parsed.issues]
    assert {i.check_code for i in parsed.issues if i.severity == "error"} == errors, issues
    assert {i.check_code for i in parsed.issues if i.check_code in STRUCTURAL} <= structural, issues

    got, expected = parsed_cells(parsed), expected_cells(report)
    for table in ("article20", "applications", "review_litigation"):
        assert got[table] == expected[table], table


@pytest.mark.parametrize(("report", "variant"), CASES)
def test_every_cell(report, variant):
    assert_reads_every_cell(parsed_fixture(report, variant), report)


@pytest.mark.parametrize(("report", "variant"), IDENTITY_CASES)
def test_identity(report, variant):
    """The title as printed (simplified, whatever characters the fixture used) and, on a web page,
    the publication date; the jurisdiction found from the title, not guessed from the narrative."""
    parsed = parsed_fixture(report, variant)
    _template, _year, _code, title, published_on = IDENTITY[report]
    assert parsed.title == title
    assert "identity_inferred" not in {i.check_code for i in parsed.issues}
    if variant.startswith("html"):  # only the web page prints a publication date
        assert parsed.published_on is not None and parsed.published_on.isoformat() == published_on


# --- The fixtures have the layouts they stand for ---------------------------------------------------
# (so that a change to the generator cannot quietly make a variant easy)


@pytest.mark.parametrize("report", list(REPORTS))
def test_pdf_fixture_has_the_layouts_it_stands_for(report):
    """The PDF really wraps a label, breaks the vertical header into characters and runs the
    applications table over a page break with a page number on each page."""
    import pdfplumber

    data = render_variant(load_spec(report), "pdf").data
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = [page.extract_text() or "" for page in pdf.pages]
        cells = [cell for page in pdf.pages for table in page.find_tables() for row in table.extract()
                 for cell in row if cell]
    flat = [text.replace(" ", "").replace("\n", "") for text in pages]
    first = next(i for i, text in enumerate(flat) if "本年新收政府信息公开申请数量" in text)
    last = next(i for i, text in enumerate(flat) if "结转下年度继续办理" in text)
    assert last == first + 1
    assert all(f"- {n} -" in text for n, text in enumerate(pages, 1))
    assert "三\n、\n本\n年\n度\n办\n理\n结\n果" in cells
    assert any(cell.startswith("（二）部分公开") and "\n" in cell for cell in cells)
    if report == "report_2021":
        assert any(cell.startswith("1.申请人无正当理由") and cell.count("\n") >= 2 for cell in cells)


def test_html_fixtures_have_their_charsets_spans_and_blanks():
    spec = load_spec("003")
    for encoding in ("utf-8", "gbk", "gb2312", "gb18030"):
        meta, declared_meta = render_html(spec, encoding, "meta")
        header, declared_header = render_html(spec, encoding, "header")
        none, declared_none = render_html(spec, encoding, "none")
        assert b"charset=" in meta.lower() and declared_meta is None
        assert b"charset" not in header.lower() and declared_header == encoding
        assert header == none and declared_none is None
        assert "苏州市人民政府".encode(encoding) in none
        # 𠮷 is outside GBK and GB2312: a character reference there, four bytes in GB18030.
        assert ("𠮷".encode("gb18030") in none) == (encoding == "gb18030")
    page = render_html(spec)[0].decode("utf-8")
    for feature in ('rowspan="', 'colspan="', "<td valign=\"center\">&nbsp;</td>", "本年增/<br />减", "商业<br />企业",
                    "导航菜单", "当前位置", "页脚版权", 'class="TRS_Editor"'):
        assert feature in page, feature
    assert "行政复议</td>" in page and '<td valign="center" rowspan="2">结果维持</td>' in page  # header spans ≠ data
    assert "导航菜单" not in render_html(spec, chrome=False)[0].decode("utf-8")
    twp = render_html(spec, opencc_config="s2twp")[0].decode("utf-8")
    assert "政府資訊公開" in twp and "專案數量" in twp  # Taiwan phrasing, not just characters
    assert "政府信息公開" in render_html(spec, opencc_config="s2hk")[0].decode("utf-8")


def test_docx_fixture_merges_cells_with_gridspan_and_vmerge():
    import zipfile

    with zipfile.ZipFile(io.BytesIO(render_variant(load_spec("report_2021"), "docx").data)) as docx:
        xml = docx.read("word/document.xml").decode("utf-8")
    assert "<w:gridSpan " in xml and '<w:vMerge w:val="restart"/>' in xml and "<w:vMerge/>" in xml


def test_text_fixtures_have_their_layouts():
    spec = load_spec("004")
    pipe = render_text_pipe(spec).splitlines()
    assert "规章 |" in pipe and "|" in pipe  # a cell a line, a blank cell (and a lone bar after a spanned row)
    assert pipe[pipe.index("第二十条第（一）项 |") + 1] == "|||"  # span fillers
    assert pipe[pipe.index("申请人情况 |") + 1] == "||||||||"
    assert "采购总金额(万元) |" in pipe and "184954.21 |" in pipe  # 004's amount has no unit: the header has it
    blank = render_text_blank_lines(spec).split("\n")
    assert "\u00a0" in blank and "+3" in blank and all(line == "" for line in blank[1::2])
    markdown = render_markdown(spec).splitlines()
    assert "规 章 | 0 | 0 | 7 |" in markdown
    assert any(line.startswith("商业 企业 | 科研 机构 |") for line in markdown)
    assert "行政 许可 | 695 | -40 | 161256 |" in markdown
    assert "6834.335元 |" in render_text_pipe(load_spec("001")).splitlines()
    assert "125000元 |" in render_text_pipe(load_spec("report_2021")).splitlines()
    assert "本年收费金额（单位：万元） |" in render_text_pipe(load_spec("report_2021")).splitlines()
    tw = traditional(render_text_pipe(spec), "s2twp")
    assert "烏魯木齊市人民政府2020年政府資訊公開工作年度報告" in tw


def test_fixtures_are_deterministic():
    spec = load_spec("003")
    for variant in ("docx", "pdf", "html-gbk-meta", "text-markdown"):
        assert render_variant(spec, variant).data == render_variant(spec, variant).data, variant
