"""What a report says about itself: title, issuing body, the year its statistics cover, date.

Everything here is read from the report's own text; where a field is not printed it stays None.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from etl.jurisdictions import JurisdictionResolver
from etl.quality import WARNING, Issue

_TITLE = re.compile(
    r"(?P<issuer>[\u4e00-\u9fff（）()]{2,40}?)\s*(?:关于)?\s*(?P<year>(?:19|20)\d{2})\s*年度?\s*(?:政府)?信息公开工作年度报告"
)
# "2020年苏州市人民政府政府信息公开工作年度报告": the year first, the issuer after it.
_TITLE_YEAR_FIRST = re.compile(
    r"(?P<year>(?:19|20)\d{2})\s*年度?\s*(?P<issuer>[\u4e00-\u9fff（）()]{2,40})信息公开工作年度报告"
)
# "统计期限从2020年1月1日到12月31日止", "统计时间自2020年1月1日起至2020年12月31日"
_STATISTICS_YEAR = re.compile(r"(?:统计|数据)[^。\n]{0,30}?(?P<year>(?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_PERIOD_YEAR = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日[起]?\s*(?:至|到|—|-)")
_PUBLISHED = re.compile(
    r"(?:发布|发表|发文|成文)(?:时间|日期)\s*[:：]\s*(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})"
)
_SIGNATURE_DATE = re.compile(r"^\s*(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*$")
_GOVERNMENT = ("人民政府", "政府")


@dataclass
class ReportMetadata:
    title: str | None = None
    year: int | None = None
    jurisdiction_code: str | None = None
    agency: str | None = None
    published_on: date | None = None
    issues: list[Issue] = field(default_factory=list)


@dataclass(frozen=True)
class Title:
    text: str
    issuer: str
    year: int


def find_title(text: str) -> Title | None:
    """The first printed title "<issuer><year>年政府信息公开工作年度报告" (or with the year first)."""
    matches = [m for m in (_TITLE.search(text), _TITLE_YEAR_FIRST.search(text)) if m]
    if not matches:
        return None
    match = min(matches, key=lambda m: m.start())
    issuer = match["issuer"]
    if match.re is _TITLE_YEAR_FIRST:
        # The greedy issuer swallowed the 政府 of 政府信息公开: "苏州市人民政府政府", "苏州市财政局政府".
        if issuer.endswith("政府政府") or (issuer.endswith("政府") and not issuer.endswith("人民政府")):
            issuer = issuer[:-2]
    return Title(match.group(0), issuer, int(match["year"]))


def find_year(text: str, title: Title | None) -> tuple[int | None, list[Issue]]:
    """The year the statistics cover: the stated statistics period first, then the title's year."""
    stated = _STATISTICS_YEAR.search(text) or _PERIOD_YEAR.search(text)
    stated_year = int(stated["year"]) if stated else None
    title_year = title.year if title else None
    if stated_year and title_year and stated_year != title_year:
        return stated_year, [
            Issue("report", "year_conflict", WARNING,
                  f"标题年份 {title_year} 与统计期限年份 {stated_year} 不一致，按统计期限取 {stated_year}",
                  expected=Decimal(stated_year), actual=Decimal(title_year))
        ]
    return stated_year or title_year, []


def find_published_on(text: str) -> date | None:
    """A printed publication date, else the date under the signature at the end."""
    match = _PUBLISHED.search(text)
    if match is None:
        tail = [line for line in text.splitlines() if line.strip()][-15:]
        dates = [m for m in (_SIGNATURE_DATE.match(line) for line in tail) if m]
        match = dates[-1] if dates else None
    if match is None:
        return None
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None


def normalise_agency(remainder: str) -> str:
    """"政府" and "" (a place's own report) → 人民政府; otherwise the body as printed."""
    agency = remainder.strip("（）() ")
    if agency in ("", "政府", "人民政府"):
        return "人民政府"
    return agency


def find_identity(
    text: str, title: Title | None, resolver: JurisdictionResolver
) -> tuple[str | None, str | None, list[Issue]]:
    """(jurisdiction code, agency, issues): from the title's issuer, else from how the text names its government."""
    if title is not None:
        issuer = title.issuer
        # The issuer match may start with words before the name ("现发布苏州市人民政府"): try each suffix.
        for start in range(len(issuer) - 1):
            code, remainder = resolver.split_issuer(issuer[start:], context_text=text)
            if code is not None:
                return code, normalise_agency(remainder), []
    counts: Counter[str] = Counter()
    for code, _start, end in resolver.mentions(text):
        if text.startswith(_GOVERNMENT, end):
            counts[code] += 1
    if not counts:
        return None, None, []
    (code, times), *rest = counts.most_common()
    detail = (
        f"报告未印标题，按正文中「{resolver.name(code)}人民政府/政府」出现 {times} 次认定为 "
        f"{resolver.name(code)}({code}) 人民政府的报告"
    )
    if rest:
        detail += "；正文还提到 " + "、".join(f"{resolver.name(c)}({n}次)" for c, n in rest[:3])
    return code, "人民政府", [Issue("report", "identity_inferred", WARNING, detail)]


def read_metadata(text: str, resolver: JurisdictionResolver) -> ReportMetadata:
    title = find_title(text)
    year, year_issues = find_year(text, title)
    # The place is named as it was in the report's year (a county since merged keeps its code).
    code, agency, identity_issues = find_identity(text, title, resolver.for_year(year))
    return ReportMetadata(
        title=title.text if title else None,
        year=year,
        jurisdiction_code=code,
        agency=agency,
        published_on=find_published_on(text),
        issues=year_issues + identity_issues,
    )


@dataclass(frozen=True)
class Hints:
    """What a URL manifest says about a report: a GB/T 2260 code or place name, agency, year."""

    jurisdiction: str | None = None
    agency: str | None = None
    year: int | None = None


def apply_hints(meta: ReportMetadata, hints: Hints, resolver: JurisdictionResolver) -> ReportMetadata:
    """Hints fill what the report does not print, and replace what was only inferred from its
    narrative; where the report prints something else, the report wins and a warning says so."""
    inferred = any(issue.check_code == "identity_inferred" for issue in meta.issues)
    issues = list(meta.issues)
    resolver = resolver.for_year(meta.year or hints.year)

    def disagree(what: str, printed, hinted) -> None:
        issues.append(Issue("report", "hint_disagrees", WARNING,
                            f"清单提示的{what}「{hinted}」与报告所印「{printed}」不一致，按报告取值"))

    code = None
    if hints.jurisdiction:
        text = hints.jurisdiction.strip()
        if text.isdigit() and len(text) == 6:
            try:
                code = resolver.get(text)["code"]
            except KeyError:
                code = None
        else:
            code = resolver.split_issuer(text)[0]
        if code is None:
            issues.append(Issue("report", "hint_unknown", WARNING, f"清单提示的行政区划「{text}」无法识别，未采用"))
    if code is not None:
        if meta.jurisdiction_code is None or inferred:
            meta.jurisdiction_code = code
            issues = [i for i in issues if i.check_code != "identity_inferred"]
        elif meta.jurisdiction_code != code:
            disagree("行政区划", f"{resolver.name(meta.jurisdiction_code)}({meta.jurisdiction_code})", f"{resolver.name(code)}({code})")
    if hints.agency:
        agency = normalise_agency(hints.agency)
        if meta.agency is None or inferred:
            meta.agency = agency
        elif meta.agency != agency:
            disagree("发布机关", meta.agency, agency)
    if hints.year:
        if meta.year is None:
            meta.year = hints.year
        elif meta.year != hints.year:
            disagree("年度", meta.year, hints.year)
    meta.issues = issues
    return meta
