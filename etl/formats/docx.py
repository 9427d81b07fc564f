"""A Word (.docx) report → plain text the parser reads (etl.text_layout).

Paragraphs become lines; tables become the "pipe layout", one table row per line:
`规章 | 0 |  | 3 |`. A merged cell is printed once, at its origin (top-left); the grid positions it
covers are no cells at all, because the parser takes the value cells after a row label in order
and a covered position repeated or left as a blank would shift every value after it. A cell that
is really empty is printed as an empty field, never dropped, for the same reason.

The helpers `join_wrapped` and `pipe_row` are shared with etl.formats.pdf.
"""

from __future__ import annotations

import io
import re

from docx import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

_ASCII_LETTER = re.compile(r"[A-Za-z]")
_SPACE = re.compile(r"\s+")


def join_wrapped(lines: list[str]) -> str:
    """The lines of one cell (or of one wrapped label) as one line.

    Chinese has no spaces between words, so a line break inside a cell is no word boundary:
    "（二）部分公开（区分处理的，" + "不计其他情形）", or a vertical header "三、" "本" "年" … joins
    with nothing between. Only between two Latin letters is a space put back ("Total count");
    digits join directly, since a number wrapped in a narrow cell is still one number.
    """
    text = ""
    for line in lines:
        line = _SPACE.sub(" ", line).strip()
        if not line:
            continue
        if text and _ASCII_LETTER.match(text[-1]) and _ASCII_LETTER.match(line[0]):
            text += " "
        text += line
    return text


def pipe_row(cells: list[str]) -> str:
    """One table row in the pipe layout. A "|" inside a cell would split it, so it becomes "｜"."""
    return " | ".join(cell.replace("|", "｜") for cell in cells) + " |"


def _paragraph_text(p, parent) -> str:
    return Paragraph(p, parent).text


def _cell_text(tc, parent) -> str:
    # Every paragraph of the cell, including those of a table nested in it (rare; flattened).
    return join_wrapped([line for p in tc.iter(qn("w:p")) for line in _paragraph_text(p, parent).splitlines()])


def _cell_props(tc) -> tuple[bool, bool]:
    """(covered by a vertical merge, covered by a legacy horizontal merge) for one w:tc."""
    tc_pr = tc.find(qn("w:tcPr"))
    if tc_pr is None:
        return False, False
    # <w:vMerge/> without val, or val="continue", continues the merge begun above by val="restart".
    v_merge = tc_pr.find(qn("w:vMerge"))
    v_covered = v_merge is not None and v_merge.get(qn("w:val"), "continue") == "continue"
    # Old Word files merge horizontally with <w:hMerge/> instead of gridSpan.
    h_merge = tc_pr.find(qn("w:hMerge"))
    h_covered = h_merge is not None and h_merge.get(qn("w:val"), "continue") == "continue"
    return v_covered, h_covered


def _nearest(element, tag):
    """The closest ancestor of element with this tag."""
    parent = element.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent


def _table_lines(tbl, parent) -> list[str]:
    lines = []
    # iter() also finds rows and cells wrapped in content controls (w:sdt) or custom XML, and
    # those of tables nested in a cell; the nested ones are skipped here, their text is already
    # part of their outer cell.
    for tr in (tr for tr in tbl.iter(qn("w:tr")) if _nearest(tr, qn("w:tbl")) is tbl):
        tcs = [tc for tc in tr.iter(qn("w:tc")) if _nearest(tc, qn("w:tr")) is tr]
        # A horizontal span (gridSpan) is already one w:tc; only the vMerge / hMerge
        # continuations are positions covered by a merge, and they are no cells.
        cells = [_cell_text(tc, parent) for tc in tcs if not any(_cell_props(tc))]
        if cells:
            lines.append(pipe_row(cells))
    return lines


def _block_lines(element, parent) -> list[str]:
    """Lines of the body's children in document order: paragraphs and tables interleaved."""
    lines: list[str] = []
    for child in element:
        if child.tag == qn("w:p"):
            text = _paragraph_text(child, parent)
            # A soft line break (w:br) inside a paragraph is only layout; keep it one line.
            text = join_wrapped(text.splitlines())
            if text:
                lines.append(text)
        elif child.tag == qn("w:tbl"):
            lines.extend(_table_lines(child, parent))
        elif child.tag == qn("w:sdt"):  # a content control (e.g. a table of contents) wraps blocks
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                lines.extend(_block_lines(content, parent))
    return lines


def docx_to_text(data: bytes) -> str:
    """The text of a .docx file: paragraphs as lines, tables in the pipe layout, in document order.

    Raises ValueError when the bytes are not a readable .docx (an old .doc, a renamed file, a
    damaged zip).
    """
    try:
        document = Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises zip, XML, key or package errors alike
        raise ValueError(f"不是有效的 Word (.docx) 文件 / not a valid .docx file: {error}") from error
    return "\n".join(_block_lines(document.element.body, document)) + "\n"
