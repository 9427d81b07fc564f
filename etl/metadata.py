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
from etl.zones import coded_zone, zone_after_place, zone_agency, zone_at_start

# The family of report titles: "政府信息公开工作年度报告", "政府信息公开年度报告", "信息公开工作报告",
# "政府信息公开年报", "政府信息公开工作总结", "政务公开工作年度报告" … (the year before them, with 年 or 年度).
_TAIL = r"(?:(?:政府|政务)?信息公开|政务公开)(?:工作)?(?:年度)?(?:工作)?(?:报告|年报|总结)"
_TAILS = tuple(
    p + w1 + y + w2 + k
    for p in ("政府信息公开", "政务信息公开", "信息公开", "政务公开")
    for w1 in ("", "工作") for y in ("", "年度") for w2 in ("", "工作") for k in ("报告", "年报", "总结")
)
# A title the site cut short: "…2021年度政府信息公开工作年度报...", "…年度政府信息公开…".
_CUT = r"(?P<cut>[政信][\u4e00-\u9fff]{1,12}?)(?:…+|\.{2,}|。{2,}|⋯+)"
_YEAR = r"(?P<year>(?:19|20)\d{2})\s*年度?"
# "<issuer>[关于]2020年<tail>": matched from the year on, the issuer read backwards from there (a
# leading lazy issuer group would be tried at every position of every long paragraph).
_YEAR_TAIL = re.compile(r"(?:关于)?\s*" + _YEAR + r"\s*(?:" + _TAIL + "|" + _CUT + ")")
# "2020年苏州市人民政府政府信息公开工作年度报告": the year first, the issuer after it.
_TITLE_YEAR_FIRST = re.compile(_YEAR + r"\s*(?P<issuer>[\u4e00-\u9fff（）()]{2,40})" + _TAIL)
# "苏州市财政局政府信息公开工作年度报告（2020年度）": the year last, in brackets.
_TAIL_YEAR = re.compile(r"\s*" + _TAIL + r"\s*[（(]\s*" + _YEAR + r"\s*[)）]")
# The part of each that any match contains, searched first: these begin with a character (class),
# which the search can skip ahead to; the two above begin with optional parts and are tried at
# every position of a long paragraph.
_YEAR_TAIL_NEEDS = re.compile(r"(?:19|20)\d{2}\s*年度?\s*[政信]")  # _TAIL and _CUT begin with 政 or 信
_TAIL_YEAR_NEEDS = re.compile(r"[（(]\s*(?:19|20)\d{2}\s*年度?\s*[)）]")
# Every title holds _TAIL, or a _CUT, which ends in an ellipsis: a text with neither in its first
# lines names no title, found with one search (written as alternatives that each begin with a
# character, which the search skips ahead to) instead of three per line.
_TITLE_HINT = re.compile(
    r"(?:政府信息公开|政务信息公开|信息公开|政务公开)(?:工作)?(?:年度)?(?:工作)?(?:报告|年报|总结)|…|\.\.|。。|⋯"
)
_ISSUER_CHARS = re.compile(r"[\u4e00-\u9fff（）()]")
_ISSUER_LENGTH = (2, 40)
# A title is printed at the top (or the HTML reader put the page's <title> there): a report quoting
# another one further down ("详见《…2019年政府信息公开工作年度报告》") is not naming itself.
_TITLE_LINES = 30
# "统计期限从2020年1月1日到12月31日止", "统计时间自2020年1月1日起至2020年12月31日"
_STATISTICS_YEAR = re.compile(r"(?:统计|数据)[^。\n]{0,30}?(?P<year>(?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_PERIOD_YEAR = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日[起]?\s*(?:至|到|—|-)")
_PUBLISHED = re.compile(
    r"(?:发布|发表|发文|成文)(?:时间|日期)\s*[:：]\s*(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})"
)
_SIGNATURE_DATE = re.compile(r"^\s*(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*$")


@dataclass
class ReportMetadata:
    title: str | None = None
    year: int | None = None
    jurisdiction_code: str | None = None
    agency: str | None = None
    agency_printed: str | None = None
    zone: str | None = None
    published_on: date | None = None
    issues: list[Issue] = field(default_factory=list)


@dataclass(frozen=True)
class Title:
    text: str
    issuer: str
    year: int


def _nonempty_lines(lines, count: int) -> list[str]:
    """The first `count` of these lines that are not blank, stripped (not a list of every line:
    only the head or the tail of a report is wanted)."""
    found: list[str] = []
    for line in lines:
        line = line.strip()
        if line:
            found.append(line)
            if len(found) == count:
                break
    return found


def find_title(text: str) -> Title | None:
    """The report's own title, in its first lines: "<issuer><year>年<政府信息公开工作年度报告 …>",
    the year first or last, or cut short by the site. A title wrapped over two lines is joined."""
    lines = _nonempty_lines(text.split("\n"), _TITLE_LINES)
    # Each line and each pair of lines tried below is a run of the lines joined.
    if _TITLE_HINT.search("".join(lines)) is None:
        return None
    nameless = None  # a heading with no issuer ("2020年政府信息公开工作年度报告"), if nothing better
    for index, line in enumerate(lines):
        # A wrapped title's first part is a short line; every title says 公开 or 信 (cut short).
        wrapped = line + lines[index + 1] if index + 1 < len(lines) and len(line) <= 60 else None
        for candidate in (line, wrapped):
            if candidate is None or ("公开" not in candidate and "信" not in candidate):
                continue
            title = _title_in(candidate)
            if title is not None and title.issuer:
                return title
            nameless = nameless or title
    return nameless


def _title_in(line: str) -> Title | None:
    """The leftmost title in a line, as (start, Title) candidates of each shape."""
    found: list[tuple[int, Title]] = []
    for pattern, needed in ((_YEAR_TAIL, _YEAR_TAIL_NEEDS), (_TAIL_YEAR, _TAIL_YEAR_NEEDS)):
        if needed.search(line) is None:
            continue
        for match in pattern.finditer(line):
            if pattern is _YEAR_TAIL and match["cut"] is not None and not any(t.startswith(match["cut"]) for t in _TAILS):
                continue
            start = _issuer_start(line, match.start())
            if start is not None:
                found.append((start, Title(line[start:match.end()], line[start:match.start()].strip(), int(match["year"]))))
                break
    match = _TITLE_YEAR_FIRST.search(line)
    if match is not None:
        # The greedy issuer swallowed the 政府 of 政府信息公开: "苏州市人民政府政府", "苏州市财政局政府".
        issuer = match["issuer"]
        if issuer.endswith("政府政府") or (issuer.endswith("政府") and not issuer.endswith("人民政府")):
            issuer = issuer[:-2]
        found.append((match.start(), Title(match.group(0), issuer, int(match["year"]))))
    return min(found, key=lambda item: item[0])[1] if found else None


def _issuer_start(line: str, end: int) -> int | None:
    """Where the issuer's name before `end` begins: the run of name characters (at most 40)."""
    while end > 0 and line[end - 1] in " \t\u3000":
        end -= 1
    start = end
    while start > 0 and end - start < _ISSUER_LENGTH[1] and _ISSUER_CHARS.match(line[start - 1]):
        start -= 1
    return start if end - start >= _ISSUER_LENGTH[0] else None


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
        tail = [line for line in reversed(text.splitlines()) if line.strip()][:15][::-1]
        dates = [m for m in (_SIGNATURE_DATE.match(line) for line in tail) if m]
        match = dates[-1] if dates else None
    if match is None:
        return None
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None


# Spellings of the same body, to the vocabulary's form (VOCABULARY.md: 人民政府, 人民政府办公厅, 财政局 …).
_AGENCY_SYNONYMS = {
    "政府": "人民政府",
    "政府办公室": "人民政府办公室", "政府办": "人民政府办公室", "人民政府办": "人民政府办公室", "府办": "人民政府办公室",
    "政府办公厅": "人民政府办公厅", "办公厅": "人民政府办公厅",
    "管委会": "管理委员会", "管委": "管理委员会",
    "地税局": "地方税务局", "国税局": "国家税务局",
    "发改委": "发展和改革委员会", "教委": "教育委员会", "卫健委": "卫生健康委员会",
    "住建局": "住房和城乡建设局", "人社局": "人力资源和社会保障局", "市场监管局": "市场监督管理局",
}
# Bodies under a national ministry, printed before the place: "国家税务总局苏州市税务局".
_VERTICAL_PREFIXES = ("国家税务总局", "国家统计局", "中国人民银行", "国家金融监督管理总局", "中国气象局", "国家邮政局")
# An issuer that names only a body: "教育厅", "省财政厅" (its place comes from elsewhere).
_BODY_ONLY = re.compile(r"^[省市县区]?(?P<body>[\u4e00-\u9fff]{1,16}(?:人民政府|办公厅|办公室|厅|局|委员会|管委会))$")
# After a place named in the narrative: the body it names ("苏州市财政局", "苏州市政府门户网站").
_BODY_AFTER_PLACE = re.compile(
    r"人民政府办公[厅室]|人民政府|政府办公[厅室]|政府办|政府|(?:(?![，。、；：“”《》\s])[\u4e00-\u9fff]){1,10}?(?:厅|局|委员会)"
)
# Page chrome above the article: "来源：苏州市财政局", "发布机构: 楚雄市人民政府办公室".
_CHROME = re.compile(
    r"(?:信息来源|来源|发布机构|发布单位|发布机关|发文机关|发文单位|公开主体|索引机构)\s*[:：]\s*(?P<issuer>[\u4e00-\u9fff（）()]{2,40})"
)
_CHROME_LINES = 40
_SIGNATURE_LINES = 15
_TRAILING_DATE = re.compile(r"\s*\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?\s*$")


def normalise_agency(printed: str) -> str | None:
    """The printed body (after its place) in the vocabulary's form: "" → None (not printed),
    "政府" → 人民政府, "政府办" → 人民政府办公室, "地税局" → 地方税务局; any other body as printed."""
    agency = re.sub(r"[\s（）()《》「」]", "", printed)
    agency = agency.removesuffix("关于")
    if not agency:
        return None
    return _AGENCY_SYNONYMS.get(agency, agency)


@dataclass(frozen=True)
class IssuerReading:
    """Who an issuer's name says published the report."""

    code: str | None  # the place (None: the name carries no place, "教育厅")
    agency: str | None  # normalised (None: only a place, "苏州市")
    printed: str  # the issuer as printed, from its place (or its ministry) on
    zone: str | None = None


def read_issuer(
    issuer: str, resolver: JurisdictionResolver, context_text: str = "", anchored: bool = False
) -> IssuerReading | None:
    """Place, body and zone in an issuer's name ("江苏省教育厅", "国家税务总局苏州市税务局",
    "苏州高新区管委会"). Words before the name ("现发布…") are skipped unless `anchored`."""
    issuer = re.sub(r"\s", "", issuer)
    for start in range(len(issuer) - 1):
        before, name = issuer[:start], issuer[start:]
        vertical = next((p for p in _VERTICAL_PREFIXES if before.endswith(p)), "")
        if anchored and before != vertical:
            continue
        printed = vertical + name
        code, rest = resolver.split_issuer(name, context_text=context_text)
        if code is not None:
            zone = coded_zone(code, rest, resolver) or (
                zone_after_place(rest, code, resolver.name(code), resolver) if rest else None)
            if zone is not None:
                return IssuerReading(zone.code, zone_agency(zone.zone, zone.rest, normalise_agency), printed, zone.zone)
            return IssuerReading(code, normalise_agency(rest), printed)
        zone = zone_at_start(name, resolver)
        if zone is not None:
            return IssuerReading(zone.code, zone_agency(zone.zone, zone.rest, normalise_agency), printed, zone.zone)
    body = _BODY_ONLY.match(issuer)
    if body and not anchored:
        return IssuerReading(None, normalise_agency(body["body"]), issuer)
    return None


def find_signature(text: str, resolver: JurisdictionResolver) -> IssuerReading | None:
    """The 落款: a line at the end that is only a body's name (a date may follow on it or below)."""
    lines = _nonempty_lines(reversed(text.split("\n")), _SIGNATURE_LINES)[::-1]
    for line in reversed(lines):
        name = _TRAILING_DATE.sub("", line)
        if not (4 <= len(name) <= 40) or not re.fullmatch(r"[\u4e00-\u9fff（）()]+", name):
            continue
        reading = read_issuer(name, resolver, context_text=text, anchored=True)
        if reading is not None and reading.code is not None and reading.agency is not None:
            return reading
    return None


def find_chrome_issuer(text: str, resolver: JurisdictionResolver) -> IssuerReading | None:
    """The publisher a web page's chrome names above the article ("来源：", "发布机构：")."""
    head = "\n".join(text.split("\n", _CHROME_LINES)[:_CHROME_LINES])
    for match in _CHROME.finditer(head):
        reading = read_issuer(match["issuer"], resolver, context_text=text, anchored=True)
        if reading is not None and reading.code is not None:
            return reading
    return None


def find_body_issuer(
    text: str, resolver: JurisdictionResolver, place: str | None = None
) -> tuple[IssuerReading | None, str]:
    """The body the narrative names most often with its place ("江苏省教育厅" dozens of times, not
    the "江苏省人民政府" it quotes twice), and a sentence saying so for the warning. With `place`
    (already known from the title), only that place's bodies count."""
    counts: Counter[tuple[str, str]] = Counter()
    printed: dict[tuple[str, str], str] = {}
    for code, start, end in resolver.mentions(text):
        if place is not None and code != place:
            continue
        body = _BODY_AFTER_PLACE.match(text, end)
        if body is None:
            continue
        key = (code, normalise_agency(body.group(0)))
        counts[key] += 1
        printed.setdefault(key, text[start:body.end()])
    if not counts:
        return None, ""
    (key, times), *rest = counts.most_common()
    detail = f"按正文中「{printed[key]}」出现 {times} 次认定为 {resolver.name(key[0])}({key[0]}) {key[1]}的报告"
    if rest:
        detail += "；正文还提到 " + "、".join(f"{printed[k]}({n}次)" for k, n in rest[:3])
    return IssuerReading(key[0], key[1], printed[key]), detail


@dataclass(frozen=True)
class Identity:
    code: str | None
    agency: str | None
    agency_printed: str | None
    zone: str | None
    issues: list[Issue]


def find_identity(text: str, title: Title | None, resolver: JurisdictionResolver) -> Identity:
    """Who published the report, strongest evidence first: its title, its 落款 (signature), the
    page's "来源：/发布机构：", and last the body the narrative names most. The place is the first
    one found; the agency the first found for that place. Nothing is assumed: an agency no source
    names stays None (the report is quarantined), never 人民政府 by default."""
    title_reading = read_issuer(title.issuer, resolver, context_text=text) if title is not None else None
    chrome_reading = find_chrome_issuer(text, resolver)
    readings = [title_reading, find_signature(text, resolver), chrome_reading]
    body_reading, body_detail = (None, "")
    known_place = next((r.code for r in readings if r is not None and r.code is not None), None)
    if known_place is None or not any(r is not None and r.agency is not None for r in readings):
        body_reading, body_detail = find_body_issuer(text, resolver, known_place)
    readings.append(body_reading)
    readings = [r for r in readings if r is not None]
    code_reading = next((r for r in readings if r.code is not None), None)
    if code_reading is None:
        return Identity(None, None, None, None, [])
    code = code_reading.code
    source = next((r for r in readings if r.agency is not None and r.code in (code, None)), None)
    issues = []
    if code_reading is body_reading:
        issues.append(Issue("report", "identity_inferred", WARNING, "报告的标题和落款没有写明发布机关所在地，" + body_detail))
    elif source is not None and source is body_reading:
        issues.append(Issue("report", "identity_inferred", WARNING, "报告的标题和落款没有写明发布机关，" + body_detail))
    elif source is not None and source is chrome_reading:
        issues.append(Issue("report", "identity_inferred", WARNING,
                            f"报告的标题和落款没有写明发布机关，按网页上的「来源/发布机构：{source.printed}」认定"))
    if source is None:
        return Identity(code, None, None, None, issues)
    if source.code is None:
        # "教育厅" in the title, "江苏省教育厅" in the 落款: the fuller print of the same body.
        source = next((r for r in readings if r.code == code and r.agency == source.agency), source)
    return Identity(code, source.agency, source.printed, source.zone if source.code == code else None, issues)


def read_metadata(text: str, resolver: JurisdictionResolver) -> ReportMetadata:
    title = find_title(text)
    year, year_issues = find_year(text, title)
    # The place is named as it was in the report's year (a county since merged keeps its code).
    identity = find_identity(text, title, resolver.for_year(year))
    return ReportMetadata(
        title=title.text if title else None,
        year=year,
        jurisdiction_code=identity.code,
        agency=identity.agency,
        agency_printed=identity.agency_printed,
        zone=identity.zone,
        published_on=find_published_on(text),
        issues=year_issues + identity.issues,
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
        agency = normalise_agency(hints.agency) or hints.agency
        if meta.agency is None or inferred:
            meta.agency, meta.agency_printed, meta.zone = agency, None, None
        elif meta.agency != agency:
            disagree("发布机关", meta.agency, agency)
    if hints.year:
        if meta.year is None:
            meta.year = hints.year
        elif meta.year != hints.year:
            disagree("年度", meta.year, hints.year)
    meta.issues = issues
    return meta
