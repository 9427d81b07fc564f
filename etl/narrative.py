"""Headline facts a report states in its sentences ("全年共受理政府信息公开申请52件").

Free-form reports (before 2019) print their key numbers in prose; later reports repeat a few of
them in the text, which the checks compare with the tables. A fact is read only where a phrase
names it and the number carries a count or money unit right after it: a year (2018年), a
document number (〔2018〕12号), a date, a telephone number or a percentage never makes a fact.
Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache

import numpy as np

from etl.quality import WARNING, Issue
from etl.textscan import code_points

# fact code → unit stored in the warehouse (None: a count).
FACTS = {
    "proactive_items": None,            # 主动公开政府信息 N 条
    "applications_received": None,      # 受理/收到政府信息公开申请 N 件
    "applications_received_online": None,  # 网上/在线 依申请公开 N 件 (one channel, not the total)
    "applications_answered": None,      # 已答复/办结 N 件 (of the applications)
    "disclosed": None,                  # 予以公开/同意公开 N 件
    "partially_disclosed": None,        # 部分公开 N 件
    "not_disclosed": None,              # 不予公开 N 件
    "not_held": None,                   # 本机关不掌握/信息不存在 N 件
    "reviews": None,                    # 行政复议 N 件
    "reviews_and_lawsuits": None,       # 行政复议、行政诉讼案件 N 件: one number for both
    "lawsuits": None,                   # 行政诉讼 N 件
    "complaints": None,                 # 举报/投诉 N 件 about disclosure
    "fees_yuan": "元",                  # 收取费用 N 元
}

_NUM = r"(?P<n>\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?)"
# Filler between a fact's words and its number: no digit, no clause break, no table bar.
_GAP = r"[^\d。；;，,：:|（）()\n]{0,%d}?"


def _g(n: int) -> str:
    return _GAP % n


# Each fact: patterns with the number in group n and the unit in group u. Order matters only
# within a clause: the first pattern that matches a span claims it.
_PATTERNS: list[tuple[str, str]] = []


def _add(fact: str, *patterns: str) -> None:
    _PATTERNS.extend((fact, p) for p in patterns)


_APP = r"(?:政府信息公开申请|信息公开申请|依申请公开(?:政府)?信息申请|依申请公开申请|依申请公开事项|依申请公开|申请公开政府信息)"
_CU = r"(?P<u>件|份|条|宗|起|人次)"  # not 个: 受理点50个 counts places, not applications

_add(
    "applications_received_online",
    rf"(?:受理|收到|接到|接收|办理)(?:网上|在线|网络)[^\d。；;，,|\n]{{0,8}}?{_APP}[^\d。；;，,|\n]{{0,10}}?{_NUM}\s*{_CU}",
    rf"(?:网上|在线|网络)(?:受理|收到|接到|接收){_g(10)}{_APP}{_g(10)}{_NUM}\s*{_CU}",
)
_add(
    "applications_answered",
    rf"(?:已|均已|全部|按时|依法|按期)?(?:答复|办结|处理完毕|回复|作出答复)(?!数)(?:了|的)?{_g(4)}(?:{_APP})?{_g(4)}{_NUM}\s*{_CU}",
    rf"办理{_g(12)}{_APP}{_g(6)}{_NUM}\s*{_CU}",
    rf"(?:答复|办结|回复)(?:的|数量|件数)?(?:为|达|共|计)?{_NUM}\s*{_CU}",
)
_add(
    "applications_received",
    rf"(?:受理|收到|接到|接收|新收|登记|共有|提出)(?:了)?{_g(16)}{_APP}{_g(16)}{_NUM}\s*{_CU}",
    rf"{_APP}(?:的)?(?:数量|总数|总量|件数|共计|合计|共)?{_g(8)}(?:为|达|是|达到|计)?{_g(2)}{_NUM}\s*{_CU}(?![^。；;，,\n]{{0,4}}(?:答复|办结|公开))",
    rf"(?:受理|收到|接到|接收|新收|共|共有)了?{_g(4)}{_NUM}\s*{_CU}{_g(6)}{_APP}",
)
_add(
    "partially_disclosed",
    rf"部分公开{_g(6)}{_NUM}\s*{_CU}",
)
_add(
    "not_disclosed",
    rf"(?:不予公开|不公开|不同意公开){_g(6)}{_NUM}\s*{_CU}",
)
_add(
    "not_held",
    rf"(?:不掌握|信息不存在|不存在|无法提供){_g(12)}{_NUM}\s*{_CU}",
)
_add(
    "disclosed",
    rf"(?:予以公开|同意公开|全部公开|准予公开|已公开){_g(6)}{_NUM}\s*{_CU}",
)
_add(
    "proactive_items",
    rf"主动公开{_g(14)}(?:信息|文件){_g(12)}{_NUM}\s*(?P<u>条|件|项|篇)",
    rf"主动公开(?:政府信息|信息)?(?:共|共计|累计|总计|合计)?{_NUM}\s*(?P<u>条|件|项|篇)",
    rf"(?:政府信息|信息){_g(8)}主动公开{_g(8)}{_NUM}\s*(?P<u>条|件|项|篇)",
)
_add(
    "reviews_and_lawsuits",  # one number for both: 行政复议、行政诉讼案件15件
    rf"行政复议[、和及与或]{{1,2}}(?:行政)?(?:诉讼|应诉){_g(10)}{_NUM}\s*(?P<u>件|起|宗|次|例|个)",
)
_add(
    "reviews",
    rf"行政复议{_g(12)}{_NUM}\s*(?P<u>件|起|宗|次|例|个)",
)
_add(
    "lawsuits",
    rf"行政诉讼{_g(12)}{_NUM}\s*(?P<u>件|起|宗|次|例|个)",
    rf"(?:被|遭)?(?:起诉|提起诉讼){_g(8)}{_NUM}\s*(?P<u>件|起|宗|次|例)",
)
_add(
    "complaints",
    rf"(?:举报|投诉|申诉){_g(12)}{_NUM}\s*(?P<u>件|起|宗|次|人次|例|个)",
)
_add(
    "fees_yuan",
    rf"(?:收取|收费|费用|检索费|复制费|邮寄费|成本费){_g(12)}{_NUM}\s*(?P<u>万元|元)",
)

_OUTCOMES = ("disclosed", "partially_disclosed", "not_disclosed", "not_held")
# The more specific phrase claims a number first: 因政府信息公开申请行政复议2件 is a review, 申请中
# 不予公开3件 an outcome, not a count of applications.
_PRIORITY = [
    "applications_received_online", "reviews_and_lawsuits", "reviews", "lawsuits", "partially_disclosed",
    "not_disclosed", "not_held", "disclosed", "applications_answered", "applications_received", "proactive_items",
    "complaints", "fees_yuan",
]
_COMPILED = [(fact, re.compile(p)) for fact, p in sorted(_PATTERNS, key=lambda fp: _PRIORITY.index(fp[0]))]
# What a fact's patterns cannot match without: each group is a choice of words one of which the
# sentence must contain (checked before the patterns run: most sentences name no fact at all).
# Every pattern also needs a digit (_NUM).
_FACT_NEEDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "applications_received_online": (("网上", "在线", "网络"), ("申请",)),
    "applications_answered": (("答复", "办结", "处理完毕", "回复", "办理"), ("申请",)),
    "applications_received": (("申请",),),  # every _APP phrase says 申请
    "partially_disclosed": (("部分公开",),),
    "not_disclosed": (("不予公开", "不公开", "不同意公开"),),
    "not_held": (("不掌握", "不存在", "无法提供"),),
    "disclosed": (("予以公开", "同意公开", "全部公开", "准予公开", "已公开"),),
    "proactive_items": (("主动公开",),),
    "reviews_and_lawsuits": (("行政复议",),),
    "reviews": (("行政复议",),),
    "lawsuits": (("诉讼", "起诉"),),
    "complaints": (("举报", "投诉", "申诉"),),
    "fees_yuan": (("收取", "收费", "费用", "检索费", "复制费", "邮寄费", "成本费"), ("元",)),
}

# "Nothing happened" stated in words: 未发生/没有…行政复议 → 0. Only the facts whose absence is
# commonly reported this way, and only in a clause with no digits at all.
# The verb is required: 无论是否提起行政复议 states nothing.
_NONE_VERB = r"(?:未|没有|均未|无)(?:发生|出现|收到|接到|受理|产生|被)"
_ZERO = [
    ("reviews", re.compile(_NONE_VERB + r"[^\d。；;|\n]{0,20}?行政复议")),
    ("lawsuits", re.compile(_NONE_VERB + r"[^\d。；;|\n]{0,24}?行政诉讼")),
    ("fees_yuan", re.compile(r"(?:(?:未|没有|均未|不)收取?|免收)[^\d。；;|\n]{0,10}?(?:费用|检索费|复制费|成本费|工本费)")),
]
_ZERO_NEEDS = {
    "reviews": (("行政复议",), ("未", "没有", "无")),
    "lawsuits": (("行政诉讼",), ("未", "没有", "无")),
    "fees_yuan": (("费用", "检索费", "复制费", "成本费", "工本费"), ("未", "没有", "不", "免收")),
}
# A sentence with no digit states a fact only in words, and only with one of these.
_ZERO_WORDS = ("行政复议", "行政诉讼", "费用", "检索费", "复制费", "成本费", "工本费")


_FACT_NEEDS_SETS = {fact: tuple(frozenset(group) for group in needs) for fact, needs in _FACT_NEEDS.items()}
# _COMPILED by fact, in its order (a fact's patterns are next to each other there), with the
# fact's needs: (fact, needs, patterns).
_BY_FACT: list[tuple[str, tuple[frozenset[str], ...], list[re.Pattern]]] = []
for _fact, _pattern in _COMPILED:
    if not _BY_FACT or _BY_FACT[-1][0] != _fact:
        _BY_FACT.append((_fact, _FACT_NEEDS_SETS[_fact], []))
    _BY_FACT[-1][2].append(_pattern)
del _fact, _pattern
assert len(_BY_FACT) == len(FACTS)  # each fact's patterns in one run


def _words_found(words) -> tuple[re.Pattern, dict[str, tuple[str, ...]]]:
    """A pattern finding the words (longest first) without overlaps, and for each word the others
    an occurrence of it may hide from that search: those that begin inside it (or where it does)
    and agree with it as far as both go (收费 hides 费用 in 收费用, 不同意公开 hides 同意公开)."""
    ordered = sorted(set(words), key=lambda word: (-len(word), word))
    hidden = {
        word: tuple(other for other in ordered if other != word and any(
            word[k:k + len(other)] == other[:len(word) - k] for k in range(len(word))))
        for word in ordered
    }
    return re.compile("|".join(map(re.escape, ordered))), {w: h for w, h in hidden.items() if h}


def _present(text: str, pattern: re.Pattern, hidden: dict[str, tuple[str, ...]]) -> frozenset[str]:
    """Every word of _words_found that occurs in text: those the search finds, and those an
    occurrence found may hide, tested one by one (a search with a lookahead at every position
    finds overlaps too, but is seven times slower)."""
    found = set(pattern.findall(text))
    for word in [w for w in found if w in hidden]:
        found.update(other for other in hidden[word] if other in text)
    return frozenset(found)


# Every word of _FACT_NEEDS.
_NEED_WORDS, _NEED_HIDDEN = _words_found(
    word for needs in _FACT_NEEDS.values() for group in needs for word in group)


def _has(present: set[str], needs: tuple[frozenset[str], ...]) -> bool:
    return all(not group.isdisjoint(present) for group in needs)


@lru_cache(maxsize=4096)  # sentences name the same few words: a handful of distinct sets
def _fact_plan(present: frozenset[str]) -> tuple[tuple[str, tuple[re.Pattern, ...]], ...]:
    """The facts (with their patterns, in _BY_FACT order) a sentence with these words of
    _FACT_NEEDS may state. 办结/答复 are said of any business (办结行政审批事项, 公开答复留言): only
    of applications here."""
    return tuple(
        (fact, tuple(patterns)) for fact, needs, patterns in _BY_FACT
        if _has(present, needs) and (fact != "applications_answered" or "申请" in present)
    )


_ZERO_NEED_WORDS, _ZERO_NEED_HIDDEN = _words_found(
    word for needs in _ZERO_NEEDS.values() for group in needs for word in group)
_ZERO_NEED_SETS = {fact: tuple(frozenset(group) for group in needs) for fact, needs in _ZERO_NEEDS.items()}


@lru_cache(maxsize=1024)
def _zero_plan(present: frozenset[str]) -> tuple[tuple[str, re.Pattern], ...]:
    """The _ZERO patterns, in order, a sentence with these words of _ZERO_NEEDS may match."""
    return tuple((fact, pattern) for fact, pattern in _ZERO if _has(present, _ZERO_NEED_SETS[fact]))


# A number right after these is a label, a year, a date, an identifier: never a fact.
_NOT_AFTER = re.compile(r"[〔\[【第号#]$")
_NOT_AFTER_CHARS = frozenset("〔[【第号#")
# Document numbers and dates, blanked before matching so their digits cannot be read.
_MASKS = [
    re.compile(r"[〔\[【(（]\s*\d{4}\s*[〕\]】)）]\s*\d+\s*号"),  # 〔2018〕12号
    re.compile(r"\d{4}\s*年(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*日)?"),  # 2018年, 2018年1月3日
    re.compile(r"\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?"),
    re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"),
    re.compile(r"(?:电话|传真|热线|手机|邮编|邮政编码|地址)[^。；;，,\n]{0,30}"),
    re.compile(r"\d+(?:\.\d+)?\s*(?:%|％|个百分点)"),
    re.compile(r"\d{3,4}\s*[-—－]\s*\d{7,8}"),  # 0878—3167327
    re.compile(r"\d{5,}(?=\D*(?:热线|专线|平台|号码))|(?<=[“\"])\d+(?=[”\"])"),  # “12345”政府热线
]


@dataclass(frozen=True)
class NarrativeFact:
    fact: str
    value: Decimal
    unit: str | None
    sentence: str  # as printed
    source_line: int  # 1-based line of the report's text

    def as_row(self) -> dict:
        return {"fact": self.fact, "value": self.value, "unit": self.unit, "sentence": self.sentence,
                "source_line": self.source_line}


_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")


def _sentences(line: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(line) if s.strip()]


class _FoldTable(dict):
    """str.translate table for _fold, filled as characters are first seen: NFKC of one character
    at a time, kept only where it gives one character (full-width digits and punctuation to
    ASCII), except the Chinese clause marks the patterns look for; the ideographic space to " "."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        folded = unicodedata.normalize("NFKC", ch)
        value = folded if len(folded) == 1 and ch not in "，；：（）。" else ch
        if value == "\u3000":
            value = " "
        self[code] = value
        return value


_FOLD = _FoldTable()


def _unchanged_ranges(first: int, last: int) -> str:
    """A character class body of the characters in [first, last] that _fold leaves alone."""
    ranges: list[list[int]] = []
    for code in range(first, last + 1):
        if _FOLD[code] == chr(code):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges)


# A character _fold may change: not ASCII, not a CJK ideograph, not one of the common punctuation
# marks it leaves alone (、“”《》— …). Most sentences have none and are returned as they are.
_FOLDABLE = re.compile("[^\x00-\x7f\u4e00-\u9fff，；：（）。%s]" % _unchanged_ranges(0x80, 0x30FF))


def _fold_match(match: re.Match) -> str:
    return _FOLD[ord(match.group())]


def _fold(text: str) -> str:
    """Full-width digits and punctuation to ASCII, one char for one char, so offsets hold."""
    # Only the characters that may change are looked up (most texts have none or a few).
    return _FOLDABLE.sub(_fold_match, text)


# Each mask with the strings one of which it cannot match without (checked first: most sentences
# hold no date, no telephone number, no percentage).
_MASK_NEEDS = [
    ("〔", "[", "【", "(", "（"),
    ("年",),
    ("月",),
    ("-", "/", "."),
    ("电话", "传真", "热线", "手机", "邮编", "邮政编码", "地址"),
    ("%", "％", "个百分点"),
    ("-", "—", "－"),
    ("热线", "专线", "平台", "号码", "“", '"'),
]
_DIGIT = re.compile(r"\d")
_DIGITS = re.compile(r"\d+")


def _hash(match: re.Match) -> str:
    return "#" * len(match.group(0))


_MASK_WORDS, _MASK_HIDDEN = _words_found(need for needs in _MASK_NEEDS for need in needs)
_MASK_NEED_SETS = [frozenset(needs) for needs in _MASK_NEEDS]


@lru_cache(maxsize=1024)
def _mask_plan(digits: bool, present: frozenset[str]) -> tuple[re.Pattern, ...]:
    # Every mask but the telephone one needs a digit.
    return tuple(pattern for index, (pattern, needs) in enumerate(zip(_MASKS, _MASK_NEED_SETS))
                 if (digits or index == 4) and not needs.isdisjoint(present))


def _mask(text: str) -> str:
    # The masks' words are looked for once, before masking: a mask can only take words away (it
    # writes "#", in none of them), and a mask whose words are gone matches nothing, so running
    # it as well changes nothing.
    for pattern in _mask_plan(_DIGIT.search(text) is not None, _present(text, _MASK_WORDS, _MASK_HIDDEN)):
        text = pattern.sub(_hash, text)
    return text


def _plain(value: Decimal) -> Decimal:
    # 50, not 5E+1; 1.50 → 1.5.
    return Decimal(int(value)) if value == value.to_integral_value() else value.normalize()


def _number(raw: str) -> Decimal:
    return Decimal(raw.replace(",", ""))


def _label_before(masked: str, start: int) -> bool:
    """_NOT_AFTER.search(masked[:start]) without searching the whole prefix: `$` matches at its
    end or before a newline that ends it."""
    return (start > 0 and masked[start - 1] in _NOT_AFTER_CHARS) or (
        start > 1 and masked[start - 1] == "\n" and masked[start - 2] in _NOT_AFTER_CHARS)


# A sentence whose (folded) text has no match here cannot state a fact: with a digit, one of these
# words (from each fact the group of _FACT_NEEDS every pattern of it needs); without, a word a
# fact stated in words needs (_ZERO_WORDS).
_FACT_WORD = re.compile("|".join(sorted(
    {"申请", "部分公开", "主动公开", "行政复议", "诉讼", "起诉"}
    | {word for fact in ("not_disclosed", "not_held", "disclosed", "complaints", "fees_yuan")
       for word in _FACT_NEEDS[fact][0]}, key=len, reverse=True)))
_ZERO_WORD = re.compile("|".join(_ZERO_WORDS))


def _may_state_fact(folded: str) -> bool:
    """False when no pattern can match in any part of this (folded) text. Masking only blanks
    characters, so what the unmasked text lacks the masked one lacks too."""
    if _DIGIT.search(folded) is not None and _FACT_WORD.search(folded) is not None:
        return True
    return _ZERO_WORD.search(folded) is not None


def _lines_that_may_state_facts(folded: str, folded_lines: list[str]) -> list[int]:
    """The lines (0-based, ascending) of the folded text for which _may_state_fact holds: the
    words are searched for in the whole text at once (no word spans lines, and _fold neither
    makes nor removes a newline), the digit only in the lines that have one of the words."""
    newlines = np.flatnonzero(code_points(folded) == 10)

    def lines_of(pattern: re.Pattern) -> set[int]:
        starts = [match.start() for match in pattern.finditer(folded)]
        return set(np.searchsorted(newlines, starts).tolist()) if starts else set()

    with_digit = {index for index in lines_of(_FACT_WORD) if _DIGIT.search(folded_lines[index])}
    return sorted(with_digit | lines_of(_ZERO_WORD))


def facts_in_sentence(sentence: str, line_no: int) -> list[NarrativeFact]:
    return _facts_in_folded(sentence, _fold(sentence), line_no)


def _facts_in_folded(sentence: str, folded: str, line_no: int) -> list[NarrativeFact]:
    """facts_in_sentence, given the sentence folded."""
    if not _may_state_fact(folded):
        return []  # most sentences
    masked = _mask(folded)
    found: list[tuple[int, NarrativeFact]] = []
    claimed: list[tuple[int, int]] = []  # spans of numbers already read
    has_digit = _DIGIT.search(masked) is not None
    # After 其中 a sentence breaks its total down (其中向市政府提出依申请公开9件): the parts are not
    # the headline facts, except the outcomes, which reports state exactly this way.
    breakdown = masked.find("其中")
    plan = _fact_plan(_present(masked, _NEED_WORDS, _NEED_HIDDEN)) if has_digit else ()
    for fact, patterns in plan:
        for match in (match for pattern in patterns for match in pattern.finditer(masked)):
            start, end = match.span("n")
            if any(s < end and start < e for s, e in claimed):
                continue
            if breakdown >= 0 and start > breakdown and fact not in _OUTCOMES:
                continue
            if _label_before(masked, start):
                continue
            value = _number(match["n"])
            unit = FACTS[fact]
            if fact == "fees_yuan" and match["u"] == "万元":
                value = value * 10000
            elif fact != "fees_yuan" and value != value.to_integral_value():
                continue  # a count is whole
            claimed.append((start, end))
            found.append((start, NarrativeFact(fact, _plain(value), unit, sentence.strip(), line_no)))
    if not has_digit:
        for fact, pattern in _zero_plan(_present(masked, _ZERO_NEED_WORDS, _ZERO_NEED_HIDDEN)):
            match = pattern.search(masked)
            if match and not any(f.fact == fact for _, f in found):
                found.append((match.start(), NarrativeFact(fact, Decimal(0), FACTS[fact], sentence.strip(), line_no)))
    return [f for _, f in sorted(found, key=lambda x: x[0])]


def read_facts(
    text: str, skip_lines: set[int] | frozenset = frozenset(), printed: str | None = None
) -> list[NarrativeFact]:
    """Every fact stated in the text, in reading order. `skip_lines` (0-based) are not prose
    (the national tables of a 2019+ report). `printed` is the text before its conversion to
    simplified characters: where a line kept its length, the sentence is given as printed."""
    facts: list[NarrativeFact] = []
    # The printed text is the text itself for most reports (no conversion): its lines equal the
    # text's, so no sentence would be replaced.
    printed_lines = printed.split("\n") if printed is not None and printed is not text else None
    lines = text.split("\n")
    folded = _fold(text)
    # Line for line, character for character; the same lines when nothing folds (re.sub gives
    # back the very string when it replaces nothing).
    folded_lines = lines if folded is text else folded.split("\n")
    for index in _lines_that_may_state_facts(folded, folded_lines):
        line = lines[index]
        if index in skip_lines or "|" in line:
            continue
        original = printed_lines[index] if printed_lines and index < len(printed_lines) else None
        offset = 0
        for sentence in _sentences(line):
            start = line.index(sentence, offset)
            offset = start + len(sentence)
            found = _facts_in_folded(sentence, folded_lines[index][start:offset], index + 1)
            if found and original is not None and len(original) == len(line) and original != line:
                as_printed = original[start:offset].strip()
                found = [replace(f, sentence=as_printed) for f in found]
            facts.extend(found)
    return facts


def conflicts(facts: list[NarrativeFact]) -> list[Issue]:
    """A fact stated twice with different numbers: a quality issue naming both sentences."""
    issues = []
    first: dict[str, NarrativeFact] = {}
    for fact in facts:
        seen = first.setdefault(fact.fact, fact)
        if seen is not fact and seen.value != fact.value:
            issues.append(Issue(
                "narrative", "narrative_conflict", WARNING,
                f"正文两处所述{fact.fact}不一致：第{seen.source_line}行「{seen.sentence}」为 {seen.value}，"
                f"第{fact.source_line}行「{fact.sentence}」为 {fact.value}",
                expected=seen.value, actual=fact.value,
            ))
    return issues


def first_value(facts: list[NarrativeFact], fact: str) -> list[NarrativeFact]:
    return [f for f in facts if f.fact == fact]


def report_tables(lines: list[str]) -> list[dict]:
    """Rows of the tables a free-form report designed itself, as local rows (`pre2019`): each
    label cell followed by value cells is a row; its values keep their order (position from 1).
    Only "|"-marked tables are read: prose between blank lines cannot be told from cells."""
    from etl.text_layout import VALUE, cells_of
    from etl.values import parse_value

    rows: list[dict] = []
    row_no = 0

    def emit(label: str | None, values: list) -> None:
        nonlocal row_no
        if label is None or not values:
            return
        row_no += 1
        for position, cell in enumerate(values, 1):
            rows.append({
                "table_name": "pre2019", "row_no": row_no, "position": position, "row_label": label,
                "value": parse_value(cell.text).value, "raw": cell.text,
            })

    index = 0
    while index < len(lines):
        if "|" not in lines[index]:
            index += 1
            continue
        start = index
        while index < len(lines) and ("|" in lines[index] or not lines[index].strip()):
            index += 1
        block = lines[start:index]
        if sum("|" in line for line in block) < 2:
            continue
        label, values = None, []
        for cell in cells_of(block, start):
            if cell.kind == VALUE:
                values.append(cell)
            else:
                emit(label, values)
                label, values = cell.text, []
        emit(label, values)
    return rows
