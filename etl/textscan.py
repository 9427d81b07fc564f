"""Finding where any of many words may start in a text, without a Python step per character.

Used by the longest-match scans (place names in etl/jurisdictions.py, Taiwan phrases in
etl/chinese.py): both look up a dictionary at every position, yet in a report only a few dozen of
its thousands of positions begin any word at all. Every word has at least two characters, so a
position can begin one only if its two characters begin one; those positions are found with
numpy, each pair of code points as one 64-bit number looked up in the sorted pairs of the words.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

_SHIFT = np.uint64(32)
_BMP = 0x10000


def code_points(text: str) -> np.ndarray:
    """The text's code points (uint32); a lone surrogate is one as well."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


class Pairs:
    """The two-character beginnings of a set of words."""

    def __init__(self, words: Iterable[str]):
        pairs = {(ord(word[0]), ord(word[1])) for word in words}
        self._codes = np.array(sorted((a << 32) | b for a, b in pairs), dtype=np.uint64)
        # Which characters begin a pair, and which end one, for the BMP: a cheap first sieve.
        # Characters beyond it are all let through (as U+FFFF) to the exact look-up.
        self._first = np.zeros(_BMP, dtype=bool)
        self._second = np.zeros(_BMP, dtype=bool)
        self._first[[min(a, _BMP - 1) for a, _ in pairs]] = True
        self._second[[min(b, _BMP - 1) for _, b in pairs]] = True
        self._first[_BMP - 1] = self._second[_BMP - 1] = True

    def starts(self, text: str) -> list[int]:
        """Every position p (ascending) where text[p:p+2] begins one of the words."""
        return self.starts_of(code_points(text)).tolist()

    def starts_of(self, points: np.ndarray) -> np.ndarray:
        """starts, given the text's code_points, as an array."""
        if len(points) < 2 or not len(self._codes):
            return np.zeros(0, dtype=np.intp)
        clipped = np.minimum(points, _BMP - 1)
        candidates = np.flatnonzero(self._first[clipped[:-1]] & self._second[clipped[1:]])
        if not len(candidates):
            return candidates
        pairs = (points[candidates].astype(np.uint64) << _SHIFT) | points[candidates + 1]
        index = np.searchsorted(self._codes, pairs)
        index[index == len(self._codes)] = 0
        return candidates[self._codes[index] == pairs]
