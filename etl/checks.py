"""The arithmetic every national report must satisfy (TEMPLATES.md), checked on its long rows.

A check that needs a blank cell does not run: blank is unknown, not zero. A break is reported
with the labels and numbers a person needs to find it in the report; values are never changed.
Checks across two years of the same body live in SQL (sql/views_v1/01_v_quality_issues.sql),
because either year may arrive first.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from etl import templates as t
from etl.narrative import NarrativeFact
from etl.quality import ERROR, WARNING, Issue


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


# A named value: (label as the report prints it, value or None when blank).
Term = tuple[str, Decimal | None]


def _sum_check(table: str, code: str, what: str, total: Term, parts: list[Term]) -> Issue | None:
    """total == sum(parts), or an error naming every term; None when it holds or cannot run."""
    if total[1] is None or any(value is None for _, value in parts):
        return None
    parts_sum = sum((value for _, value in parts), Decimal(0))
    if parts_sum == total[1]:
        return None
    shown = [(name, value) for name, value in parts if value != 0] if len(parts) > 6 else parts
    terms = " + ".join(f"{name}({_fmt(value)})" for name, value in shown) or "0"
    if len(shown) < len(parts):
        terms += f"（其余 {len(parts) - len(shown)} 项为 0）"
    return Issue(
        table, code, ERROR,
        f"{what}: {terms} = {_fmt(parts_sum)}，但{total[0]}为 {_fmt(total[1])}",
        expected=parts_sum, actual=total[1],
    )


def _holds(total: Decimal | None, parts: list[Decimal | None]) -> bool:
    """True when _sum_check of these values gives None (it holds, or a blank stops it), computed
    as it computes it; the terms' names are made only for a check that breaks."""
    if total is None or None in parts:
        return True
    return sum(parts, Decimal(0)) == total


def check_applications(rows: list[dict], template: str) -> list[Issue]:
    if not rows:
        return []
    labels: dict[str, str | None] = {}
    column_name: dict[str, str] = {}
    value: dict[tuple[str, str], Decimal | None] = {}
    for r in rows:  # later rows win, as in a dict built from the rows
        code, applicant = r["row_code"], r["applicant"]
        labels[code] = r["row_label"]
        column_name[applicant] = r["column_label"]
        value[(code, applicant)] = r["value"]
    row_name = {code: _short(label) for code, label in labels.items()}

    def term(code: str, applicant: str, by_column: bool = False) -> Term:
        return (column_name[applicant] if by_column else row_name[code], value[(code, applicant)])

    issues: list[Issue] = []
    outcomes = t.outcome_rows(template)
    for applicant in t.APPLICANTS:
        column = column_name[applicant]
        # The template's own identity, printed in its top-left cell: 一 + 二 = 三(七)总计 + 四.
        new, carried, total, forward = (term(c, applicant) for c in ("1", "2", "3.7", "4"))
        if all(v is not None for _, v in (new, carried, total, forward)):
            left, right = new[1] + carried[1], total[1] + forward[1]
            if left != right:
                issues.append(Issue(
                    "applications", "applications_balance", ERROR,
                    f"{column}列: {new[0]}({_fmt(new[1])}) + {carried[0]}({_fmt(carried[1])}) = {_fmt(left)}，"
                    f"但{total[0]}({_fmt(total[1])}) + {forward[0]}({_fmt(forward[1])}) = {_fmt(right)}",
                    expected=left, actual=right,
                ))
        if not _holds(value[("3.7", applicant)], [value[(c, applicant)] for c in outcomes]):
            issues.append(_sum_check(
                "applications", "applications_outcome_total", f"{column}列 办理结果各项之和",
                term("3.7", applicant), [term(c, applicant) for c in outcomes],
            ))
    others = [a for a in t.APPLICANTS if a != "total"]
    for row in t.APPLICATION_ROWS[template]:
        code = row.code
        if not _holds(value[(code, "total")], [value[(code, a)] for a in others]):
            issues.append(_sum_check(
                "applications", "applications_row_total", f"{row_name[code]}一行 各类申请人之和",
                term(code, "total", by_column=True), [term(code, a, by_column=True) for a in others],
            ))
    return [issue for issue in issues if issue is not None]


def check_review_litigation(rows: list[dict]) -> list[Issue]:
    if not rows:
        return []
    value = {(r["proceeding"], r["outcome"]): r["value"] for r in rows}
    issues = []
    for proceeding in t.PROCEEDINGS:
        name = t.PROCEEDING_LABELS[proceeding]
        issues.append(_sum_check(
            "review_litigation", "review_litigation_total", f"{name} 各结果之和",
            (t.OUTCOME_LABELS["total"], value[(proceeding, "total")]),
            [(t.OUTCOME_LABELS[o], value[(proceeding, o)]) for o in t.OUTCOMES if o != "total"],
        ))
    return [issue for issue in issues if issue is not None]


_NOTE = re.compile(r"[（(][^（()）]{8,}[)）]$")


@lru_cache(maxsize=4096)  # every label comes once per applicant column
def _short(label: str | None) -> str:
    # "(二)部分公开(区分处理的,只计这一情形,不计其他情形)" → "(二)部分公开": the note adds nothing here.
    if label is None:
        return "?"
    return _NOTE.sub("", label.strip())


# --- What the text says against what the tables say ---------------------------------------------

# Which stated fact is compared with which table total (etl/narrative.py reads the facts).
_NARRATIVE_CHECKS = (
    ("applications_received", "applications", "narrative_new_applications",
     "一、本年新收政府信息公开申请数量 总计", dict(row_code="1", applicant="total")),
    ("reviews", "review_litigation", "narrative_reviews", "行政复议 总计",
     dict(proceeding="review", outcome="total")),
)


def check_narrative(
    facts: list[NarrativeFact], applications: list[dict], review_litigation: list[dict] | None = None
) -> list[Issue]:
    """Counts stated in the text (etl.narrative.read_facts) against the tables: new applications
    (一、本年新收 总计) and administrative reviews (行政复议 总计).

    Warnings, not errors: the text often counts a different scope (the government's own office
    rather than the whole jurisdiction), and that is worth a look, not a verdict.
    """
    rows = {"applications": applications, "review_litigation": review_litigation or []}
    issues = []
    for fact, table, code, what, key in _NARRATIVE_CHECKS:
        total = _cell(rows[table], **key)
        if total is None:
            continue
        for stated in facts:
            if stated.fact == fact and stated.value != total:
                issues.append(Issue(
                    table, code, WARNING, f"正文「{stated.sentence}」（第{stated.source_line}行）与表中 {what} {_fmt(total)} 不一致",
                    expected=total, actual=stated.value,
                ))
    return issues


def _cell(rows: list[dict], **key) -> Decimal | None:
    for row in rows:
        if all(row[k] == v for k, v in key.items()):
            return row["value"]
    return None
