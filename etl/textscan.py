"""Finding where any of many words may start in a text, without a Python step per character.

Used by the longest-match scans (place names in etl/jurisdictions.py, Taiwan phrases in
etl/chinese.py): both look up a dictionary at every position, yet in a report only a few dozen of
its thousands of positions begin any word at all. Every word has at least two characters, so a
position can begin one only if its two characters begin one.
"""

from __future__ import annotations

from operator import add


def pair_starts(text: str, pairs: frozenset[str]) -> list[int]:
    """Every position p (ascending) where text[p:p+2] is in `pairs` (two-character strings)."""
    # The text's distinct pairs, made and intersected in C; then only those are looked for.
    found = pairs.intersection(map(add, text, text[1:]))
    if not found:
        return []
    starts: list[int] = []
    for pair in found:
        position = text.find(pair)
        while position >= 0:
            starts.append(position)
            position = text.find(pair, position + 1)
    starts.sort()
    return starts
