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
import posixpath
import re
import zipfile

from lxml import etree

from etl.limits import Limits, from_env

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


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOCUMENT = "/officeDocument"  # the package relationship type naming the main part


def qn(tag: str) -> str:
    """"w:tc" → its Clark name."""
    return _W + tag.split(":", 1)[1]


_P, _R, _HYPERLINK, _T, _TAB, _PTAB, _BR, _CR, _NB_HYPHEN = (
    qn(t) for t in ("w:p", "w:r", "w:hyperlink", "w:t", "w:tab", "w:ptab", "w:br", "w:cr", "w:noBreakHyphen"))
_BR_TYPE = qn("w:type")
_TBL, _TR, _TC, _TC_PR, _V_MERGE, _H_MERGE, _VAL, _SDT, _SDT_CONTENT = (
    qn(t) for t in ("w:tbl", "w:tr", "w:tc", "w:tcPr", "w:vMerge", "w:hMerge", "w:val", "w:sdt", "w:sdtContent"))

# Untrusted XML: no entity expansion (billion laughs), no DTD or external entity loading (XXE),
# no network, and libxml2's default depth and size limits (huge_tree off), so that deeply
# nested markup is refused with an error instead of exhausting the stack.
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)


def _run_text(run) -> str:
    # As python-docx's Run.text: w:t text, tabs, a line break (w:br of type textWrapping, the
    # default; page and column breaks are no text), w:cr, and a non-breaking hyphen.
    out = []
    for child in run:
        tag = child.tag
        if tag == _T:
            out.append(child.text or "")
        elif tag == _TAB or tag == _PTAB:
            out.append("\t")
        elif tag == _BR:
            if child.get(_BR_TYPE, "textWrapping") == "textWrapping":
                out.append("\n")
        elif tag == _CR:
            out.append("\n")
        elif tag == _NB_HYPHEN:
            out.append("-")
    return "".join(out)


def _paragraph_text(p, parent=None) -> str:
    """A paragraph's text: its runs and those of its hyperlinks (python-docx's Paragraph.text)."""
    out = []
    for child in p:
        if child.tag == _R:
            out.append(_run_text(child))
        elif child.tag == _HYPERLINK:
            out.extend(_run_text(r) for r in child if r.tag == _R)
    return "".join(out)


def _cell_text(tc, parent) -> str:
    # Every paragraph of the cell, including those of a table nested in it (rare; flattened).
    return join_wrapped([line for p in tc.iter(_P) for line in _paragraph_text(p, parent).splitlines()])


def _cell_props(tc) -> tuple[bool, bool]:
    """(covered by a vertical merge, covered by a legacy horizontal merge) for one w:tc."""
    # (iterchildren with a tag filters in C; find() goes through lxml's Python ElementPath.)
    tc_pr = next(tc.iterchildren(_TC_PR), None)
    if tc_pr is None:
        return False, False
    # <w:vMerge/> without val, or val="continue", continues the merge begun above by val="restart".
    v_merge = next(tc_pr.iterchildren(_V_MERGE), None)
    v_covered = v_merge is not None and v_merge.get(_VAL, "continue") == "continue"
    # Old Word files merge horizontally with <w:hMerge/> instead of gridSpan.
    h_merge = next(tc_pr.iterchildren(_H_MERGE), None)
    h_covered = h_merge is not None and h_merge.get(_VAL, "continue") == "continue"
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
    for tr in (tr for tr in tbl.iter(_TR) if _nearest(tr, _TBL) is tbl):
        tcs = [tc for tc in tr.iter(_TC) if _nearest(tc, _TR) is tr]
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
        tag = child.tag
        if tag == _P:
            text = _paragraph_text(child, parent)
            # A soft line break (w:br) inside a paragraph is only layout; keep it one line.
            text = join_wrapped(text.splitlines())
            if text:
                lines.append(text)
        elif tag == _TBL:
            lines.extend(_table_lines(child, parent))
        elif tag == _SDT:  # a content control (e.g. a table of contents) wraps blocks
            content = child.find(_SDT_CONTENT)
            if content is not None:
                lines.extend(_block_lines(content, parent))
    return lines


def docx_to_text(data: bytes, limits: Limits | None = None) -> str:
    """The text of a .docx file: paragraphs as lines, tables in the pipe layout, in document order.

    Raises ValueError when the bytes are not a readable .docx (an old .doc, a renamed file, a
    damaged zip, markup nested too deep) and when its members would unpack to more than
    Limits.max_unpacked_bytes (a zip bomb).
    """
    body = _document_body(data, limits or from_env())
    return "\n".join(_block_lines(body, None)) + "\n"


def _document_body(data: bytes, limits: Limits):
    invalid = "不是有效的 Word (.docx) 文件 / not a valid .docx file"
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ValueError(f"{invalid}: {error}") from error
    with archive:
        # The sizes the zip declares, before anything is unpacked; reading is capped too, in
        # case a member unpacks to more than it declares.
        if sum(info.file_size for info in archive.infolist()) > limits.max_unpacked_bytes:
            raise ValueError(limits.unpacked_too_large())
        name = _main_part(archive, limits, invalid)
        xml = _read_member(archive, name, limits, invalid)
    try:
        root = etree.fromstring(xml, XML_PARSER)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"{invalid}: {name}: {error}") from error
    body = root.find(qn("w:body")) if root.tag == qn("w:document") else None
    if body is None:
        raise ValueError(f"{invalid}: {name} 不是 Word 正文 / is no Word document body")
    return body


def _read_member(archive: zipfile.ZipFile, name: str, limits: Limits, invalid: str) -> bytes:
    try:
        with archive.open(name) as member:
            content = member.read(limits.max_unpacked_bytes + 1)
    except KeyError as error:
        raise ValueError(f"{invalid}: 缺少 {name} / {name} is missing") from error
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        raise ValueError(f"{invalid}: {name}: {error}") from error  # damaged, encrypted, odd compression
    if len(content) > limits.max_unpacked_bytes:
        raise ValueError(limits.unpacked_too_large())
    return content


def _main_part(archive: zipfile.ZipFile, limits: Limits, invalid: str) -> str:
    """The main document part named by the package relationships (word/document.xml as a rule)."""
    if "_rels/.rels" not in archive.namelist():
        if "word/document.xml" in archive.namelist():
            return "word/document.xml"
        raise ValueError(f"{invalid}: 没有 _rels/.rels / no package relationships")
    try:
        rels = etree.fromstring(_read_member(archive, "_rels/.rels", limits, invalid), XML_PARSER)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"{invalid}: _rels/.rels: {error}") from error
    for rel in rels.iter(_REL + "Relationship"):
        if (rel.get("Type") or "").endswith(_OFFICE_DOCUMENT) and rel.get("TargetMode") != "External":
            target = posixpath.normpath((rel.get("Target") or "").lstrip("/"))
            if target in archive.namelist():
                return target
    raise ValueError(f"{invalid}: 包中没有 Word 正文 / the package has no main document part")
