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


class Pairs:
    """The two-character beginnings of a set of words."""

    def __init__(self, words: Iterable[str]):
        codes = {(ord(word[0]) << 32) | ord(word[1]) for word in words}
        self._codes = np.array(sorted(codes), dtype=np.uint64)

    def starts(self, text: str) -> list[int]:
        """Every position p (ascending) where text[p:p+2] begins one of the words."""
        if len(text) < 2 or not len(self._codes):
            return []
        # UTF-32 is one code unit a character; surrogatepass keeps a lone surrogate one as well.
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
        pairs = (points[:-1] << _SHIFT) | points[1:]
        index = np.searchsorted(self._codes, pairs)
        index[index == len(self._codes)] = 0
        return np.flatnonzero(self._codes[index] == pairs).tolist()
