"""`ogi show REPORT`: one report's three tables as grids, exactly as read, beside its quality issues.

Values are shown as printed (the `raw` text), so that a person can lay the grid beside the
original: a blank cell is shown as `·`, a cell that was not read (its row missing, or its values
impossible to place) as `?`. The last column says where the row was read (line of the extracted
text; `p.N` the PDF page).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from etl import templates as t
from etl.extract import sha256_of

BLANK = "·"
NOT_READ = "?"
_LABEL_WIDTH = 24  # display columns; long labels are cut with "…" (the values are never cut)


class ReportNotFound(LookupError):
    pass


def find_report(engine: Engine, ref: str) -> int:
    """A report id, or a source path/URL as loaded (current version), or a file with the same bytes."""
    with engine.connect() as conn:
        if ref.isdigit():
            found = conn.execute(sa.text("select report_id from core.report where report_id = :id"), {"id": int(ref)}).scalar()
            if found is not None:
                return found
        found = conn.execute(sa.text(
            "select report_id from core.report where source_uri = :uri order by is_current desc, report_id desc limit 1"
        ), {"uri": ref}).scalar()
        if found is not None:
            return found
        path = Path(ref)
        if path.is_file():
            # The same bytes under another path (a moved or copied file) are the same report.
            found = conn.execute(sa.text(
                "select report_id from core.report where sha256 = :sha order by is_current desc, report_id desc limit 1"
            ), {"sha": sha256_of(path.read_bytes())}).scalar()
            if found is not None:
                return found
    raise ReportNotFound(f"no report {ref!r}: give a report_id (select report_id from v_reports) or the path/URL it was loaded from")


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _cut(text: str, width: int) -> str:
    if display_width(text) <= width:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def grid(header: list[str], rows: list[list[str]]) -> list[str]:
    """A boxed text grid, aligned for Chinese (wide) characters."""
    widths = [max(display_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    line = lambda cells: "| " + " | ".join(_pad(c, w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return [rule, line(header), rule, *(line(r) for r in rows), rule]


def shown(raw: str | None) -> str:
    if raw is None:
        return NOT_READ
    if not raw.strip():
        return BLANK
    return raw


def where(cells: list[dict]) -> str:
    """Where a row's cells were read: "12", "12-18", "p.2 12" (the PDF page)."""
    lines = sorted({c["source_line"] for c in cells if c["source_line"] is not None})
    pages = sorted({c["source_page"] for c in cells if c["source_page"] is not None})
    if not lines:
        return ""
    text = str(lines[0]) if len(lines) == 1 else f"{lines[0]}-{lines[-1]}"
    if pages:
        text = f"p.{pages[0]}{'-' + str(pages[-1]) if len(pages) > 1 else ''} {text}"
    return text


def _rows(conn, sql: str, report_id: int) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(sa.text(sql), {"r": report_id})]


def render_report(engine: Engine, report_id: int) -> str:
    with engine.connect() as conn:
        [report] = _rows(conn, """
            select r.report_id, r.jurisdiction_code, j.name as jurisdiction_name, r.agency, r.year, r.template,
                   r.status, r.status_detail, r.title, r.source_uri, r.sha256, r.is_current, r.superseded_by
            from core.report r left join core.jurisdiction j on j.code = r.jurisdiction_code
            where r.report_id = :r""", report_id)
        article20 = _rows(conn, "select * from core.article20_cell where report_id = :r", report_id)
        applications = _rows(conn, "select * from core.application_cell where report_id = :r", report_id)
        review = _rows(conn, "select * from core.review_litigation_cell where report_id = :r", report_id)
        local = _rows(conn, "select * from core.local_row_cell where report_id = :r order by table_name, row_no, position", report_id)
        # The view adds the checks across years; a report no longer current has only its own.
        issues = _rows(conn, """
            select severity, table_name, check_code, detail from v_quality_issues where report_id = :r
            union all
            select severity, table_name, check_code, detail from core.quality_issue q
            where q.report_id = :r and not exists (select 1 from core.report c where c.report_id = q.report_id and c.is_current)
            order by 1, 2, 3, 4""", report_id)

    version = "current" if report["is_current"] else f"history: replaced by report {report['superseded_by']}"
    identity = " · ".join(str(p) for p in (
        f"{report['jurisdiction_name'] or ''} {report['jurisdiction_code'] or ''}".strip() or None,
        report["agency"], report["year"], report["template"] and f"template {report['template']}",
    ) if p)
    out = [
        f"report {report['report_id']}: {identity or '(identity unknown)'} · {report['status']} ({version})",
        f"title:  {report['title'] or '—'}",
        f"source: {report['source_uri']}  sha256 {report['sha256'][:12]}",
    ]
    if report["status_detail"]:
        out.append(f"note:   {report['status_detail']}")
    out.append(f"cells as printed: {BLANK} blank, {NOT_READ} not read; line = line of the extracted text (p. = PDF page)")
    template = report["template"] if report["template"] in t.NATIONAL_TEMPLATES else None
    if template and article20:
        out += ["", "二、主动公开政府信息情况（第二十条）"] + _article20_grid(article20, template)
    if template and applications:
        out += ["", "三、收到和处理政府信息公开申请情况"] + _applications_grid(applications, template)
    if review:
        out += ["", "四、政府信息公开行政复议、行政诉讼情况"] + _review_grid(review)
    if local:
        out += ["", "rows the report added to the tables (v_local_rows_long)"] + _local_grid(local)
    if not (article20 or applications or review):
        out += ["", "no table cells were read from this report"]
    out += ["", f"quality issues ({len(issues)})"]
    out += [f"  {i['severity']:<7} {i['table_name']:<17} {i['check_code']:<32} {i['detail']}" for i in issues] or ["  none"]
    return "\n".join(out) + "\n"


def _article20_grid(cells: list[dict], template: str) -> list[str]:
    by_key = {(c["category"], c["metric"]): c for c in cells}
    width = max(len(row.metrics) for row in t.ARTICLE20_ROWS[template])
    out: list[str] = []
    items: dict[str, list] = {}
    for row in t.ARTICLE20_ROWS[template]:
        items.setdefault(row.item, []).append(row)
    rows: list[list[str]] = []
    for item, spec_rows in items.items():
        first = [by_key.get((spec_rows[0].category, m)) for m in spec_rows[0].metrics]
        columns = [(c or {}).get("column_label") or label for c, label in zip(first, spec_rows[0].column_labels)]
        rows.append([f"[{item}]", *(_cut(c, _LABEL_WIDTH) for c in columns), *[""] * (width - len(columns)), ""])
        for spec in spec_rows:
            row_cells = [by_key.get((spec.category, m)) for m in spec.metrics]
            label = next((c["row_label"] for c in row_cells if c and c["row_label"]), spec.labels[0])
            values = [shown(c["raw"]) if c else NOT_READ for c in row_cells]
            rows.append([_cut(label, _LABEL_WIDTH), *values, *[""] * (width - len(values)),
                         where([c for c in row_cells if c])])
    out += grid(["第二十条", *[f"({n})" for n in range(1, width + 1)], "line"], rows)
    return out


def _applications_grid(cells: list[dict], template: str) -> list[str]:
    by_key = {(c["row_code"], c["applicant"]): c for c in cells}
    labels = {}
    for c in cells:
        labels.setdefault(c["applicant"], c["column_label"])
    header = ["code", "行", *(_cut(labels.get(a) or t.APPLICANT_LABELS[a], 12) for a in t.APPLICANTS), "line"]
    rows = []
    for spec in t.APPLICATION_ROWS[template]:
        row_cells = [by_key.get((spec.code, a)) for a in t.APPLICANTS]
        label = next((c["row_label"] for c in row_cells if c and c["row_label"]), spec.label)
        rows.append([spec.code, _cut(label, _LABEL_WIDTH), *(shown(c["raw"]) if c else NOT_READ for c in row_cells),
                     where([c for c in row_cells if c])])
    return grid(header, rows)


def _review_grid(cells: list[dict]) -> list[str]:
    by_key = {(c["proceeding"], c["outcome"]): c for c in cells}
    header = ["", *(t.OUTCOME_LABELS[o] for o in t.OUTCOMES), "line"]
    rows = []
    for proceeding in t.PROCEEDINGS:
        row_cells = [by_key.get((proceeding, o)) for o in t.OUTCOMES]
        rows.append([t.PROCEEDING_LABELS[proceeding], *(shown(c["raw"]) if c else NOT_READ for c in row_cells),
                     where([c for c in row_cells if c])])
    return grid(header, rows)


def _local_grid(cells: list[dict]) -> list[str]:
    rows: dict[tuple[str, int], list[dict]] = {}
    for c in cells:
        rows.setdefault((c["table_name"], c["row_no"]), []).append(c)
    width = max(len(r) for r in rows.values())
    body = [
        [table, _cut(row_cells[0]["row_label"], _LABEL_WIDTH), *(shown(c["raw"]) for c in row_cells),
         *[""] * (width - len(row_cells)), where(row_cells)]
        for (table, _), row_cells in rows.items()
    ]
    return grid(["table", "行", *[f"({n})" for n in range(1, width + 1)], "line"], body)


def extracted_lines(engine: Engine, report_id: int, first: int, last: int) -> str:
    """Lines first..last (1-based) of the report's extracted text, numbered as source_line counts
    them, with PDF page starts marked: re-read from the raw archive, so the numbers of an HTML or
    Word report can be followed to their place in the text ogi read."""
    from etl import archive
    from etl.extract import page_of_line, read_document

    with engine.connect() as conn:
        row = conn.execute(sa.text(
            """
            select r.source_uri, r.sha256, f.name, f.declared_charset
            from core.report r
            left join core.source_fetch f on f.url = r.source_uri and f.sha256 = r.sha256
            where r.report_id = :r
            """), {"r": report_id}).one()
    if not archive.has(row.sha256):
        raise ReportNotFound(f"report {report_id}: its bytes ({row.sha256[:12]}) are not in the archive {archive.default_root()}")
    name = row.name or row.source_uri.rstrip("/").rsplit("/", 1)[-1]
    source = read_document(row.source_uri, archive.load(row.sha256), name, row.declared_charset)
    if source.text is None:
        raise ReportNotFound(f"report {report_id} cannot be read: {source.problem}")
    lines = source.text.split("\n")
    first, last = max(1, first), min(last, len(lines))
    out = []
    for number in range(first, last + 1):
        if source.page_starts and number in source.page_starts:
            out.append(f"{'':>6}  --- page {page_of_line(source.page_starts, number)} ---")
        out.append(f"{number:>6}  {lines[number - 1]}")
    return "\n".join(out) + "\n"
