"""Traditional to simplified characters, recording which conversion a report went through.

OpenCC's t2s is safe on any text, simplified included. Reports that reached us through a Taiwan
phrase conversion (文件→檔案, 门户网站→入口網站) also need their mainland wording back; OpenCC's
tw2sp does that but rewrites ordinary words too (执行→运行, 效能→性能), so we apply only a short
list of phrases of our own, and only to text that was traditional.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import opencc

NO_CONVERSION = "none"
CONVERSION_NAME = "opencc:t2s+ogi-phrases-v1"

# Taiwan phrasing → the mainland wording of the original, after t2s. Only phrases that cannot be
# ordinary mainland wording, or that the tables' labels depend on.
_PHRASES = (
    ("入口网站", "门户网站"),
    ("最佳化", "优化"),
    ("规范性档案", "规范性文件"),
    ("政府档案", "政府文件"),
    ("政策档案", "政策文件"),
    ("档案属性", "文件属性"),
    ("拟发档案", "拟发文件"),
    ("创新套用", "创新应用"),
)

# The share of CJK characters t2s changes above which a text counts as traditional. Simplified
# text still changes in a handful of places (variant forms), so a few changes are not enough.
_TRADITIONAL_SHARE = 0.005

# Characters t2s changes that simplified text uses too (乾县, 乾安县): they say nothing about
# whether a text is traditional.
_ALSO_SIMPLIFIED = frozenset("乾")
# Place names t2s damages (乾 → 干), put back after converting.
_PLACE_NAMES = (("干县", "乾县"), ("干安县", "乾安县"))


@dataclass(frozen=True)
class Converted:
    text: str
    conversion: str  # NO_CONVERSION or CONVERSION_NAME
    changed_chars: int


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


_CJK = re.compile(r"[\u4e00-\u9fff]")


def to_simplified(text: str) -> Converted:
    simplified = _t2s().convert(text)
    changed = sum(1 for a, b in zip(text, simplified) if a != b and a not in _ALSO_SIMPLIFIED)
    cjk = len(_CJK.findall(text)) or 1
    if changed / cjk < _TRADITIONAL_SHARE:
        return Converted(text, NO_CONVERSION, 0)
    for taiwan, mainland in _PHRASES + _PLACE_NAMES:
        simplified = simplified.replace(taiwan, mainland)
    return Converted(simplified, CONVERSION_NAME, changed)
