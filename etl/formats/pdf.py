"""A PDF report's text layer → plain text the parser reads (etl.text_layout). No OCR.

Extractor: PDFium (pypdfium2), for every character its text and box and for every path its
straight segments (the ruling lines); etl.formats.pdf_layout turns those into ruled tables and
text lines, by the rules pdfplumber's "lines" table strategy used (pdfplumber was the reader
before: it gives the same cells, but parsing the PDF in pure Python took 0.07–0.25 s a page).
On the same files and machine it reads 9–11 times faster than the pdfplumber reader
(benchmarks/throughput.py; figures in benchmarks/README.md).

Per page:
- tables with ruling lines become rows in the pipe layout, `规章 | 0 |  | 3 |`: a blank cell is an
  empty field, a covered position is no cell, the lines of one cell (a wrapped label, a vertical
  header "三、/本/年/度…") are joined into one;
- the other text becomes lines in reading order with the tables; runs of lines whose words stand
  in separate columns (a table printed without lines) are read as a table by the columns they
  align on;
- page numbers and footers ("- 3 -", "第3页 共10页", "3 / 10", a bare number at the page bottom)
  are dropped: inside a table region the parser would take a bare "3" for a value cell.

A table broken across pages is simply read on: its rows continue on the next page (a header row
printed again is harmless, the parser matches rows by their labels).

Refused with a reason (ValueError): bytes that are no PDF, an encrypted PDF, more pages than
Limits.max_pdf_pages, a PDF without a text layer (a scan), and a text layer whose fonts have no
Unicode mapping (a CID font with Identity encoding and no ToUnicode map: PDFium can only give
glyph numbers, which read as random characters).
"""

from __future__ import annotations

import ctypes
import functools
import operator
import re
import threading
import types
from itertools import compress, repeat

import numpy as np

from etl.formats.docx import join_wrapped, pipe_row
from etl.formats.pdf_layout import Centres, Char, Edge, Line, dedupe_chars, find_tables, text_lines
from etl.limits import Limits, from_env

_size = operator.attrgetter("size")

# "- 3 -", "— 3 —", "第 3 页", "第3页 共10页", "共10页 第3页", "3 / 10", "Page 3 of 10" (spaces removed).
_FOOTER = re.compile(
    r"^(?:[-—–－─]+\d+[-—–－─]+|第\d+页(?:[,，/]?共\d+页)?|共\d+页[,，/]?第\d+页|\d+/\d+|page\d+(?:of\d+)?)$",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"^\d{1,4}$")
_BOTTOM = 0.85  # a bare number below this fraction of the page height is a page number
_COLUMN_GAP = 1.5  # a gap wider than this many character heights separates two cells on a line
# Between two Chinese characters a space in a PDF is only a wider gap: justified or spread-out
# cells ("自  然  人"), never a word boundary.
_CJK_SPACE = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])")
# A line starting like a heading or list item is never the continuation of the line above.
_HEADING_START = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．])")

# PDFium is not thread-safe, and the flows may read reports on threads: one PDF at a time per process.
_PDFIUM = threading.Lock()
_MAX_NESTING = 16  # form XObjects inside form XObjects: deeper is no real document


def pdf_to_text(data: bytes, limits: Limits | None = None) -> str:
    """The text of a PDF's text layer: text as lines, tables in the pipe layout, page by page;
    the join of pdf_pages(data)."""
    return "".join(pdf_pages(data, limits))


def pdf_pages(data: bytes, limits: Limits | None = None) -> list[str]:
    """Each page's text, in page order: its lines, each ending in "\\n" ("" for a page without
    text), so that a page's first line number in pdf_to_text is 1 + the lines of the pages before.

    Raises ValueError for bytes that are not a readable PDF, more pages than the limit, and a PDF
    without a usable text layer (a scan, which would need OCR, or fonts without Unicode mapping).
    """
    limits = limits or from_env()
    with _PDFIUM:  # only the PDFium calls; the layout of the pages runs outside the lock
        _require_cjk_font()
        contents = list(_read_pages(data, limits))
    pages = [_page_text(content) for content in contents]
    chars = sum(p.chars for p in pages)
    if chars == 0:
        raise ValueError("PDF 没有文字层（可能是扫描件，需要 OCR）/ PDF has no text layer (a scan? OCR needed)")
    undecodable = sum(p.undecodable for p in pages)
    if undecodable > chars / 10:
        raise ValueError(
            f"PDF 的文字层无法解码：{undecodable} / {chars} 个字符的字体缺少 Unicode 映射（ToUnicode），"
            "读出来会是乱码 / PDF text layer cannot be decoded (fonts without a ToUnicode map)")
    return ["".join(line + "\n" for line in p.lines) for p in pages]


@functools.lru_cache(maxsize=1)
def _cjk_font_problem() -> str | None:
    """Why this machine cannot read Chinese PDFs correctly, or None.

    PDFium drops a text object whose glyph box is empty, and a glyph of a font the PDF does not
    embed (common: 宋体, reportlab's STSong-Light) is taken from a system font; without a Chinese
    system font every text object of one Chinese character ("三" of a vertical header, the "减"
    of a wrapped "本年增/减") silently disappears. Checked once per process on a one-character
    PDF built here.
    """
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(_one_character_pdf())
    try:
        page = document[0]
        text = page.get_textpage().get_text_range()
    finally:
        document.close()
    if "三" in text:
        return None
    return ("本机没有中文字体，PDFium 会丢失未嵌入字体的单字文本，无法正确读取 PDF；"
            "请安装中文字体（Debian/Ubuntu: apt-get install fonts-wqy-microhei）"
            " / no Chinese system font: PDFium would drop text of non-embedded Chinese fonts")


def _require_cjk_font() -> None:
    problem = _cjk_font_problem()
    if problem:
        raise ValueError(problem)


def _one_character_pdf() -> bytes:
    """A PDF printing "三" in the non-embedded CID font STSong-Light (UniGB-UCS2-H)."""
    content = b"BT /F1 12 Tf 72 700 Td <4E09> Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo"
        b" << /Registry (Adobe) /Ordering (GB1) /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 4 /FontBBox [0 -141 1000 859]"
        b" /ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 859 /StemV 80 >>",
    ]
    return build_pdf(objects)


def build_pdf(objects: list[bytes]) -> bytes:
    """A PDF file from its objects' bodies (object 1 is the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


class _Page:
    __slots__ = ("lines", "chars", "undecodable")

    def __init__(self, lines: list[str], chars: int, undecodable: int):
        self.lines, self.chars, self.undecodable = lines, chars, undecodable


def _read_pages(data: bytes, limits: Limits):
    """(chars, edges, width, height, undecodable) of each page, read with PDFium."""
    import pypdfium2 as pdfium

    if not data.lstrip()[:1024].startswith(b"%PDF") and b"%PDF" not in data[:1024]:
        raise ValueError("不是有效的 PDF 文件 / not a valid PDF file: no %PDF header")
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise ValueError("PDF 文件已加密，需要密码才能打开 / the PDF is encrypted (password required)") from error
        raise ValueError(f"不是有效的 PDF 文件 / not a valid PDF file: {error}") from error
    api = _api()
    try:
        count = len(document)
        if count > limits.max_pdf_pages:
            raise ValueError(limits.too_many_pages(count))
        handle = ctypes.cast(document.raw, ctypes.c_void_p).value
        for index in range(count):
            page = api.load_page(handle, index)
            if not page:
                raise pdfium.PdfiumError("Failed to load page.")
            try:
                yield _page_content(page, api)
            finally:
                api.close_page(page)
    finally:
        document.close()


@functools.lru_cache(maxsize=1)
def _api() -> types.SimpleNamespace:
    """The PDFium functions the reader calls, as plain prototypes (handles and pointers as
    integers) on pypdfium2's entry points.

    Most are called once per character or path segment; pypdfium2's bindings check each argument
    against its pointer type, which costs about as much as PDFium's own work for a character box.
    """
    import pypdfium2.raw as raw
    from ctypes import CFUNCTYPE, c_double, c_float, c_int, c_uint, c_void_p

    def bind(name, restype, *argtypes):
        return CFUNCTYPE(restype, *argtypes)(ctypes.cast(getattr(raw, name), c_void_p).value)

    p, i = c_void_p, c_int
    return types.SimpleNamespace(
        load_page=bind("FPDF_LoadPage", p, p, i),
        close_page=bind("FPDF_ClosePage", None, p),
        page_width=bind("FPDF_GetPageWidthF", c_float, p),
        page_height=bind("FPDF_GetPageHeightF", c_float, p),
        load_textpage=bind("FPDFText_LoadPage", p, p),
        close_textpage=bind("FPDFText_ClosePage", None, p),
        count_chars=bind("FPDFText_CountChars", i, p),
        get_text=bind("FPDFText_GetText", i, p, i, i, p),
        get_unicode=bind("FPDFText_GetUnicode", c_uint, p, i),
        loose_box=bind("FPDFText_GetLooseCharBox", i, p, i, p),
        is_generated=bind("FPDFText_IsGenerated", i, p, i),
        font_size=bind("FPDFText_GetFontSize", c_double, p, i),
        map_error=bind("FPDFText_HasUnicodeMapError", i, p, i),
        count_objects=bind("FPDFPage_CountObjects", i, p),
        get_object=bind("FPDFPage_GetObject", p, p, i),
        form_count_objects=bind("FPDFFormObj_CountObjects", i, p),
        form_get_object=bind("FPDFFormObj_GetObject", p, p, ctypes.c_ulong),
        object_type=bind("FPDFPageObj_GetType", i, p),
        object_matrix=bind("FPDFPageObj_GetMatrix", i, p, p),
        count_segments=bind("FPDFPath_CountSegments", i, p),
        get_segment=bind("FPDFPath_GetPathSegment", p, p, i),
        segment_point=bind("FPDFPathSegment_GetPoint", i, p, p, p),
        segment_type=bind("FPDFPathSegment_GetType", i, p),
        segment_close=bind("FPDFPathSegment_GetClose", i, p),
        PATH=raw.FPDF_PAGEOBJ_PATH, FORM=raw.FPDF_PAGEOBJ_FORM,
        MOVETO=raw.FPDF_SEGMENT_MOVETO, LINETO=raw.FPDF_SEGMENT_LINETO,
    )


def _page_content(page: int, api):
    width, height = api.page_width(page), api.page_height(page)
    textpage = api.load_textpage(page)
    if not textpage:
        import pypdfium2 as pdfium

        raise pdfium.PdfiumError("Failed to load text page.")
    try:
        chars, undecodable = _chars(textpage, api, height)
    finally:
        api.close_textpage(textpage)
    edges: list[Edge] = []
    _collect_edges(page, api, height, edges)
    return chars, edges, width, height, undecodable


_UNREADABLE = ("\x00", "\ufffd", "\ufffe")
_SPACE = re.compile(r"\s")


def _chars(textpage: int, api, height: float) -> tuple[list[Char], int]:
    """The page's characters with their loose boxes (advance width × the font's ascent to
    descent, like pdfminer's), top-down; PDFium's generated spaces and line breaks left out.

    The text comes in one call, the boxes in one PDFium call a character (there is no bulk call)
    written straight into one buffer that is read back at once; the font size is asked once per
    box height (the same font at the same size gives the same loose height), and the Unicode-map
    check, which only has to give the share of undecodable characters, on every 4th character.
    """
    count = api.count_chars(textpage)
    if count <= 0:
        return [], 0
    buffer = (ctypes.c_ushort * (count + 1))()
    written = api.get_text(textpage, 0, count, ctypes.addressof(buffer))
    text = ctypes.string_at(buffer, max(written - 1, 0) * 2).decode("utf-16-le", errors="replace")
    if len(text) == count:
        texts = list(text)
        spaces = [m.start() for m in _SPACE.finditer(text)]
    else:  # a character outside the BMP (two UTF-16 units, one character): ask char by char
        texts = [chr(api.get_unicode(textpage, i) or 0xFFFD) for i in range(count)]
        spaces = [i for i, ch in enumerate(texts) if ch.isspace()]
    boxes = (ctypes.c_float * (4 * count))()
    base = ctypes.addressof(boxes)
    keep = list(map(api.loose_box, repeat(textpage, count), range(count), range(base, base + 16 * count, 16)))
    # Left out altogether (not counted): the spaces and line breaks PDFium generates itself.
    generated = [i for i in spaces if api.is_generated(textpage, i)]
    undecodable = sum(map(texts.count, _UNREADABLE)) - sum(texts[i] in _UNREADABLE for i in generated)
    map_errors = compress(range(0, count, 4), map(api.map_error, repeat(textpage), range(0, count, 4)))
    skip = set(generated)
    undecodable += 4 * sum(1 for i in map_errors if i not in skip and texts[i] not in _UNREADABLE)
    for i in generated:
        keep[i] = 0
    # Columns of the whole page at once (numpy: the same float64 operations as Python floats).
    box = np.frombuffer(boxes, dtype=np.float32).astype(np.float64)
    tops, bottoms = height - box[1::4], height - box[3::4]
    kept = np.flatnonzero(np.array(keep, dtype=bool))
    heights = (bottoms - tops)[kept]
    if np.isnan(heights).any():  # no NaN is equal to another: each its own font size query
        sizes = [api.font_size(textpage, int(i)) for i in kept]
    else:
        # The font size of each distinct box height, asked of the height's first character.
        distinct, first, which = np.unique(heights, return_index=True, return_inverse=True)
        size_of = np.array([api.font_size(textpage, int(kept[f])) for f in first], dtype=np.float64)
        sizes = size_of[which.reshape(-1)].tolist()
    if len(kept) < count:
        texts = [texts[i] for i in kept.tolist()]
    columns = (box[0::4][kept].tolist(), box[2::4][kept].tolist(), tops[kept].tolist(), bottoms[kept].tolist())
    return list(map(Char, texts, *columns, sizes)), undecodable


def _collect_edges(container: int, api, height: float, edges: list[Edge], form=None, matrix=None, depth=0) -> None:
    """Horizontal and vertical straight segments of every path (lines, rectangle sides), also
    inside form XObjects, in page coordinates (top-down)."""
    if depth > _MAX_NESTING:
        return
    count = api.form_count_objects(form) if form is not None else api.count_objects(container)
    m = (ctypes.c_float * 6)()
    m_p = ctypes.addressof(m)
    xy = (ctypes.c_float * 2)()
    x_p = ctypes.addressof(xy)
    y_p = x_p + 4
    for index in range(count):
        obj = api.form_get_object(form, index) if form is not None else api.get_object(container, index)
        if not obj:
            continue
        kind = api.object_type(obj)
        if kind != api.PATH and kind != api.FORM:
            continue
        if not api.object_matrix(obj, m_p):
            continue
        own = tuple(m)
        total = _multiply(own, matrix) if matrix is not None else own
        if kind == api.FORM:
            _collect_edges(container, api, height, edges, obj, total, depth + 1)
            continue
        a, b, c, d, e, f = total
        start = previous = None
        for s in range(api.count_segments(obj)):
            segment = api.get_segment(obj, s)
            if not segment or not api.segment_point(segment, x_p, y_p):
                continue
            x, y = xy
            point = (a * x + c * y + e, height - (b * x + d * y + f))
            kind_s = api.segment_type(segment)
            if kind_s == api.MOVETO:
                start = point
            elif kind_s == api.LINETO and previous is not None:
                _add_edge(previous, point, edges)
            previous = point
            if api.segment_close(segment) and start is not None:
                _add_edge(point, start, edges)
                previous = start


def _multiply(inner, outer):
    """The matrix of `inner` applied inside `outer` (PDF row-vector convention: inner × outer)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _add_edge(p, q, edges: list[Edge]) -> None:
    (x0, y0), (x1, y1) = p, q
    if abs(y0 - y1) < 0.01:
        edges.append(Edge(True, y0, min(x0, x1), max(x0, x1)))
    elif abs(x0 - x1) < 0.01:
        edges.append(Edge(False, x0, min(y0, y1), max(y0, y1)))


def _page_text(content) -> _Page:
    chars, edges, width, height, undecodable = content
    return _Page(page_lines(chars, edges, width, height) if chars else [], len(chars), undecodable)


def page_lines(chars: list[Char], edges: list[Edge], width: float, height: float) -> list[str]:
    """One page as lines: ruled tables, aligned tables and text, top to bottom."""
    chars = dedupe_chars(chars)  # "bold" text printed twice, slightly offset, would double every character
    tables = find_tables(edges)
    outside = chars
    centres = None
    if tables:
        centres = Centres(chars)  # one index of the page's characters for all its tables
        inside = set()
        for table in tables:
            inside.update(centres.inside(table.bbox))
        if inside:
            outside = [c for i, c in enumerate(chars) if i not in inside]
    text = [line for line in text_lines(outside) if not _is_footer(line, height)]
    items = [(t.bbox[1], "table", _table_rows(t, chars, centres)) for t in tables]
    items += [(line.top, "line", line) for line in text]
    items.sort(key=lambda item: (item[0], item[1]))

    out: list[str] = []
    run: list[Line] = []  # consecutive text lines, read together (aligned tables, wrapped lines)
    for _top, kind, payload in items:
        if kind == "line":
            run.append(payload)
            continue
        out.extend(_text_run(run, width))
        run = []
        out.extend(payload)
    out.extend(_text_run(run, width))
    return out


def _table_rows(table, chars: list[Char], centres=None) -> list[str]:
    rows = []
    for row in table.extract(chars, centres):
        # None: a position covered by a merged cell — no cell. "": a blank cell — kept.
        cells = [_cell_text(cell.split("\n")) for cell in row if cell is not None]
        if cells:
            rows.append(pipe_row(cells))
    return rows


def _cell_text(lines: list[str]) -> str:
    return _CJK_SPACE.sub("", join_wrapped(lines))


def _is_footer(line: Line, page_height: float) -> bool:
    text = re.sub(r"\s+", "", line.text)
    if _FOOTER.match(text):
        return True
    return bool(_BARE_NUMBER.match(text)) and line.top >= page_height * _BOTTOM


# --- Text outside ruled tables ----------------------------------------------------------------------


def _chunks(line: Line) -> list[tuple[float, float, list[Char]]]:
    """(x0, x1, characters) of the runs of characters separated by a wide gap: the cells of a
    line. Their text (_chunk_text) is only made for the lines read as a table."""
    chars = line.chars  # never blank (text_lines leaves those out)
    # A line without a word break (no space) has no gap over WORD_GAP, less than 1.5 sizes of a
    # character over 2 pt: one chunk, known without going through its characters one by one.
    if " " not in line.text and min(map(_size, chars)) > 2.01:
        return [(line.x0, line.x1, chars)]
    return _chunks_by_gaps(chars)


def _chunks_by_gaps(chars: list[Char]) -> list[tuple[float, float, list[Char]]]:
    chunks: list[list] = []
    last = None
    for char in chars:
        if last is not None and char.x0 - last[1] <= _COLUMN_GAP * char.size:
            if char.x1 > last[1]:
                last[1] = char.x1
            last[2].append(char)
        else:
            last = [char.x0, char.x1, [char]]
            chunks.append(last)
    return [(x0, x1, chars) for x0, x1, chars in chunks]


def _chunk_text(chars: list[Char]) -> str:
    return _cell_text([_chars_text(chars)])


def _chars_text(chars: list[Char]) -> str:
    # Within a cell, a gap of a third of a character is a space (Latin words, "594417.23 万元").
    text = ""
    for previous, char in zip([None] + chars, chars):
        if previous is not None and char.x0 - previous.x1 > char.size / 3:
            text += " "
        text += char.text
    return text


def _text_run(lines: list[Line], page_width: float) -> list[str]:
    """Lines between two ruled tables: aligned tables in the pipe layout, the rest as text."""
    chunked = [_chunks(line) for line in lines]
    out: list[str] = []
    plain: list[Line] = []
    i = 0
    while i < len(lines):
        # An aligned table: two or more lines with several cells each, and the one-cell lines
        # between them (a row whose values are all blank, a wrapped label); three one-cell
        # lines in a row end it.
        end = i
        if len(chunked[i]) > 1:
            j = i + 1
            while j < len(lines) and j - end <= 3:
                if len(chunked[j]) > 1:
                    end = j
                j += 1
        if end > i:
            out.extend(_plain_lines(plain, page_width))
            plain = []
            out.extend(_aligned_rows(chunked[i:end + 1]))
            i = end + 1
            continue
        plain.append(lines[i])
        i += 1
    out.extend(_plain_lines(plain, page_width))
    return out


def _aligned_rows(rows: list[list[tuple[float, float, list[Char]]]]) -> list[str]:
    """A table without ruling lines, read by the columns its fullest rows align on.

    A position left empty after a row's first cell is a blank cell (kept, so later values stay in
    their columns); empty positions before it are not printed: there a label of the rows above
    spans down (a value row never starts with a blank), and a leading " |" would not survive the
    parser, which reads a line starting with "|" as a markdown row.
    """
    widest = max(len(row) for row in rows)
    full = [row for row in rows if len(row) == widest]
    columns = [(min(r[c][0] for r in full), max(r[c][1] for r in full)) for c in range(widest)]
    centres = [(x0 + x1) / 2 for x0, x1 in columns]
    out = []
    for row in rows:
        first_of: dict[int, list[str]] = {}
        covered: set[int] = set()
        for x0, x1, chars in row:
            text = _chunk_text(chars)
            spanned = [c for c, centre in enumerate(centres) if x0 <= centre <= x1]
            if not spanned:  # narrower than its column: the column whose centre is nearest
                spanned = [min(range(widest), key=lambda c: abs(centres[c] - (x0 + x1) / 2))]
            first_of.setdefault(spanned[0], []).append(text)
            covered.update(spanned)
        start = min(first_of)
        cells = []
        for c in range(start, widest):
            if c in first_of:
                cells.extend(first_of[c])
            elif c not in covered:
                cells.append("")
        out.append(pipe_row(cells))
    return out


def _plain_lines(lines: list[Line], page_width: float) -> list[str]:
    """Text lines, with a line that only wraps the one above joined back onto it.

    A paragraph's line that reaches the right margin (up to the first word of the next line) and
    is followed by one that starts at the left margin (no first-line indent, not a heading) is
    one sentence cut by the layout; so are
    the lines of a centred title in a larger type. Joining them keeps phrases such as the title
    "…政府信息公开工作年度报告" or "收到申请2833件" searchable in one line.
    """
    if not lines:
        return []
    sizes = [sorted(map(_size, line.chars)) for line in lines]  # each line's, sorted once
    body = _median(sorted([size for line in sizes for size in line]))
    left = min(line.x0 for line in lines)
    right = max(line.x1 for line in lines)
    out: list[str] = []
    previous = prev_size = None
    for line, line_sizes in zip(lines, sizes):
        size = _median(line_sizes)
        if previous is not None and not _HEADING_START.match(line.text):
            close = line.top - previous.bottom < size  # no paragraph space between them
            # The line above ends where the first word of this one would not have fitted (a
            # number or Latin word does not break; a closing mark may not start a line).
            room = right - previous.x1
            wrapped = room < _first_word_width(line) + 2 * prev_size and line.x0 <= left + 0.5 * size
            centred = all(abs((l.x0 + l.x1) / 2 - page_width / 2) < size for l in (previous, line))
            title = centred and size > body * 1.1 and abs(size - prev_size) < 0.5
            if close and (wrapped or title):
                out[-1] = join_wrapped([out[-1], line.text])
                previous, prev_size = line, size
                continue
        out.append(line.text.strip())
        previous, prev_size = line, size
    return out


def _median(ordered: list[float]) -> float:
    """statistics.median of values already sorted (the middle one, or the mean of the two)."""
    n = len(ordered)
    if n % 2:
        return ordered[n // 2]
    return (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def _first_word_width(line: Line) -> float:
    # The first word: a run of ASCII letters and digits, else the first character alone.
    first = last = None
    for char in line.chars:
        if not char.text.strip():
            continue
        if first is None:
            first = last = char
            continue
        if not (last.text.isascii() and char.text.isascii() and char.text.isalnum()):
            break
        last = char
    return last.x1 - first.x0
