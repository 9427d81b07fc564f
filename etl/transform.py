"""One report's text → its metadata, long table rows and quality issues. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from etl import templates as t
from etl.checks import check_applications, check_narrative, check_review_litigation
from etl.chinese import NO_CONVERSION, to_simplified
from etl.jurisdictions import JurisdictionResolver
from etl.extract import page_of_line
from etl.labels import compact
from etl.metadata import Hints, apply_hints, read_metadata
from etl.narrative import conflicts, read_facts, report_tables
from etl.quality import ERROR, WARNING, Issue
from etl.tables import parse_applications, parse_article20, parse_review_litigation
from etl.text_layout import cells_of, find_sections, heading_starts, repeated_sections

LOADED = "loaded"
NO_TABLES = "no_tables"
QUARANTINED = "quarantined"

TABLE_TITLES = {
    "article20": "主动公开政府信息情况（第二十条）表",
    "applications": "收到和处理政府信息公开申请情况表",
    "review_litigation": "政府信息公开行政复议、行政诉讼情况表",
}


@dataclass
class ParsedReport:
    source_uri: str
    sha256: str
    status: str
    status_detail: str | None = None
    conversion: str = NO_CONVERSION
    template: str | None = None
    title: str | None = None
    year: int | None = None
    jurisdiction_code: str | None = None
    agency: str | None = None
    agency_printed: str | None = None  # the issuing body as printed ("江苏省教育厅"); agency is normalised
    zone: str | None = None  # a development zone / new area without a code of its own
    published_on: date | None = None
    article20: list[dict] = field(default_factory=list)
    applications: list[dict] = field(default_factory=list)
    review_litigation: list[dict] = field(default_factory=list)
    local_rows: list[dict] = field(default_factory=list)
    narrative_facts: list[dict] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


def quarantined(source_uri: str, sha256: str, reason: str, **known) -> ParsedReport:
    return ParsedReport(
        source_uri, sha256, QUARANTINED, status_detail=reason,
        issues=[Issue("report", "quarantined", ERROR, reason)], **known,
    )


def detect_template(compact_text: str, year: int | None) -> str:
    """pre2019 | 2019 | 2021, from the labels the report prints; the year only breaks a tie.

    Labels are counted, not just found: a 2019-format report may quote a phrase that is also a
    2021 label (Article 30's "逾期不补正") in its text.
    """
    count_2021 = sum(marker in compact_text for marker in t.MARKERS_2021)
    count_2019 = sum(marker in compact_text for marker in t.MARKERS_2019)
    if count_2021 != count_2019:
        return t.T2021 if count_2021 > count_2019 else t.T2019
    if count_2021 or any(marker in compact_text for marker in t.MARKERS_NATIONAL):
        return _template_of_year(year)
    return t.PRE2019


def _template_of_year(year: int | None) -> str:
    return t.T2021 if year is not None and year >= 2021 else t.T2019


def parse_report(
    text: str, source_uri: str, sha256: str, resolver: JurisdictionResolver, hints: Hints | None = None,
    page_starts: tuple[int, ...] | None = None,
) -> ParsedReport:
    """`page_starts` (SourceFile.page_starts, PDF only) gives every cell its source_page."""
    converted = to_simplified(text)
    printed, text = text, converted.text
    meta = read_metadata(text, resolver)
    if hints is not None:
        meta = apply_hints(meta, hints, resolver)
    known = dict(
        conversion=converted.conversion, title=meta.title, year=meta.year,
        jurisdiction_code=meta.jurisdiction_code, agency=meta.agency, agency_printed=meta.agency_printed,
        zone=meta.zone, published_on=meta.published_on,
    )
    if meta.jurisdiction_code is None:
        return quarantined(source_uri, sha256, "报告中找不到发布机关所在的行政区划（标题或正文中的「某地人民政府」）", **known)
    if meta.agency is None:
        return quarantined(
            source_uri, sha256,
            "报告中找不到发布机关（标题、落款、页面的「来源/发布机构」和正文都没有写明是哪个机关的报告）", **known,
        )
    if meta.year is None:
        return quarantined(source_uri, sha256, "报告中找不到统计年度（标题年份或「统计期限…年1月1日」）", **known)

    lines = text.split("\n")
    starts = heading_starts(lines)
    sections = find_sections(lines, starts)
    repeats = repeated_sections(lines, sections, starts)
    # Template labels are looked for in the table sections, where found: the narrative quotes the
    # regulation's wording too.
    table_text = "\n".join("\n".join(lines[s.start:s.end]) for s in sections.values()) or text
    template = detect_template(compact(table_text), meta.year)
    report = ParsedReport(source_uri, sha256, LOADED, template=template, issues=list(meta.issues), **known)
    # Facts stated in sentences, outside the national tables (whose labels read like sentences).
    table_lines = {i for s in sections.values() for i in range(s.start - 1, s.end)}
    facts = read_facts(text, skip_lines=table_lines if template != t.PRE2019 else frozenset(), printed=printed)
    report.narrative_facts = [{**f.as_row(), "fact_no": n} for n, f in enumerate(facts, 1)]
    report.issues.extend(conflicts(facts))
    if template == t.PRE2019:
        if meta.year >= 2019:
            # A report on 2019 or later must carry the national tables; their absence is an error
            # of the report (or of its copy), not a free-form report.
            report.template = _template_of_year(meta.year)
            report.issues.append(Issue(
                "report", "no_national_tables", ERROR,
                f"{meta.year}年的报告应使用国家统一格式的三张统计表，但报告中一张也找不到",
            ))
        else:
            report.issues.append(Issue(
                "report", "no_national_tables", WARNING, "2019年以前的自由格式报告，没有国家统一格式的统计表",
            ))
            # Tables of the report's own design are kept as printed, like rows added to national ones.
            report.local_rows = report_tables(lines)
        report.status = NO_TABLES
        report.status_detail = next(i.detail for i in report.issues if i.check_code == "no_national_tables")
        return report
    for name in ("article20", "applications", "review_litigation"):
        section = sections.get(name)
        if section is None:
            report.issues.append(Issue(name, "table_missing", ERROR, f"报告中找不到{TABLE_TITLES[name]}"))
            continue
        cells = cells_of(lines[section.start:section.end], section.start)
        if not any(cell.kind == "value" and not cell.is_blank_value for cell in cells):
            report.issues.append(Issue(
                name, "table_values_lost", ERROR,
                f"「{section.heading}」下的表格没有任何数值（标签尚在，数值已丢失），该表不入库",
            ))
            continue
        result = _parse_table(name, cells, template)
        setattr(report, name, result.rows)
        report.local_rows.extend(result.local_rows)
        report.issues.extend(result.issues)
        again = repeats.get(name)
        if again is not None and _values(_parse_table(name, cells_of(lines[again.start:again.end], again.start), template).rows) != _values(result.rows):
            # Which copy is right cannot be told from the report: the first is loaded, and said so.
            report.issues.append(Issue(
                name, "table_repeated_differs", ERROR,
                f"{TABLE_TITLES[name]}在报告中出现两次（第 {section.start} 行和第 {again.start} 行起），"
                "两份的数值不同；入库的是第一份",
            ))
    all_rows = (*report.article20, *report.applications, *report.review_litigation, *report.local_rows)
    if page_starts:
        for row in all_rows:
            row["source_page"] = page_of_line(page_starts, row["source_line"])
    else:
        for row in all_rows:
            row["source_page"] = None  # page_of_line without page starts: no call per row

    report.issues.extend(check_applications(report.applications, template))
    report.issues.extend(check_review_litigation(report.review_litigation))
    report.issues.extend(check_narrative(facts, report.applications, report.review_litigation))
    if not (report.article20 or report.applications or report.review_litigation):
        report.status = NO_TABLES
        report.status_detail = "三张统计表都没有可读的数值"
    return report


def _parse_table(name: str, cells, template: str):
    if name == "article20":
        return parse_article20(cells, template)
    if name == "applications":
        return parse_applications(cells, template)
    return parse_review_litigation(cells)


def _values(rows: list[dict]) -> list:
    # What a copy says: its cells' values in order (labels and line numbers differ between copies).
    return [row.get("value") for row in rows]
