"""Normalising printed labels so that one spelling matches however a report typeset it."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_QUOTES = re.compile(r"[“”\"'‘’「」『』]")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=8192)  # the same labels are normalised again for every table and template
def normalise_label(text: str) -> str:
    """NFKC (full-width brackets and colons to ASCII), no white space, no quotation marks.

    "（三）危及“三安全一稳定”" and "(三) 危及三安全一稳定" normalise alike; so do "商业 企业" and "商业企业".
    """
    text = unicodedata.normalize("NFKC", text)
    text = _QUOTES.sub("", text)
    return _SPACE.sub("", text).strip("|")


def compact(text: str) -> str:
    """The whole text normalised like a label, for searching for labels anywhere in a report."""
    return normalise_label(text)
