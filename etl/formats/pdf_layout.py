"""Page geometry → ruled tables and text lines: the layout half of the PDF reader (etl.formats.pdf).

Pure functions on characters (text and box) and ruling-line edges, in page coordinates measured
from the top left like a reader looks at the page (`top` grows downwards). The PDF library only
supplies those; everything here can be tested with hand-made boxes.

The rules are those of pdfplumber's "lines" table strategy and its text lines (its defaults:
snap, join and intersection tolerance 3 pt, edges shorter than 3 pt dropped, characters more
than 3 pt apart start a new word, tops within 3 pt make one line), which the reader used before
and every fixture was checked against; re-implemented here without the O(n²) scans, since a page
of a report has hundreds of grid points.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from operator import attrgetter
from dataclasses import dataclass, field

import numpy as np

SNAP = 3.0  # edges this close to one line are one line (double rules, slightly offset borders)
JOIN = 3.0  # collinear edges with a gap this small are one edge
MIN_EDGE = 3.0  # shorter edges are no ruling (tick marks, the short sides of a thin filled bar)
TOUCH = 3.0  # a vertical and a horizontal edge this close meet at a grid point
WORD_GAP = 3.0  # a wider gap between two characters starts a new word
LINE_TOP = 3.0  # characters whose tops are this close stand on one line


class Char:
    """One character of the text layer and its box."""

    __slots__ = ("text", "x0", "x1", "top", "bottom", "size")

    def __init__(self, text: str, x0: float, x1: float, top: float, bottom: float, size: float):
        # One assignment a field: about 40% faster than one tuple assignment (a page makes
        # thousands of these).
        self.text = text
        self.x0 = x0
        self.x1 = x1
        self.top = top
        self.bottom = bottom
        self.size = size

    def __repr__(self) -> str:
        return f"Char({self.text!r}, {self.x0:.1f}, {self.x1:.1f}, {self.top:.1f}, {self.bottom:.1f}, {self.size:g})"


@dataclass
class Line:
    """A line of text: its words joined by single spaces, its box and its (non-blank) characters."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    chars: list[Char] = field(repr=False)


# --- Characters ---------------------------------------------------------------------------------


# Sort keys as C-level getters (a Python key function costs more than the sort's comparisons).
_top = attrgetter("top")
_text = attrgetter("text")


def dedupe_chars(chars: list[Char], tolerance: float = 1.0) -> list[Char]:
    """Characters printed twice at (nearly) the same place — fake bold, a shadow — once (the
    first printed), in the original order; otherwise every character of a bold heading would
    come out twice."""
    dropped = _twins_dropped(chars, _suspects(chars, tolerance), tolerance)
    if not dropped:
        return chars
    return [c for i, c in enumerate(chars) if i not in dropped]


def _suspects(chars: list[Char], tolerance: float) -> range | list[int]:
    """The indexes of the characters that may have a twin (all of them, or a few).

    Twins have the same text and tops within the tolerance: as numbers text-then-top
    (code point × 65536 + top) they are within the tolerance, and so is each key between them
    in sorted order. Only characters next to a key that close can have a twin, and only if
    their lefts are within the tolerance; sorting plain numbers is much cheaper than sorting the
    exact keys of every character.
    """
    count = len(chars)
    texts = list(map(_text, chars))
    joined = "".join(texts)
    if len(joined) != count or "" in texts:  # a text of several characters (hand-made boxes)
        return range(count)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), np.uint32)
    keys = codes * 65536.0 + np.fromiter(map(_top, chars), np.float64, count)
    if np.isnan(keys.sum()):  # NaN: no order to rely on
        return range(count)
    order = np.argsort(keys, kind="stable")  # stable, as sorted() is
    limit = tolerance + 0.001  # the keys' rounding is far below
    close = np.flatnonzero(np.diff(keys[order]) <= limit)
    if not len(close):
        return []
    # Runs of close keys (the same character repeated on a line, mostly): twins are in one run,
    # and their lefts are within the tolerance too, so are two lefts next to each other in order.
    linked = np.zeros(count, dtype=bool)  # position p's key is close to that of p - 1
    linked[close + 1] = True
    members = np.flatnonzero(linked | np.append(linked[1:], False))  # the positions in runs
    run = np.cumsum(~linked[members])  # each member's run number
    indexes = order[members]
    lefts = np.array([chars[i].x0 for i in indexes.tolist()], dtype=np.float64)
    # By run, then left (a NaN left, never a twin's, last in its run, next to no other left).
    by_left = np.lexsort((lefts, run))
    near = (np.diff(lefts[by_left]) <= limit) & (np.diff(run[by_left]) == 0)
    if not near.any():
        return []
    return sorted(indexes[np.isin(run, run[by_left][1:][near])].tolist())


def _twins_dropped(chars: list[Char], suspects, tolerance: float) -> set[int]:
    """The later printed of each pair of twins among the suspects (indexes into chars)."""
    if not suspects:
        return set()
    # Sorted by text, then top: a character's twins follow it within the tolerance of its top.
    keys = sorted([(chars[i].text, chars[i].top, chars[i].x0, chars[i].size, i) for i in suspects])
    count = len(keys)
    dropped: set[int] = set()
    for k in range(count):
        text, top, x0, size, i = keys[k]
        if i in dropped:
            continue
        j = k + 1
        while j < count:
            other = keys[j]
            if other[0] != text or other[1] - top > tolerance:
                break
            if abs(other[2] - x0) <= tolerance and abs(other[3] - size) < 0.05:
                # Of two twins, the later one printed goes (whichever the sort put first).
                dropped.add(max(i, other[4]))
                if other[4] < i:
                    break
            j += 1
    return dropped


_left_then_top = attrgetter("x0", "top")


def _clusters(values: list[float], tolerance: float) -> dict[float, int]:
    """Cluster number of each value: sorted values closer than tolerance to the previous one
    share its cluster (a chain, like pdfplumber's cluster_list)."""
    out: dict[float, int] = {}
    last = None
    number = -1
    for value in sorted(set(values)):
        if last is None or value > last + tolerance:
            number += 1
        out[value] = number
        last = value
    return out


def _line_groups(chars: list[Char]) -> list[list[Char]]:
    """The characters in lines, top to bottom: tops sorted, a top more than LINE_TOP below the
    previous one starts a new line (a chain, like pdfplumber's cluster_list)."""
    groups: list[list[Char]] = []
    last = None
    for char in sorted(chars, key=_top):
        if last is None or char.top > last + LINE_TOP:
            group = [char]
            groups.append(group)
        else:
            group.append(char)
        last = char.top
    return groups


def text_lines(chars: list[Char]) -> list[Line]:
    """The characters as lines, top to bottom; in a line words are left to right, one space
    between words (a blank character or a gap wider than WORD_GAP ends a word)."""
    if not chars:
        return []
    lines = []
    for group in _line_groups(chars):
        line_chars: list[Char] = []
        text: list[str] = []
        previous = None  # the last character of the current word; None after a blank
        x0 = x1 = top = bottom = None
        if len(group) > 1:
            group.sort(key=_left_then_top)
        for char in group:
            if char.text.isspace():
                previous = None
                continue
            # Sorted by x0, a character never starts left of the one before it.
            if line_chars:
                if previous is None or char.x0 > previous.x1 + WORD_GAP or abs(char.top - previous.top) > LINE_TOP:
                    text.append(" ")
                if char.x1 > x1:
                    x1 = char.x1
                if char.top < top:
                    top = char.top
                if char.bottom > bottom:
                    bottom = char.bottom
            else:
                x0, x1, top, bottom = char.x0, char.x1, char.top, char.bottom
            text.append(char.text)
            line_chars.append(char)
            previous = char
        if line_chars:
            lines.append(Line("".join(text), x0, x1, top, bottom, line_chars))
    return lines


def line_texts(chars: list[Char]) -> list[str]:
    """[line.text for line in text_lines(chars)], without the lines' boxes: a table cell's
    text (a page's tables have hundreds of cells, most of one short line)."""
    if len(chars) < 2:
        if not chars or chars[0].text.isspace():
            return []
        return [chars[0].text]
    out = []
    for group in _line_groups(chars):
        text: list[str] = []
        previous = None
        if len(group) > 1:
            group.sort(key=_left_then_top)
        for char in group:
            if char.text.isspace():
                previous = None
                continue
            if text and (previous is None or char.x0 > previous.x1 + WORD_GAP
                         or abs(char.top - previous.top) > LINE_TOP):
                text.append(" ")
            text.append(char.text)
            previous = char
        if text:
            out.append("".join(text))
    return out


# --- Ruling lines → tables ----------------------------------------------------------------------


@dataclass
class Edge:
    """A horizontal (at = its top, from x0 to x1) or vertical (at = its x, from top to bottom)
    ruling line."""

    horizontal: bool
    at: float
    start: float
    end: float


def _snap(edges: list[Edge]) -> None:
    """Edges of one orientation whose positions chain within SNAP move to their average."""
    cluster_of = _clusters([e.at for e in edges], SNAP)
    members: dict[int, list[Edge]] = {}
    for edge in edges:
        members.setdefault(cluster_of[edge.at], []).append(edge)
    for group in members.values():
        average = sum(e.at for e in group) / len(group)
        for edge in group:
            edge.at = average


def _join(edges: list[Edge]) -> list[Edge]:
    """Collinear edges that touch or overlap (within JOIN) as one."""
    joined: list[Edge] = []
    for edge in sorted(edges, key=lambda e: (e.at, e.start)):
        last = joined[-1] if joined else None
        if last is not None and last.at == edge.at and edge.start <= last.end + JOIN:
            last.end = max(last.end, edge.end)
        else:
            joined.append(Edge(edge.horizontal, edge.at, edge.start, edge.end))
    return joined


def merge_edges(edges: list[Edge]) -> tuple[list[Edge], list[Edge]]:
    """(horizontal, vertical) ruling lines after snapping, joining and dropping short ones."""
    out = []
    for horizontal in (True, False):
        group = [Edge(e.horizontal, e.at, e.start, e.end) for e in edges
                 if e.horizontal == horizontal and e.end - e.start >= 1]
        _snap(group)
        out.append([e for e in _join(group) if e.end - e.start >= MIN_EDGE])
    return out[0], out[1]


Box = tuple[float, float, float, float]  # x0, top, x1, bottom


def find_cells(horizontals: list[Edge], verticals: list[Edge]) -> list[Box]:
    """The grid's cells: for each grid point, the smallest rectangle to a point below and a point
    to the right whose four sides are each drawn by one edge."""
    # Grid point (x, y) → the indexes of the edges through it.
    points: dict[tuple[float, float], tuple[set[int], set[int]]] = {}
    by_top = sorted(range(len(horizontals)), key=lambda i: horizontals[i].at)
    tops = [horizontals[i].at for i in by_top]
    for vi, v in enumerate(verticals):
        lo = bisect_left(tops, v.start - TOUCH)
        for k in range(lo, len(tops)):
            h = horizontals[by_top[k]]
            if h.at > v.end + TOUCH:
                break
            if h.start - TOUCH <= v.at <= h.end + TOUCH:
                vs, hs = points.setdefault((v.at, h.at), (set(), set()))
                vs.add(vi)
                hs.add(by_top[k])
    column: dict[float, list[float]] = {}  # x → the ys of its points, ascending
    row: dict[float, list[float]] = {}  # y → the xs of its points, ascending
    ordered = sorted(points)
    for x, y in ordered:
        column.setdefault(x, []).append(y)
        row.setdefault(y, []).append(x)

    # Two points are joined when one edge runs through both (their edge sets meet).
    cells = []
    for x, y in ordered:
        p_vertical, p_horizontal = points[(x, y)]
        ys, xs = column[x], row[y]
        below = ys[bisect_right(ys, y):]
        right = xs[bisect_right(xs, x):]
        found = None
        for by in below:
            b_vertical, b_horizontal = points[(x, by)]
            if p_vertical.isdisjoint(b_vertical):
                continue
            for rx in right:
                r_vertical, r_horizontal = points[(rx, y)]
                if p_horizontal.isdisjoint(r_horizontal):
                    continue
                corner = points.get((rx, by))
                if corner is not None and not corner[0].isdisjoint(r_vertical) \
                        and not corner[1].isdisjoint(b_horizontal):
                    found = (x, y, rx, by)
                    break
            if found:
                break
        if found:
            cells.append(found)
    return cells


class Table:
    """A ruled table: its cells, rows of cells (None where a merged cell covers a position)."""

    def __init__(self, cells: list[Box]):
        self.cells = cells
        self.bbox: Box = (min(c[0] for c in cells), min(c[1] for c in cells),
                          max(c[2] for c in cells), max(c[3] for c in cells))

    def rows(self) -> list[list[Box | None]]:
        xs = sorted({c[0] for c in self.cells})
        by_top: dict[float, dict[float, Box]] = {}
        for cell in sorted(self.cells, key=lambda c: (c[1], c[0])):
            by_top.setdefault(cell[1], {})[cell[0]] = cell
        return [[cells.get(x) for x in xs] for _top, cells in sorted(by_top.items())]

    def extract(self, chars: list[Char], centres: Centres | None = None) -> list[list[str | None]]:
        """Each row's cells as text (lines joined by "\\n"): "" for a blank cell, None for a
        position a merged cell covers. A character belongs to the cell its centre is in.
        `centres`: Centres(chars), when the caller has it already (several tables on a page)."""
        centres = centres or Centres(chars)
        centred, heights = centres.centred, centres.heights
        out = []
        for row in self.rows():
            real = [c for c in row if c is not None]
            top, bottom = min(c[1] for c in real), max(c[3] for c in real)
            x0, x1 = min(c[0] for c in real), max(c[2] for c in real)
            band = centred[bisect_left(heights, top):bisect_left(heights, bottom)]
            row_chars = sorted([(h, v, i) for v, h, i in band if x0 <= h < x1])
            lefts = [h for h, _v, _i in row_chars]
            texts: list[str | None] = []
            for cell in row:
                if cell is None:
                    texts.append(None)
                    continue
                column = row_chars[bisect_left(lefts, cell[0]):bisect_left(lefts, cell[2])]
                inside = sorted([i for _h, v, i in column if cell[1] <= v < cell[3]])
                texts.append("\n".join(line_texts([chars[i] for i in inside])))
            out.append(texts)
        return out


class Centres:
    """The centres of a page's characters, (vertical, horizontal, index) sorted, for taking the
    characters of a band of the page by bisection."""

    def __init__(self, chars: list[Char]):
        self.centred = sorted([((c.top + c.bottom) / 2, (c.x0 + c.x1) / 2, i) for i, c in enumerate(chars)])
        self.heights = [v for v, _h, _i in self.centred]

    def inside(self, box: Box) -> list[int]:
        """The indexes of the characters whose centre is in the box (its edges included)."""
        x0, top, x1, bottom = box
        band = self.centred[bisect_left(self.heights, top):bisect_right(self.heights, bottom)]
        return [i for _v, h, i in band if x0 <= h <= x1]


def find_tables(edges: list[Edge]) -> list[Table]:
    """The ruled tables among the edges, top to bottom: cells sharing a corner are one table;
    a lone cell is a frame, not a table."""
    cells = find_cells(*merge_edges(edges))
    # Connected components over shared corners (union–find on corner points, roots found inline:
    # a page's grid has hundreds of corners).
    parent = list(range(len(cells)))
    owner: dict[tuple[float, float], int] = {}
    for i, (x0, top, x1, bottom) in enumerate(cells):
        for corner in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
            a = b = owner.setdefault(corner, i)
            if b == i:
                continue
            a = i
            while parent[a] != a:
                parent[a] = a = parent[parent[a]]
            while parent[b] != b:
                parent[b] = b = parent[parent[b]]
            parent[a] = b
    groups: dict[int, list[Box]] = {}
    for i, cell in enumerate(cells):
        a = i
        while parent[a] != a:
            parent[a] = a = parent[parent[a]]
        groups.setdefault(a, []).append(cell)
    tables = [Table(group) for group in groups.values() if len(group) > 1]
    return sorted(tables, key=lambda t: min((c[1], c[0]) for c in t.cells))
