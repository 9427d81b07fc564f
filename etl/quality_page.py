"""`ogi quality`: the warehouse's quality at a glance — coverage by province and year, issues by
check, the worst reports — as text, or as one static HTML page (`--html FILE`) with inline SVG
charts: no server, no script, nothing fetched, so it can be mailed or archived as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html import escape

import sqlalchemy as sa
from sqlalchemy.engine import Engine

WORST = 20


@dataclass
class QualityData:
    totals: dict[str, int]  # reports, loaded, no_tables, quarantined, errors, warnings
    years: list[int]
    provinces: list[tuple[str, str]]  # (code, name), by code
    coverage: dict[tuple[str, int], dict[str, int]]  # (province code, year) → {"reports", "loaded", "with_errors"}
    checks: list[dict]  # severity, table_name, check_code, issues, reports
    worst: list[dict]  # report_id, place, agency, year, status, errors, warnings, source_uri
    generated_at: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def _rows(conn, sql: str, **params) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]


def collect(engine: Engine, worst: int = WORST) -> QualityData:
    with engine.connect() as conn:
        [totals] = _rows(conn, """
            select count(*) as reports,
                   count(*) filter (where status = 'loaded') as loaded,
                   count(*) filter (where status = 'no_tables') as no_tables,
                   count(*) filter (where status = 'quarantined') as quarantined,
                   coalesce(sum(error_count), 0)::bigint as errors,
                   coalesce(sum(warning_count), 0)::bigint as warnings
            from v_report_summary""")
        coverage_rows = _rows(conn, """
            select substr(s.jurisdiction_code, 1, 2) || '0000' as province, p.name as province_name, s.year,
                   count(*) as reports,
                   count(*) filter (where s.status = 'loaded') as loaded,
                   count(*) filter (where s.error_count > 0) as with_errors
            from v_report_summary s
            left join core.jurisdiction p on p.code = substr(s.jurisdiction_code, 1, 2) || '0000'
            where s.jurisdiction_code is not null and s.year is not null
            group by 1, 2, 3 order by 1, 3""")
        checks = _rows(conn, """
            select severity, table_name, check_code, count(*) as issues, count(distinct report_id) as reports
            from v_quality_issues group by 1, 2, 3 order by issues desc, severity, table_name, check_code""")
        worst_rows = _rows(conn, """
            select report_id, coalesce(jurisdiction_name, '(unknown)') as place, jurisdiction_code, agency, year,
                   status, error_count as errors, warning_count as warnings, source_uri
            from v_report_summary
            where error_count + warning_count > 0
            order by error_count desc, warning_count desc, report_id
            limit :n""", n=worst)
    coverage = {(r["province"], r["year"]): {k: r[k] for k in ("reports", "loaded", "with_errors")} for r in coverage_rows}
    provinces = sorted({(r["province"], r["province_name"] or r["province"]) for r in coverage_rows})
    years = sorted({r["year"] for r in coverage_rows})
    return QualityData({k: int(v) for k, v in totals.items()}, years, provinces, coverage, checks, worst_rows)


# --- Text ------------------------------------------------------------------------------------


def render_text(data: QualityData) -> str:
    t = data.totals
    out = [f"{t['reports']} current report(s): {t['loaded']} loaded, {t['no_tables']} with no tables, "
           f"{t['quarantined']} quarantined; {t['errors']} error(s), {t['warnings']} warning(s)", "",
           "Reports by province and year (loaded/all):"]
    out.append("  " + "province".ljust(16) + "".join(f"{y:>9}" for y in data.years))
    for code, name in data.provinces:
        cells = [data.coverage.get((code, y)) for y in data.years]
        out.append("  " + f"{name} {code}".ljust(16 - _wide(name)) + "".join(
            f"{(str(c['loaded']) + '/' + str(c['reports'])) if c else '-':>9}" for c in cells))
    out += ["", "Issues by check:"]
    out += [f"  {c['severity']:<7} {c['table_name']:<17} {c['check_code']:<36} {c['issues']:>6} in {c['reports']} report(s)"
            for c in data.checks] or ["  none"]
    out += ["", "Worst reports:"]
    out += [f"  {w['report_id']:>7} {w['place']} {w['jurisdiction_code'] or ''} {w['agency'] or ''} {w['year'] or ''}: "
            f"{w['errors']} error(s), {w['warnings']} warning(s)  (ogi show {w['report_id']})" for w in data.worst] or ["  none"]
    return "\n".join(out) + "\n"


def _wide(text: str) -> int:
    import unicodedata

    return sum(1 for ch in text if unicodedata.east_asian_width(ch) in ("W", "F"))


# --- HTML ------------------------------------------------------------------------------------

_CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
.totals { display: flex; gap: 1rem; flex-wrap: wrap; }
.total { border: 1px solid #ddd; border-radius: 6px; padding: .5rem 1rem; min-width: 7rem; }
.total .n { font-size: 1.6rem; font-weight: bold; display: block; }
table { border-collapse: collapse; font-size: .85rem; margin-top: .5rem; }
th, td { border: 1px solid #ddd; padding: .2rem .5rem; text-align: right; }
th.l, td.l { text-align: left; }
.note { color: #666; font-size: .85rem; }
svg text { font-size: 12px; }
"""


def _heat(value: int, top: int) -> str:
    """A blue from pale to deep by share of the largest count."""
    if not value:
        return "#f4f4f4"
    share = value / top if top else 0
    light = int(92 - 55 * share)
    return f"hsl(212, 70%, {light}%)"


def _coverage_svg(data: QualityData) -> str:
    cell_w, cell_h, left, top = 64, 24, 170, 28
    width = left + cell_w * len(data.years) + 10
    height = top + cell_h * len(data.provinces) + 10
    biggest = max((c["reports"] for c in data.coverage.values()), default=0)
    parts = [f'<svg id="coverage-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="reports by province and year">']
    for i, year in enumerate(data.years):
        parts.append(f'<text x="{left + i * cell_w + cell_w / 2}" y="{top - 8}" text-anchor="middle">{year}</text>')
    for j, (code, name) in enumerate(data.provinces):
        y = top + j * cell_h
        parts.append(f'<text x="{left - 8}" y="{y + cell_h / 2 + 4}" text-anchor="end">{escape(name)} {code}</text>')
        for i, year in enumerate(data.years):
            cell = data.coverage.get((code, year), {"reports": 0, "loaded": 0, "with_errors": 0})
            x = left + i * cell_w
            parts.append(
                f'<rect class="cov" data-province="{code}" data-year="{year}" data-reports="{cell["reports"]}" '
                f'data-loaded="{cell["loaded"]}" x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{_heat(cell["reports"], biggest)}"><title>{escape(name)} {year}: {cell["reports"]} report(s), '
                f'{cell["loaded"]} loaded, {cell["with_errors"]} with errors</title></rect>'
            )
            if cell["reports"]:
                colour = "#fff" if cell["reports"] > biggest / 2 else "#123"
                parts.append(f'<text x="{x + cell_w / 2 - 1}" y="{y + cell_h / 2 + 4}" text-anchor="middle" '
                             f'fill="{colour}">{cell["loaded"]}/{cell["reports"]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _bars_svg(chart_id: str, bars: list[tuple[str, int, str]], unit: str) -> str:
    """Horizontal bars: (label, value, colour)."""
    bar_h, left, width = 22, 330, 760
    height = bar_h * len(bars) + 10
    biggest = max((v for _, v, _ in bars), default=0) or 1
    parts = [f'<svg id="{chart_id}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for j, (label, value, colour) in enumerate(bars):
        y = 5 + j * bar_h
        length = max(2, (width - left - 60) * value / biggest)
        parts.append(f'<text x="{left - 8}" y="{y + bar_h / 2 + 4}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect class="bar" data-value="{value}" x="{left}" y="{y + 2}" width="{length:.1f}" '
                     f'height="{bar_h - 6}" fill="{colour}"><title>{escape(label)}: {value} {unit}</title></rect>')
        parts.append(f'<text x="{left + length + 6:.1f}" y="{y + bar_h / 2 + 4}">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


_SEVERITY_COLOUR = {"error": "#c0392b", "warning": "#e69f00"}


def render_html(data: QualityData) -> str:
    t = data.totals
    totals = "".join(
        f'<div class="total" id="total-{key}"><span class="n">{t[key]}</span>{label}</div>'
        for key, label in (("reports", "current reports"), ("loaded", "loaded"), ("no_tables", "no tables"),
                           ("quarantined", "quarantined"), ("errors", "errors"), ("warnings", "warnings"))
    )
    coverage_table = "".join(
        f'<tr><td class="l">{escape(name)} {code}</td>' + "".join(
            f'<td>{c["loaded"]}/{c["reports"]}</td>' if (c := data.coverage.get((code, y))) else "<td>–</td>"
            for y in data.years) + "</tr>"
        for code, name in data.provinces
    )
    check_bars = [(f"{c['check_code']} ({c['table_name']})", c["issues"], _SEVERITY_COLOUR.get(c["severity"], "#777"))
                  for c in data.checks]
    checks_table = "".join(
        f'<tr class="check" data-check="{escape(c["check_code"])}"><td class="l">{c["severity"]}</td>'
        f'<td class="l">{c["table_name"]}</td><td class="l">{escape(c["check_code"])}</td>'
        f'<td>{c["issues"]}</td><td>{c["reports"]}</td></tr>'
        for c in data.checks
    )
    worst_bars = [(f"{w['place']} {w['agency'] or ''} {w['year'] or ''} (#{w['report_id']})", w["errors"], "#c0392b")
                  for w in data.worst]
    worst_table = "".join(
        f'<tr class="worst" data-report="{w["report_id"]}"><td>{w["report_id"]}</td><td class="l">{escape(w["place"])} '
        f'{w["jurisdiction_code"] or ""}</td><td class="l">{escape(w["agency"] or "")}</td><td>{w["year"] or ""}</td>'
        f'<td class="l">{w["status"]}</td><td>{w["errors"]}</td><td>{w["warnings"]}</td>'
        f'<td class="l">{escape(w["source_uri"])}</td></tr>'
        for w in data.worst
    )
    empty = '<p class="note">none</p>'
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>ogi — warehouse quality</title>
<style>{_CSS}</style></head>
<body>
<h1>ogi — warehouse quality</h1>
<p class="note">Generated {data.generated_at} from the views v_report_summary and v_quality_issues.
Blank cells are unknown, never zero; every issue is the report's own, never "fixed".</p>
<div class="totals">{totals}</div>

<h2 id="coverage">Coverage by province and year</h2>
<p class="note">Each cell: reports loaded with tables / current reports for the province's places that year.</p>
{_coverage_svg(data) if data.provinces else empty}
<table id="coverage-table"><tr><th class="l">province</th>{''.join(f'<th>{y}</th>' for y in data.years)}</tr>{coverage_table}</table>

<h2 id="checks">Issues by check</h2>
{_bars_svg("checks-chart", check_bars, "issues") if check_bars else empty}
<table id="checks-table"><tr><th class="l">severity</th><th class="l">table</th><th class="l">check</th><th>issues</th><th>reports</th></tr>{checks_table}</table>

<h2 id="worst">Worst reports (most errors)</h2>
<p class="note">See one with <code>ogi show REPORT_ID</code>: its tables as read, beside its issues.</p>
{_bars_svg("worst-chart", worst_bars, "errors") if worst_bars else empty}
<table id="worst-table"><tr><th>report</th><th class="l">place</th><th class="l">agency</th><th>year</th><th class="l">status</th><th>errors</th><th>warnings</th><th class="l">source</th></tr>{worst_table}</table>
</body></html>
"""
