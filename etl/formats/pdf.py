"""A PDF report's text layer → plain text the parser reads (etl.text_layout). No OCR.

Extractor: pdfplumber (on pdfminer.six). Of the installed extractors it is the one that gives
what the tables need: every character with its box, and the ruling lines, so a table's cells are
found from its lines and a merged cell comes out once, at its origin (`Table.extract()` gives
None for the positions a merge covers, "" for a blank cell). Plain pdfminer text
(`extract_text`) and pypdfium2's text page give running text only: the cells of a row side by
side, wrapped labels and vertical headers spread over separate lines, and blank cells simply
missing ("二、上年结转… 78 6 84": which five of the seven columns were blank is lost).
Measured on a generated 3-page report (title, seed-003 narrative and its three ruled tables, the
applications table over a page break; STSong CID font), best of 10 runs on this machine:

    pypdfium2 get_text_range            0.004 s   running text, no cells
    pdfplumber extract_text             0.10 s    running text, no cells
    pdfminer.six extract_text           0.14 s    running text, no cells
    pdf_to_text (pdfplumber tables)     0.21 s    tables in the pipe layout

pypdfium2 is 50 times faster, but the time a report takes (~0.07 s a page) is nothing beside
downloading it, and only pdfplumber's output can be read back into the right cells.

Per page:
- tables with ruling lines (pdfplumber's "lines" strategy) become rows in the pipe layout,
  `规章 | 0 |  | 3 |`: a blank cell is an empty field, a covered position is no cell, the lines of
  one cell (a wrapped label, a vertical header "三、/本/年/度…") are joined into one;
- the other text becomes lines in reading order with the tables; runs of lines whose words stand
  in separate columns (a table printed without lines) are read as a table by the columns they
  align on;
- page numbers and footers ("- 3 -", "第3页 共10页", "3 / 10", a bare number at the page bottom)
  are dropped: inside a table region the parser would take a bare "3" for a value cell.

A table broken across pages is simply read on: its rows continue on the next page (a header row
printed again is harmless, the parser matches rows by their labels).
"""

from __future__ import annotations

import io
import re
import statistics

import pdfplumber

from etl.formats.docx import join_wrapped, pipe_row

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


def pdf_to_text(data: bytes) -> str:
    """The text of a PDF's text layer: text as lines, tables in the pipe layout, page by page.

    Raises ValueError for bytes that are not a readable PDF and for a PDF without a usable text
    layer (a scan, which would need OCR).
    """
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as error:  # pdfminer raises syntax, encryption or type errors alike
        if "Password" in repr(error) or "ncrypt" in repr(error):  # PdfminerException(PDFPasswordIncorrect())
            raise ValueError("PDF 已加密，需要密码才能打开 / the PDF is encrypted (password needed)") from error
        raise ValueError(f"不是有效的 PDF 文件 / not a valid PDF file: {error}") from error
    lines: list[str] = []
    chars = undecodable = 0
    with pdf:
        try:
            for page in pdf.pages:
                chars += len(page.chars)
                # Fonts without a ToUnicode map: pdfminer can only say "(cid:1234)".
                undecodable += sum(1 for c in page.chars if c["text"].startswith("(cid:"))
                lines.extend(page_lines(page))
                page.close()  # frees the page's parsed objects: long reports stay small in memory
        except Exception as error:  # a damaged content stream, an unsupported filter
            raise ValueError(f"PDF 文件无法读取 / PDF cannot be read: {error}") from error
    if chars == 0:
        raise ValueError("PDF 没有文字层（可能是扫描件，需要 OCR）/ PDF has no text layer (a scan? OCR needed)")
    if undecodable > chars / 2:
        raise ValueError("PDF 的文字层无法解码（字体缺少 Unicode 映射）/ PDF text layer cannot be decoded (no ToUnicode map)")
    return "\n".join(lines) + "\n"


def page_lines(page) -> list[str]:
    """One page as lines: ruled tables, aligned tables and text, top to bottom."""
    page = page.dedupe_chars()  # "bold" text printed twice, slightly offset, would double every character
    tables = [t for t in page.find_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"})
              if len(t.cells) > 1]  # one framed box is a frame around text, not a table
    boxes = [t.bbox for t in tables]
    outside = page.filter(lambda obj: obj.get("object_type") != "char" or not any(_inside(obj, b) for b in boxes))
    text_lines = [line for line in outside.extract_text_lines() if not _is_footer(line, page.height)]
    items = [(t.bbox[1], "table", _table_rows(t)) for t in tables]
    items += [(line["top"], "line", line) for line in text_lines]
    items.sort(key=lambda item: (item[0], item[1]))

    out: list[str] = []
    run: list[dict] = []  # consecutive text lines, read together (aligned tables, wrapped lines)
    for _top, kind, payload in items:
        if kind == "line":
            run.append(payload)
            continue
        out.extend(_text_run(run, page.width))
        run = []
        out.extend(payload)
    out.extend(_text_run(run, page.width))
    return out


def _inside(obj, box) -> bool:
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _table_rows(table) -> list[str]:
    rows = []
    for row in table.extract():
        # None: a position covered by a merged cell — no cell. "": a blank cell — kept.
        cells = [_cell_text(cell.split("\n")) for cell in row if cell is not None]
        if cells:
            rows.append(pipe_row(cells))
    return rows


def _cell_text(lines: list[str]) -> str:
    return _CJK_SPACE.sub("", join_wrapped(lines))


def _is_footer(line: dict, page_height: float) -> bool:
    text = re.sub(r"\s+", "", line["text"])
    if _FOOTER.match(text):
        return True
    return bool(_BARE_NUMBER.match(text)) and line["top"] >= page_height * _BOTTOM


# --- Text outside ruled tables ----------------------------------------------------------------------


def _chunks(line: dict) -> list[tuple[float, float, str]]:
    """(x0, x1, text) of the runs of characters separated by a wide gap: the cells of a line."""
    chunks: list[list] = []
    for char in line["chars"]:
        if not char["text"].strip():
            continue
        gap_limit = _COLUMN_GAP * char["size"]
        if chunks and char["x0"] - chunks[-1][1] <= gap_limit:
            chunks[-1][1] = max(chunks[-1][1], char["x1"])
            chunks[-1][2].append(char)
        else:
            chunks.append([char["x0"], char["x1"], [char]])
    return [(x0, x1, _cell_text([_chars_text(chars)])) for x0, x1, chars in chunks]


def _chars_text(chars: list[dict]) -> str:
    # Within a cell, a gap of a third of a character is a space (Latin words, "594417.23 万元").
    text = ""
    for previous, char in zip([None] + chars, chars):
        if previous is not None and char["x0"] - previous["x1"] > char["size"] / 3:
            text += " "
        text += char["text"]
    return text


def _text_run(lines: list[dict], page_width: float) -> list[str]:
    """Lines between two ruled tables: aligned tables in the pipe layout, the rest as text."""
    chunked = [_chunks(line) for line in lines]
    out: list[str] = []
    plain: list[dict] = []
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


def _aligned_rows(rows: list[list[tuple[float, float, str]]]) -> list[str]:
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
        for x0, x1, text in row:
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


def _plain_lines(lines: list[dict], page_width: float) -> list[str]:
    """Text lines, with a line that only wraps the one above joined back onto it.

    A paragraph's line that reaches the right margin (up to the first word of the next line) and
    is followed by one that starts at the left margin (no first-line indent, not a heading) is
    one sentence cut by the layout; so are
    the lines of a centred title in a larger type. Joining them keeps phrases such as the title
    "…政府信息公开工作年度报告" or "收到申请2833件" searchable in one line.
    """
    if not lines:
        return []
    sizes = [c["size"] for line in lines for c in line["chars"]]
    body = statistics.median(sizes)
    left = min(line["x0"] for line in lines)
    right = max(line["x1"] for line in lines)
    out: list[str] = []
    previous = None
    for line in lines:
        size = statistics.median(c["size"] for c in line["chars"])
        if previous is not None and not _HEADING_START.match(line["text"]):
            prev_size = statistics.median(c["size"] for c in previous["chars"])
            close = line["top"] - previous["bottom"] < size  # no paragraph space between them
            # The line above ends where the first word of this one would not have fitted (a
            # number or Latin word does not break; a closing mark may not start a line).
            room = right - previous["x1"]
            wrapped = room < _first_word_width(line) + 2 * prev_size and line["x0"] <= left + 0.5 * size
            centred = all(abs((l["x0"] + l["x1"]) / 2 - page_width / 2) < size for l in (previous, line))
            title = centred and size > body * 1.1 and abs(size - prev_size) < 0.5
            if close and (wrapped or title):
                out[-1] = join_wrapped([out[-1], line["text"]])
                previous = line
                continue
        out.append(line["text"].strip())
        previous = line
    return out


def _first_word_width(line: dict) -> float:
    chars = [c for c in line["chars"] if c["text"].strip()]
    last = chars[0]
    for char in chars[1:]:
        if not (last["text"].isascii() and char["text"].isascii() and char["text"].isalnum()):
            break
        last = char
    return last["x1"] - chars[0]["x0"]
