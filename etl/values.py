"""Reading one printed table cell: a count, a signed change, money with its unit, or a blank."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

# Printed forms that mean "nothing here": the value is unknown (NULL), never zero.
BLANK_MARKS = frozenset({"", "-", "--", "—", "——", "–", "/", "\\", "无", "空", "―"})

_NUMBER = re.compile(
    r"^(?P<sign>[+\-])?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?(?P<unit>亿元|万元|元)?$"
)

WAN_YUAN = "万元"
YUAN = "元"
YI_YUAN = "亿元"


@dataclass(frozen=True)
class CellValue:
    value: Decimal | None
    unit: str | None  # the money unit printed in the cell, if any
    understood: bool  # False when the text is neither a number nor a blank mark


_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=8192)  # a report repeats the same few cell texts ("0", "", "1"…) hundreds of times
def _clean(raw: str) -> str:
    # NFKC folds full-width digits and signs (１２, ＋３, －４０) into ASCII.
    text = unicodedata.normalize("NFKC", raw)
    text = text.replace("−", "-")
    return _SPACE.sub("", text)


def is_blank(raw: str) -> bool:
    return _clean(raw) in BLANK_MARKS


@lru_cache(maxsize=8192)
def looks_like_value(raw: str) -> bool:
    """True for text that can sit in a value cell: a number (with sign or money unit) or a blank mark."""
    cleaned = _clean(raw)
    return cleaned in BLANK_MARKS or _NUMBER.match(cleaned) is not None


@lru_cache(maxsize=8192)  # immutable result; a report repeats the same cell texts
def parse_value(raw: str | None) -> CellValue:
    if raw is None:
        return CellValue(None, None, True)
    cleaned = _clean(raw)
    if cleaned in BLANK_MARKS:
        return CellValue(None, None, True)
    match = _NUMBER.match(cleaned)
    if not match:
        return CellValue(None, None, False)
    digits = match["int"].replace(",", "")
    if match["frac"]:
        digits += "." + match["frac"]
    value = Decimal(digits)
    if match["sign"] == "-":
        value = -value
    return CellValue(value, match["unit"], True)


def to_wan_yuan(value: Decimal | None, unit: str | None) -> Decimal | None:
    """Money in 万元 (10,000 yuan) whatever unit was printed; a missing unit means 万元 was implied."""
    if value is None:
        return None
    if unit == YUAN:
        return _plain(value / Decimal(10000))
    if unit == YI_YUAN:
        return _plain(value * Decimal(10000))
    return value


def _plain(value: Decimal) -> Decimal:
    # 251000元 → 25.1, not 25.1000: keep the exact value without padding zeros.
    normalized = value.normalize()
    return normalized if normalized.as_tuple().exponent <= 0 else normalized.quantize(Decimal(1))
