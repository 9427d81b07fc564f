"""Traditional to simplified characters, recording which conversion a report went through.

Three kinds of text reach us:

- simplified text: returned byte for byte, conversion ``none``;
- traditional text without Taiwan phrasing (OpenCC ``s2t`` style, Hong Kong variants ``s2hk``):
  OpenCC ``t2s``, then the few Hong Kong variant characters ``t2s`` leaves (衞 → 卫), conversion
  ``TRADITIONAL_CONVERSION``;
- traditional text that went through a Taiwan phrase conversion (OpenCC ``s2twp``, or a word
  processor's 繁简转换 with 转换常用词汇: 文件 → 檔案, 门户网站 → 入口網站, 信息 → 資訊): OpenCC
  ``tw2s`` (which also puts back 着 where Taiwan writes 著), then a reverse phrase table that gives
  back the mainland wording, conversion ``TAIWAN_CONVERSION``.

OpenCC's own reverse (``tw2sp``) cannot be used: Taiwan writes 執行 for 运行 but the mainland writes
执行 too, so ``tw2sp`` turns every 执行 into 运行 (效能 → 性能, 文件 → 文档, 建立 → 创建 likewise).
Our table keeps only the reversals whose Taiwan side is not an ordinary mainland word (see
data/chinese/taiwan_phrases.tsv for how it is derived), plus the project's own vocabulary
(``PROJECT_WORDS``): whole mainland words and phrases put back as a unit (权力执行 → 权力运行) or
protected from a reversal (档案馆 stays 档案馆 although 檔案 is otherwise 文件).

The reverse table is applied only when the text shows Taiwan phrasing (``_is_taiwan_phrased``),
so that a plain or Hong Kong traditional text keeps its own wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np
import opencc

from etl.textscan import Pairs, code_points

NO_CONVERSION = "none"
# Traditional text without Taiwan phrasing: t2s + Hong Kong variant characters + place names.
TRADITIONAL_CONVERSION = "opencc:t2s+ogi-variants-v2"
# Taiwan-phrased text: tw2s + reverse phrase table + place names.
TAIWAN_CONVERSION = "opencc:tw2s+ogi-phrases-v2"
CONVERSIONS = (TRADITIONAL_CONVERSION, TAIWAN_CONVERSION)

PHRASE_TABLE_PATH = Path(__file__).resolve().parents[1] / "data" / "chinese" / "taiwan_phrases.tsv"
T2S_CHANGED_PATH = PHRASE_TABLE_PATH.parent / "t2s_changed_characters.txt"

# The share of CJK characters t2s changes above which a text counts as traditional. Simplified
# text still changes in a handful of places (variant forms), so a few changes are not enough.
_TRADITIONAL_SHARE = 0.005

# Characters t2s changes that simplified text uses too (乾县, 乾安县): they say nothing about
# whether a text is traditional.
_ALSO_SIMPLIFIED = frozenset("乾")
# Place names t2s damages (乾 → 干), put back after converting.
_PLACE_NAMES = (("干县", "乾县"), ("干安县", "乾安县"))

# Hong Kong variant characters t2s leaves as they are: every character that OpenCC's hk2s changes
# and t2s does not (潀 left out: its "standard" form 潨 is no commoner). Regenerate with
# `benchmarks/traditional_roundtrip.py --derive`, which prints the list.
_HK_VARIANTS = str.maketrans({"敍": "叙", "枱": "台", "粧": "妆", "糭": "粽", "衞": "卫", "衹": "只"})
_HK_VARIANT_CHARS = re.compile("[敍枱粧糭衞衹]")


def _hk_variants(text: str) -> str:
    # str.translate looks up every character; most texts have none of these six.
    return text.translate(_HK_VARIANTS) if _HK_VARIANT_CHARS.search(text) else text

# The project's own vocabulary: mainland words and phrases of government reports put back whole.
# Each is converted with OpenCC s2twp + t2s to find the form it takes in a Taiwan-phrased text; the
# table maps that form back to the word (权力执行 → 权力运行), or to itself when the word survives the
# conversion but contains a Taiwan form that would otherwise be reversed (档案馆, 线上线下).
PROJECT_WORDS = (
    # 运行 becomes 執行 in Taiwan, but 执行 is ordinary mainland wording: only these go back.
    # (Not 高效运行, 运行良好: 高效执行, 执行良好 are mainland wording too.)
    "权力运行", "平台运行", "网站运行", "系统运行", "平稳运行", "正常运行", "安全运行", "稳定运行",
    "试运行", "上线运行", "在线运行", "并线运行", "运行维护", "运行管理", "运行保障", "阳光下运行",
    "谁运行",
    # 档案 is 文件 in a Taiwan-phrased text, except in the archives' own words.
    # Not 档案管理, 档案信息, 电子档案: 文件管理, 文件信息, 电子文件 are as common.
    "档案馆", "档案局", "档案室", "档案工作", "人事档案", "档案资料", "档案查阅", "档案利用",
    "城建档案", "档案数字化",
    # Words of the reports that no guard here may take part of (the tables' labels are added by
    # project_entries).
    "规范性文件", "行政规范性文件", "政府文件", "政策文件", "政府信息",
    # 资料 is 数据 in a Taiwan-phrased text, except in these.
    "宣传资料", "学习资料", "文献资料", "资料室", "资料汇编", "查阅资料", "书面资料", "纸质资料",
    "培训资料", "参考资料", "资料费",
    # 线上 is 在线, except where 线 belongs to the word before or 线上 is the mainland 线上 (线上线下).
    "线上线下", "线上和线下", "线上与线下", "线上、线下", "线上或线下", "线上+线下",
    "一线上", "热线上", "专线上", "生产线上", "防线上", "战线上", "红线上", "底线上", "主线上",
    "路线上", "干线上", "生命线上", "起跑线上", "前线上",
    # 联络 is 联系, except in the names of liaison posts.
    "联络员", "联络处", "联络点", "联络组", "联络部", "联络办",
    # 支援 is 支持, except in these; 专案 is 项目, except 专案组; 宣告 is 声明, except in law.
    "对口支援", "支援队", "专案组", "宣告失效", "宣告无效", "宣告废止", "宣告破产",
    # 程式 is 程序, except 程式化 (formulaic); 设定 is 设置, except after 建设; 模组 is 模块, except
    # after 规模; 型别 is 类型, except in 新型别墅.
    "程式化", "建设定位", "建设定点", "规模组", "型别墅",
    # Where a Taiwan form straddles two mainland words: 解释|出台, 网|路由器, 货物|件数, 投资|讯息, 工资|料.
    "解释出", "稀释出", "网路由", "货物件", "投资讯", "工资料", "物资料", "在线上", "上线上",
    # Taiwan's 即时, 建立, 储存 are ordinary mainland words too: only these go back.
    "实时更新", "实时监控", "实时监测", "实时查询", "实时推送", "实时掌握", "实时了解", "实时发布",
    "创建文明城市", "创建文明单位", "文明创建", "妥善保存", "归档保存", "永久保存", "长期保存",
    "保存期限",
)

# Taiwan phrasing of converters other than OpenCC (seen in seed 000, converted by a word
# processor), as (after t2s, mainland).
EXTRA_PHRASES = (("创新套用", "创新应用"),)


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{3,}")


@dataclass(frozen=True)
class Converted:
    text: str
    conversion: str  # NO_CONVERSION or one of CONVERSIONS
    changed_chars: int


@lru_cache(maxsize=None)
def _opencc(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


class PhraseTable:
    """Longest-match replacement of phrases (Taiwan form after t2s → mainland wording)."""

    def __init__(self, entries: dict[str, str], markers: frozenset[str]):
        self.entries = {key: value for key, value in entries.items() if len(key) >= 2}
        # Phrases only a Taiwan-phrased text contains: they decide whether a text is one.
        self.markers = frozenset(marker for marker in markers if self.entries.get(marker, marker) != marker)
        lengths: dict[str, set[int]] = {}
        for key in self.entries:
            lengths.setdefault(key[0], set()).add(len(key))
        self._lengths = {first: sorted(found, reverse=True) for first, found in lengths.items()}
        # The same by first two characters: fewer lengths to try where no piece is cut short by
        # the end of the text (a cut piece may be a shorter phrase, taken with the longer length).
        pair_lengths: dict[str, set[int]] = {}
        for key in self.entries:
            pair_lengths.setdefault(key[:2], set()).add(len(key))
        self._pair_lengths = {pair: sorted(found, reverse=True) for pair, found in pair_lengths.items()}
        self._pairs = Pairs(self.entries)
        # A third-character sieve: where the pair has no phrase of its own, a phrase can begin
        # only if the first three characters begin one (most pair positions begin none).
        self._two = np.array(sorted({_code(key) for key in self.entries if len(key) == 2}), dtype=np.uint64)
        self._three = np.array(sorted({_code(key[:3]) for key in self.entries if len(key) >= 3}), dtype=np.uint64)

    def apply(self, text: str, keep: frozenset[str] = frozenset()) -> tuple[str, int, dict[str, int]]:
        """The text with every phrase replaced, the characters replaced, and how often each phrase
        was found. Phrases in ``keep`` are left as they are (but still taken whole)."""
        out: list[str] = []
        found: dict[str, int] = {}
        start = position = replaced = 0
        entries, lengths_of, pair_lengths = self.entries, self._lengths, self._pair_lengths
        end = len(text)
        # A phrase can begin only where its first two characters do: the positions between are
        # passed over as the one-step loop would (none of them begins a phrase).
        for candidate in self._may_begin(code_points(text)):
            if candidate < position:
                continue  # inside the last phrase found
            position = candidate
            lengths = lengths_of[text[position]]
            if position + lengths[0] <= end:
                lengths = pair_lengths[text[position:position + 2]]
            for length in lengths:
                piece = text[position:position + length]
                mainland = entries.get(piece)
                if mainland is None:
                    continue
                found[piece] = found.get(piece, 0) + 1
                if mainland != piece and piece not in keep:
                    out.append(text[start:position])
                    out.append(mainland)
                    replaced += length
                    start = position + length
                position += length
                break
        out.append(text[start:])
        return "".join(out), replaced, found

    def _may_begin(self, points: np.ndarray) -> list[int]:
        """The positions where a phrase's first two characters are (Pairs) at which a phrase
        may begin: the pair is a phrase, or the three characters begin one, or the text ends
        after the pair (a piece cut by the end is left to the loop). At the others no phrase
        begins, so the loop would pass over them finding nothing."""
        at = self._pairs.starts_of(points)
        if len(at) < 8:
            return at.tolist()
        wide = points.astype(np.uint64)
        last = at + 2 >= len(points)
        third = wide[np.minimum(at + 2, len(points) - 1)]
        pair = (wide[at] << _BITS) | wide[at + 1]
        keep = last | _in(self._two, pair) | _in(self._three, (pair << _BITS) | third)
        return at[keep].tolist()

    def markers_in(self, found: dict[str, int]) -> int:
        return sum(count for phrase, count in found.items() if phrase in self.markers)

    def unconverted(self, text: str, found: dict[str, int]) -> frozenset[str]:
        """Phrases the text's own converter evidently left alone: those whose mainland wording
        occurs in the text (outside the phrase) at least as often as they do. The word processor
        that converted seed 000 turned 文件 into 檔案 but kept 数据, so its one 资料 is the
        original's and stays."""
        # text.count(mainland) first: removing the phrase cannot add occurrences of the wording
        # (the count with it removed is at most the whole text's), so below `count` the replace
        # is not needed.
        return frozenset(
            phrase for phrase, count in found.items()
            if self.entries[phrase] != phrase
            and text.count(self.entries[phrase]) >= count
            and text.replace(phrase, "\0").count(self.entries[phrase]) >= count  # not 算法 in 演算法
        )


_BITS = np.uint64(21)  # a code point in 21 bits: three in one 64-bit number


def _code(chars: str) -> int:
    code = 0
    for ch in chars:
        code = (code << 21) | ord(ch)
    return code


def _in(sorted_codes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Which of codes are in sorted_codes."""
    if not len(sorted_codes):
        return np.zeros(len(codes), dtype=bool)
    index = np.searchsorted(sorted_codes, codes)
    index[index == len(sorted_codes)] = 0
    return sorted_codes[index] == codes


def read_phrase_file(path: Path = PHRASE_TABLE_PATH) -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            taiwan, mainland = line.split("\t")
            entries[taiwan] = mainland
    return entries


def _label_words() -> tuple[str, ...]:
    """The runs of CJK characters in the national tables' labels (上一年项目数量, 部分公开)."""
    from etl import templates as t

    labels = [label for rows in t.ARTICLE20_ROWS.values() for row in rows for label in row.labels + row.column_labels]
    labels += [row.label for rows in t.APPLICATION_ROWS.values() for row in rows]
    labels += [*t.APPLICANT_LABELS.values(), *t.OUTCOME_LABELS.values(), *t.PROCEEDING_LABELS.values()]
    return tuple(sorted({run for label in labels for run in _CJK_RUN.findall(label)}))


def project_entries(words: tuple[str, ...] | None = None) -> dict[str, str]:
    """PROJECT_WORDS and the labels' words keyed by the form each takes in a Taiwan-phrased text,
    plus EXTRA_PHRASES."""
    words = words if words is not None else _label_words() + PROJECT_WORDS
    taiwan = _opencc("t2s").convert(_opencc("s2twp").convert("\n".join(words))).split("\n")
    entries = dict(zip(taiwan, words, strict=True))
    entries.update(EXTRA_PHRASES)
    return entries


def build_phrase_table(derived: dict[str, str]) -> PhraseTable:
    """The derived table with the project's vocabulary on top.

    Markers of Taiwan phrasing: the project's own phrases (规范性档案) and the derived Taiwan forms,
    except those the mainland uses too, as the project's exceptions show (档案 in 档案馆)."""
    project = project_entries()
    kept_whole = [key for key, value in project.items() if key == value]
    markers = {key for key, value in project.items() if key != value}
    markers.update(key for key in derived if not any(key in word for word in kept_whole))
    return PhraseTable({**derived, **project}, frozenset(markers))


@lru_cache(maxsize=1)
def phrase_table() -> PhraseTable:
    return build_phrase_table(read_phrase_file())


def _is_taiwan_phrased(markers: int, cjk: int) -> bool:
    """One marker in a short text, one more per 2,000 CJK characters: a stray 使用者 in a long
    mainland report printed in traditional characters does not make it Taiwan-phrased."""
    return markers >= 1 + cjk // 2000


def _differences(a: str, b: str) -> int:
    """Positions (up to the shorter length) where two texts differ, counted by numpy."""
    first, second = code_points(a), code_points(b)
    length = min(len(first), len(second))
    return int(np.count_nonzero(first[:length] != second[:length]))


@lru_cache(maxsize=1)
def _t2s_may_change() -> np.ndarray | None:
    """Which code points t2s may change (data/chinese/t2s_changed_characters.txt), with the lone
    surrogates (which OpenCC refuses): a table indexed by code point (1.1 MB; a set test or a
    character class looks at every character in Python or range by range, slower than OpenCC).
    None when the file was derived from another OpenCC version than the one installed."""
    lines = T2S_CHANGED_PATH.read_text(encoding="utf-8").splitlines()
    version = next(line.split()[-1] for line in lines if line.startswith("# opencc "))
    if version != metadata.version("opencc"):
        return None
    characters = "".join(line for line in lines if not line.startswith("#"))
    table = np.zeros(0x110000, dtype=bool)
    table[code_points(characters)] = True
    table[0xD800:0xE000] = True
    return table


def to_simplified(text: str, table: PhraseTable | None = None) -> Converted:
    may_change = _t2s_may_change()
    if may_change is not None and not may_change[code_points(text)].any():
        return Converted(text, NO_CONVERSION, 0)  # t2s would give the text back: most reports
    plain = _opencc("t2s").convert(text)
    if plain == text:  # simplified already (most reports): nothing to count
        return Converted(text, NO_CONVERSION, 0)
    changed = _differences(text, plain)
    if any(ch in text for ch in _ALSO_SIMPLIFIED):
        changed -= sum(1 for a, b in zip(text, plain) if a != b and a in _ALSO_SIMPLIFIED)
    points = code_points(text)
    cjk = int(np.count_nonzero((points >= 0x4E00) & (points <= 0x9FFF))) or 1
    if changed / cjk < _TRADITIONAL_SHARE:
        return Converted(text, NO_CONVERSION, 0)
    table = table or phrase_table()
    _, _, found = table.apply(plain)
    if _is_taiwan_phrased(table.markers_in(found), cjk):
        characters = _opencc("tw2s").convert(text)
        simplified, replaced, _ = table.apply(_hk_variants(characters), table.unconverted(plain, found))
        conversion = TAIWAN_CONVERSION
    else:
        characters = plain
        simplified, replaced = _hk_variants(characters), 0
        conversion = TRADITIONAL_CONVERSION
    for damaged, name in _PLACE_NAMES:
        simplified = simplified.replace(damaged, name)
    changed = _differences(text, _hk_variants(characters)) + replaced
    return Converted(simplified, conversion, changed)
