"""Cutting the text of a report into its sections and the table cells of a section.

Scraped reports arrive with one table cell per line, in two layouts seen so far:

- a "|" after each cell ("规章 |"), a bare "|" for a blank cell, and runs such as "||||" where the
  page had column spans (fillers, not cells); a line may also hold a whole row ("规章 | 0 | 0 |");
- cells between empty lines, a blank cell being a line of white space (often a no-break space).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import NamedTuple

from etl.labels import normalise_label
from etl.values import is_blank, looks_like_value

LABEL = "label"
VALUE = "value"


class Cell(NamedTuple):  # a named tuple, not a frozen dataclass: made ~300 times a report, twice as fast
    text: str  # as printed, trimmed
    kind: str  # LABEL or VALUE
    line_no: int  # 0-based line in the report text

    @property
    def is_blank_value(self) -> bool:
        return self.kind == VALUE and is_blank(self.text)


_FILLER = re.compile(r"^\|{2,}$")
# Cell._make without its length check (the fields are ours): a call in C, no Python frame.
_cell = partial(tuple.__new__, Cell)


def _is_pipe_layout(lines: list[str]) -> bool:
    # A few "|"-ended lines make a pipe-layout table even amid long narrative (a note, wrapped
    # paragraphs); in the blank-line layout no line ends with "|".
    marked = nonempty = 0
    for line in lines:
        line = line.rstrip()
        if line:
            nonempty += 1
            marked += line[-1] == "|"
    return marked >= 3 and marked / nonempty >= 0.1 or (marked > 0 and marked == nonempty)


def cells_of(lines: list[str], first_line_no: int = 0) -> list[Cell]:
    """The cells of a table region, in reading order."""
    cells: list[Cell] = []
    add = cells.append
    if not _is_pipe_layout(lines):
        for line_no, line in enumerate(lines, first_line_no):
            if line == "":
                continue  # the separator between cells
            text = line.strip()
            add(_cell((text, VALUE if looks_like_value(text) else LABEL, line_no)))
        return cells
    for line_no, line in enumerate(lines, first_line_no):
        stripped = line.strip()
        if stripped:
            for text, kind in _pipe_cells(stripped):
                add(_cell((text, kind, line_no)))
    return cells


@lru_cache(maxsize=8192)  # reports repeat their lines ("0 |", "|", "||||", the template's labels)
def _pipe_cells(stripped: str) -> tuple[tuple[str, str], ...]:
    """(text, kind) of each cell of a stripped, non-empty line of the pipe layout."""
    if stripped.find("|") == len(stripped) - 1:  # most lines: one cell, "规章 |", "0 |", "|"
        parts = [stripped[:-1]]
    elif " " not in stripped and _FILLER.match(stripped):
        return ()
    else:
        parts = stripped.split("|")
        if stripped.endswith("|"):
            parts = parts[:-1]
        if len(parts) > 1 and stripped.startswith("|") and stripped.strip("| "):
            parts = parts[1:]  # a markdown row "| 规章 | 0 |": the leading bar opens, it is no cell
    texts = [part.strip() for part in parts]
    return tuple((text, VALUE if looks_like_value(text) else LABEL) for text in texts)


# --- Sections ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    name: str  # "article20", "applications", "review_litigation"
    heading: str
    start: int  # first line after the heading
    end: int  # line of the next heading (exclusive)


# A heading is a short line that starts with its part's numeral and names the part. Row labels
# inside the applications table also start with 三、 and 四、, so the words matter.
_HEADINGS = (
    ("article20", re.compile(r"^[二2][、.．]\s*.{0,12}主动公开.{0,12}情况")),
    ("applications", re.compile(r"^[三3][、.．]\s*.{0,6}(收到|处理).{0,20}申请.{0,6}情况")),
    ("review_litigation", re.compile(r"^[四4][、.．]\s*.{0,20}(行政复议|行政诉讼)")),
    # Not "5.": the applications table's row labels are numbered "5.属于三类内部事务信息".
    ("problems", re.compile(r"^五[、.．]")),
    ("other", re.compile(r"^六[、.．]")),
)
_MAX_HEADING_CHARS = 40
_HEADING_NUMERAL = frozenset("二三四五六234２３４")  # what every heading above starts with
_LEADING_NOISE = " \t\u3000|“”\"'‘’「」『』"  # what normalise_label removes before it


# A line that is only white space and noise, or whose first character after the white space
# str.strip removes and the noise normalise_label removes is an ideograph or an ASCII letter or
# digit other than a heading's numeral: no heading (the common case, decided as _heading_start
# decides it, without a call).
_PLAIN_START = re.compile("\\s*[ \t\u3000|“”\"'‘’「」『』]*(?:$|(?![二三四五六234])[\u4e00-\u9fffA-Za-z0-9])")


def _heading_start(line: str) -> str | None:
    """The normalised start of a line that may be a heading, None for a line that cannot be one."""
    first = line[:1]
    if first not in _HEADING_NUMERAL and ("\u4e00" <= first <= "\u9fff" or first.isascii() and first.isalnum()):
        return None  # the common case, decided as below without stripping: no space, no noise first
    text = line.strip()
    if not text:
        return None
    # A heading may share its line with the text after it ("二、主动公开政府信息情况 2020年…"),
    # so only its start is matched.
    head = text[:_MAX_HEADING_CHARS]
    first = head.lstrip(_LEADING_NOISE)[:1]
    if first not in _HEADING_NUMERAL and not first.isspace() and (first.isascii() or "\u4e00" <= first <= "\u9fff"):
        # Most lines: NFKC leaves that first character alone and normalise_label does not remove
        # it, so no pattern can match.
        return None
    return normalise_label(head)


@lru_cache(maxsize=16384)  # a report repeats its lines ("|", "0 |", the template's labels)
def _line_heading_start(line: str) -> str | None:
    """_heading_start of a line, None at once for the lines _PLAIN_START decides."""
    return None if _PLAIN_START.match(line) else _heading_start(line)


def heading_starts(lines: list[str]) -> list[tuple[int, str]]:
    """(index, normalised start) of every line that may be a heading, for find_sections and
    repeated_sections to share."""
    start_of = _line_heading_start
    return [(index, start) for index, line in enumerate(lines) if (start := start_of(line)) is not None]


@lru_cache(maxsize=4096)
def _heading_names(start: str) -> tuple[str, ...]:
    """The names of _HEADINGS whose pattern matches a line's normalised start, in their order."""
    return tuple(name for name, pattern in _HEADINGS if pattern.match(start))


def find_sections(lines: list[str], starts: list[tuple[int, str]] | None = None) -> dict[str, Section]:
    """The three table sections, each running to the next heading found after it. `starts`:
    heading_starts(lines), if already known."""
    found: list[tuple[int, str, str]] = []
    for index, start in heading_starts(lines) if starts is None else starts:
        for name in _heading_names(start):
            if name not in {f[1] for f in found}:
                found.append((index, name, lines[index].strip()))
                break
    found.sort()
    sections: dict[str, Section] = {}
    for position, (index, name, heading) in enumerate(found):
        end = found[position + 1][0] if position + 1 < len(found) else len(lines)
        if name in ("article20", "applications", "review_litigation"):
            sections[name] = Section(name, heading, index + 1, end)
    return sections


def repeated_sections(
    lines: list[str], sections: dict[str, Section], starts: list[tuple[int, str]] | None = None
) -> dict[str, Section]:
    """A second copy of a table section (a report pasted twice, a table printed again in an
    annex), each running to the next heading of any kind after it. find_sections reads the first
    copy; the caller compares the second, so that a copy with other numbers is not ignored."""
    headings = [
        (index, name)
        for index, start in (heading_starts(lines) if starts is None else starts)
        for name in _heading_names(start)
    ]
    repeats: dict[str, Section] = {}
    for position, (index, name) in enumerate(headings):
        first = sections.get(name)
        if first is None or index < first.end or name in repeats:
            continue
        end = headings[position + 1][0] if position + 1 < len(headings) else len(lines)
        repeats[name] = Section(name, lines[index].strip(), index + 1, end)
    return repeats
