"""Reading the three national tables from a section's cells into long rows, by their labels.

Each row label is matched to its template row; the cells that follow it are its values, in the
template's column order. Labels decide, never positions in the page: a report that drops a row,
adds a local one or repeats a group label still puts every value under the right code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from etl import templates as t
from etl.labels import normalise_label
from etl.quality import ERROR, WARNING, Issue
from etl.text_layout import LABEL, VALUE, Cell
from etl.values import WAN_YUAN, YI_YUAN, is_blank, parse_value, to_wan_yuan


@dataclass
class _RowCapture:
    label: str
    header: list[str]
    line_no: int  # the label's line (0-based, as Cell.line_no)
    values: list[Cell] = field(default_factory=list)

    def source_line(self, index: int, complete: bool) -> int:
        """The 1-based line a value was read on; for a row whose values could not be placed,
        the line of its label, which is where a reader would look."""
        return (self.values[index].line_no if complete else self.line_no) + 1


@dataclass
class TableResult:
    rows: list[dict]
    issues: list[Issue]
    local_rows: list[dict] = field(default_factory=list)  # rows the report adds, kept as printed


def _local_row_cells(table: str, local_rows: list[tuple[str, list[str], list[int]]]) -> list[dict]:
    cells = []
    for row_no, (label, values, line_nos) in enumerate(local_rows, 1):
        for position, (raw, line_no) in enumerate(zip(values, line_nos), 1):
            parsed = parse_value(raw)
            cells.append({
                "table_name": table, "row_no": row_no, "position": position, "row_label": label,
                "value": parsed.value, "raw": raw, "source_line": line_no + 1,
            })
    return cells


def _unparsed(table: str, where: str, raw: str) -> Issue:
    return Issue(table, "unreadable_value", WARNING, f"{where}: 无法识别的数值「{raw}」，按空白处理")


def _looks_like_garbled_value(text: str) -> bool:
    # "约5件", "5（件）": short text with digits where a value belongs; a row label never is.
    return len(text) <= 10 and any(ch.isdigit() for ch in text)


def _capture_rows(cells: list[Cell], match, width_of):
    """Walk the cells, giving each recognised row label the value cells that follow it.

    match(label, previous_code) -> code or None; width_of(code) -> how many values the row has.
    Returns the captured rows, unrecognised labels that carried values (local rows), the codes
    seen more than once, and rows that carried more non-blank values than the template has.
    """
    captured: dict[str, _RowCapture] = {}
    extra_rows: list[tuple[str, list[str], list[int]]] = []  # label, value texts, their lines
    duplicates: list[str] = []
    overfull: dict[str, list[str]] = {}
    current: str | None = None
    # captured[current] and width_of(current), kept with current (most cells are values: one
    # look-up each instead of two and a call).
    capture: _RowCapture | None = None
    width = 0
    extra: tuple[str, list[str], list[int]] | None = None
    header: list[str] = []
    last_was_value = False
    previous_code: str | None = None
    unmatched_label: str | None = None  # the last label, if it matched nothing and no value followed
    for cell in cells:
        if cell.kind == LABEL:
            label = cell.text
            code = match(normalise_label(label), previous_code)
            if code is None and capture is not None and len(capture.values) < width \
                    and _looks_like_garbled_value(label):
                capture.values.append(Cell(label, VALUE, cell.line_no))
                last_was_value = True
                continue
            if code is None and unmatched_label is not None:
                # A label broken over two cells or lines: "1.申请人无正当理由逾期" + "不补正、…".
                code = match(normalise_label(unmatched_label + label), previous_code)
                if code is not None:
                    label = unmatched_label + label
                    if header and header[-1] == unmatched_label:
                        header.pop()
            if code is not None:
                if code in captured:
                    duplicates.append(code)
                    current, capture = None, None
                else:
                    capture = captured[code] = _RowCapture(label, list(header), cell.line_no)
                    current, width = code, width_of(code)
                previous_code = code
                extra = None
                unmatched_label = None
            elif capture is not None and not capture.values:
                # The rest of a label already matched: "(二)部分公开(区分处理的," + "不计其他情形)".
                capture.label += label
            else:
                if last_was_value:
                    header = []
                header.append(label)
                current, capture = None, None
                extra = (label, [], [])
                extra_rows.append(extra)
                unmatched_label = label
            last_was_value = False
        else:
            last_was_value = True
            unmatched_label = None
            if capture is not None:
                if len(capture.values) < width:
                    capture.values.append(cell)
                elif not cell.is_blank_value:
                    overfull.setdefault(current, []).append(cell.text)
            elif extra is not None:
                extra[1].append(cell.text)
                extra[2].append(cell.line_no)
    local_rows = [row for row in extra_rows if any(not is_blank(v) for v in row[1])]
    return captured, local_rows, duplicates, overfull


def _local_row_issues(table: str, local_rows: list[tuple[str, list[str], list[int]]]) -> list[Issue]:
    return [
        Issue(table, "unrecognised_row", WARNING,
              f"表中有模板以外的行「{label}」（数值 {' | '.join(values)}），按原样另存于 v_local_rows_long")
        for label, values, _lines in local_rows
    ]


def _overfull_issues(table: str, captured: dict[str, _RowCapture], overfull: dict[str, list[str]]) -> list[Issue]:
    return [
        Issue(table, "extra_cells", WARNING,
              f"「{captured[code].label}」一行多出数值 {' | '.join(values)}，超出模板的列数，未入库")
        for code, values in overfull.items()
    ]


def _is_blank_row(capture: _RowCapture) -> bool:
    """A row printed with no values at all: its blank cells dropped by the layout, or blank marks."""
    return all(cell.is_blank_value for cell in capture.values)


def _blank_rows(table: str, labels: list[str]) -> list[Issue]:
    """One warning for a table's wholly blank rows, not an error each: a blank row is a blank
    answer, not a layout the parser failed to place."""
    if not labels:
        return []
    return [Issue(
        table, "row_incomplete", WARNING,
        f"{len(labels)} 行整行空白（{'、'.join(f'「{label}」' for label in labels)}），其数值按未知处理",
    )]


def _incomplete(table: str, label: str, got: int, width: int) -> Issue:
    return Issue(
        table, "row_incomplete", ERROR,
        f"「{label}」一行应有 {width} 个单元格，只找到 {got} 个；该行数值无法可靠定位，全部按未知处理",
    )


# --- Article 20 ------------------------------------------------------------------------------


def parse_article20(cells: list[Cell], template: str) -> TableResult:
    spec = {row.category: row for row in t.ARTICLE20_ROWS[template]}
    by_label = {label: row.category for row in spec.values() for label in row.labels}

    def match(label: str, _previous: str | None) -> str | None:
        return by_label.get(_strip_numbering(label))

    captured, local_rows, duplicates, overfull = _capture_rows(cells, match, lambda code: len(spec[code].metrics))
    rows: list[dict] = []
    issues = _local_row_issues("article20", local_rows) + _overfull_issues("article20", captured, overfull)
    issues += [Issue("article20", "duplicate_row", WARNING, f"「{spec[c].labels[0]}」出现不止一次，只取第一次") for c in duplicates]
    blank: list[str] = []
    for row in spec.values():
        capture = captured.get(row.category)
        width = len(row.metrics)
        if capture is None:
            issues.append(Issue("article20", "row_missing", ERROR, f"第二十条表中找不到「{row.labels[0]}」一行"))
        elif len(capture.values) < width:
            if _is_blank_row(capture):
                blank.append(capture.label)
            else:
                issues.append(_incomplete("article20", capture.label, len(capture.values), width))
        complete = capture is not None and len(capture.values) == width
        column_labels = _column_labels(capture.header if capture else [], row.column_labels)
        for index, metric in enumerate(row.metrics):
            raw = capture.values[index].text if complete else None
            parsed = parse_value(raw)
            value, unit = parsed.value, None
            if metric == row.money_metric:
                # The cell's own unit wins; else the header's; else the template's (本年收费金额 is
                # in 万元). 采购总金额 has none in the template: printed without one, its unit is unknown.
                printed_unit = parsed.unit or _unit_in(column_labels[index]) or _unit_in(row.column_labels[index])
                if printed_unit is not None:
                    value, unit = to_wan_yuan(parsed.value, printed_unit), WAN_YUAN
                elif parsed.value is not None:
                    issues.append(Issue(
                        "article20", "money_unit_unknown", WARNING,
                        f"「{capture.label}/{column_labels[index]}」印的是「{raw}」，单元格和表头都没有单位（模板也未规定），"
                        "按所印数值存储，单位未知（unit 为空），不折算为万元",
                    ))
            elif parsed.unit is not None:
                issues.append(Issue("article20", "unexpected_unit", WARNING, f"「{capture.label}/{column_labels[index]}」是件数，却印有单位：「{raw}」"))
            if not parsed.understood:
                issues.append(_unparsed("article20", f"{capture.label}/{column_labels[index]}", raw))
            rows.append(
                {
                    "item": row.item,
                    "category": row.category,
                    "metric": metric,
                    "value": value,
                    "unit": unit,
                    "row_label": capture.label if capture else None,
                    "column_label": column_labels[index],
                    "raw": raw,
                    "source_line": capture.source_line(index, complete) if capture else None,
                }
            )
    return TableResult(rows, issues + _blank_rows("article20", blank), _local_row_cells("article20", local_rows))


_NUMBERING = re.compile(r"^(?:\(?[一二三四五六七八九十]+[)、.]|\(?\d+[)、.])")


def _strip_numbering(label: str) -> str:
    """"1.规章", "(一)规章", "三、其他" → the label without its numbering."""
    return _NUMBERING.sub("", label)


def _column_labels(header: list[str], defaults: tuple[str, ...]) -> list[str]:
    """The report's own column labels when its header holds exactly one per value column."""
    own = [text for text in header if not normalise_label(text).startswith(("第二十条", "信息内容"))]
    return own if len(own) == len(defaults) else list(defaults)


def _unit_in(label: str) -> str | None:
    normalised = normalise_label(label)
    if "亿元" in normalised:
        return YI_YUAN
    if "万元" in normalised:
        return WAN_YUAN
    if "(元)" in normalised or "单位:元" in normalised:
        return "元"
    return None


# --- Applications ----------------------------------------------------------------------------


def parse_applications(cells: list[Cell], template: str) -> TableResult:
    spec = t.APPLICATION_ROWS[template]
    width = len(t.APPLICANTS)

    def match(label: str, previous: str | None) -> str | None:
        return _application_row(template, label, previous)

    captured, local_rows, duplicates, overfull = _capture_rows(cells, match, lambda _code: width)
    column_labels = _applicant_labels(cells)
    rows: list[dict] = []
    issues = _local_row_issues("applications", local_rows) + _overfull_issues("applications", captured, overfull)
    issues += [Issue("applications", "duplicate_row", WARNING, f"申请表中行 {c} 出现不止一次，只取第一次") for c in duplicates]
    blank: list[str] = []
    for row in spec:
        capture = captured.get(row.code)
        if capture is None:
            issues.append(Issue("applications", "row_missing", ERROR, f"申请表中找不到「{row.label}」一行"))
        elif len(capture.values) < width:
            if _is_blank_row(capture):
                blank.append(capture.label)
            else:
                issues.append(_incomplete("applications", capture.label, len(capture.values), width))
        complete = capture is not None and len(capture.values) == width
        row_label = capture.label if capture else row.label
        for index, applicant in enumerate(t.APPLICANTS):
            if complete:
                cell = capture.values[index]
                raw, source_line = cell.text, cell.line_no + 1  # as capture.source_line(index, True)
            else:
                raw, source_line = None, capture.line_no + 1 if capture else None
            parsed = parse_value(raw)
            if not parsed.understood:
                issues.append(_unparsed("applications", f"{capture.label}/{column_labels[index]}", raw))
            rows.append(
                {
                    "row_code": row.code,
                    "applicant": applicant,
                    "value": parsed.value,
                    "row_label": row_label,
                    "column_label": column_labels[index],
                    "raw": raw,
                    "source_line": source_line,
                }
            )
    return TableResult(rows, issues + _blank_rows("applications", blank), _local_row_cells("applications", local_rows))


@lru_cache(maxsize=8192)  # reports print the same labels: each is matched once per template
def _application_row(template: str, label: str, previous: str | None) -> str | None:
    for row in t.APPLICATION_ROWS[template]:
        if not all(keyword in label for keyword in row.keywords):
            continue
        if row.follows and not (previous and previous.startswith(row.follows)):
            if not (row.code == "3.7" and "七" in label):
                continue
        if row.code == "3.6.3" and _strip_numbering(label) != "其他":
            continue
        return row.code
    return None


def _applicant_labels(cells: list[Cell]) -> list[str]:
    """The report's own applicant column labels, found in the header in template order."""
    wanted = [t.APPLICANT_LABELS[a] for a in t.APPLICANTS]
    # Printed order: 自然人 · 法人或其他组织 (group) · 总计, then the five organisation columns.
    found: dict[str, str] = {}
    for cell in cells:
        if cell.kind == VALUE:
            break
        normalised = normalise_label(cell.text)
        for label in wanted:
            if normalised == label and label not in found:
                found[label] = cell.text
    return [found.get(label, label) for label in wanted]


# --- Review and litigation -------------------------------------------------------------------


def parse_review_litigation(cells: list[Cell]) -> TableResult:
    """The one row of 15 values: the longest run of value cells after the header."""
    expected = len(t.PROCEEDINGS) * len(t.OUTCOMES)
    runs: list[list[Cell]] = [[]]
    for cell in cells:
        if cell.kind == VALUE:
            runs[-1].append(cell)
        elif runs[-1]:
            runs.append([])
    run = max(runs, key=lambda r: sum(1 for c in r if not c.is_blank_value))
    issues: list[Issue] = []
    complete = len(run) >= expected
    if not complete:
        issues.append(
            Issue("review_litigation", "row_incomplete", ERROR,
                  f"行政复议、行政诉讼表应有 {expected} 个数值单元格，只找到 {len(run)} 个；全部按未知处理")
        )
    elif len(run) > expected:
        surplus = len(run) - expected
        if all(c.is_blank_value for c in run[expected:]):
            run = run[:expected]  # blank cells after the row: padding
        elif all(c.is_blank_value for c in run[:surplus]):
            run = run[surplus:]  # blank cells before the row: an empty header cell
        else:
            complete = False
            cells_text = " | ".join(c.text for c in run)
            issues.append(Issue(
                "review_litigation", "row_incomplete", ERROR,
                f"行政复议、行政诉讼表有 {len(run)} 个数值单元格，多于 {expected} 个，无法确定各值的位置；全部按未知处理：{cells_text}",
            ))
    rows: list[dict] = []
    index = 0
    for proceeding in t.PROCEEDINGS:
        for outcome in t.OUTCOMES:
            raw = run[index].text if complete else None
            parsed = parse_value(raw)
            label = f"{t.PROCEEDING_LABELS[proceeding]}/{t.OUTCOME_LABELS[outcome]}"
            if not parsed.understood:
                issues.append(_unparsed("review_litigation", label, raw))
            rows.append({
                "proceeding": proceeding, "outcome": outcome, "value": parsed.value, "label": label, "raw": raw,
                "source_line": run[index].line_no + 1 if complete else None,
            })
            index += 1
    return TableResult(rows, issues)
