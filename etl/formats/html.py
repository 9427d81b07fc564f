"""An HTML report page → plain text the parser reads (etl.text_layout).

Government sites publish the report as a page: navigation, breadcrumb and footer around a div
(zoom, content, TRS_Editor …) that holds the report. We keep only that div; its paragraphs and
headings become lines, its tables the "pipe layout", one table row per line: `规章 | 0 |  | 3 |`.
A merged cell is printed once, at its origin; the positions it covers are no cells at all,
because the parser takes the value cells after a row label in order, and a covered position
printed as a blank would shift every value after it. A cell that is really empty (`&nbsp;`) is
printed as an empty field, never dropped, for the same reason.
"""

from __future__ import annotations

import codecs
import re

import threading

import numpy as np
from lxml import etree

from etl.chinese import to_simplified
from etl.metadata import find_title

# --- Decoding --------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16: its BOM starts with UTF-16 LE's
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# <meta charset="gbk">, <meta http-equiv="Content-Type" content="text/html; charset=gb2312">,
# and an XHTML page's <?xml … encoding="…"?>.
_META_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
_SNIFF_BYTES = 8192  # gov pages put a dozen <meta name="SiteName" …> before the charset at times
_GB_ALIASES = {"gbk", "gb2312", "gb_2312", "gb_2312-80", "gb-2312", "x-gbk", "cp936", "windows-936",
               "euc-cn", "x-euc-cn", "csgb2312", "gb18030"}


def _codec(label: str | bytes | None) -> str | None:
    """The Python codec for a charset label; GBK and GB2312 read as GB18030, their superset
    (pages labelled GB2312 routinely use characters only GBK has)."""
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    label = label.strip().strip("\"'").lower()
    if label in _GB_ALIASES:
        return "gb18030"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # A Western single-byte charset decodes any bytes, so strict decoding cannot catch it lying,
    # and for a Chinese report it is always a lie: HTTP clients report ISO-8859-1 by default
    # when the server names no charset at all.
    if name == "latin-1" or name.startswith(("iso8859", "cp125", "mac-")):
        return None
    return name


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:_SNIFF_BYTES])
    return _codec(match.group(1) or match.group(2)) if match else None


def decode_html(data: bytes, declared_charset: str | None = None) -> str:
    """The page's text. Order: a BOM; bytes that are valid UTF-8 (and not plain ASCII) are UTF-8;
    then the server's declared charset, then the page's <meta>, each only if the bytes decode
    strictly with it; then GB18030. ValueError if nothing decodes."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = _strict(data[len(bom):], codec)
            if text is not None:
                return text
    # Valid UTF-8 first, whatever is declared: GB18030 decodes nearly any byte pairs, so a page
    # labelled GBK that is really UTF-8 would decode "strictly" into mojibake, while GBK text of
    # any length that is also valid UTF-8 does not occur. A label saying UTF-8 over GBK bytes is
    # caught the other way round: strict UTF-8 fails and we fall through.
    utf8 = _strict(data, "utf-8")
    if utf8 is not None and not data.isascii():
        return utf8
    for codec in (_codec(declared_charset), _meta_charset(data)):
        text = _strict(data, codec) if codec else None
        if text is not None:
            return text
    for codec in ("utf-8", "gb18030"):
        text = _strict(data, codec)
        if text is not None:
            return text
    raise ValueError(
        f"无法解码 HTML：声明的字符集 {declared_charset!r}、页面 <meta> 的字符集 {_meta_charset(data)!r}、"
        "UTF-8 和 GB18030 都不能无错解码，文件可能已损坏或不是文本"
    )


# --- Parsing ---------------------------------------------------------------------------------

# Untrusted pages: no network access, libxml2's depth and size limits kept (huge_tree off: markup
# nested deeper than 256 levels is cut there instead of growing the tree). libxml2's HTML parser
# never loads a DTD nor expands entities declared in one (billion laughs, XXE): only the
# predefined HTML entities. Plain lxml elements, not lxml.html's HtmlElement: its Python class
# lookup for every element touched was a fifth of the reading time.
# One parser per call: its error log tells whether the page was read whole (see html_to_text), and
# a parser shared between threads would mix the logs of their pages. The page goes in as UTF-8
# bytes with the encoding fixed (a <meta> charset has had its say in decode_html): libxml2 reads
# those a fifth faster than a Python str, with the same tree.
def html_parser() -> etree.HTMLParser:
    return etree.HTMLParser(no_network=True, huge_tree=False, remove_comments=True, remove_pis=True,
                            encoding="utf-8")


# Reading is done by libxml2 wherever it can be: text through XPath and one XSLT pass (below),
# elements found by XPath or tag-filtered iteration. A Python step per element of a 25 KB page
# costs more than parsing it.
_STRING_VALUE = etree.XPath("string()", smart_strings=False)
_TEXT_NODES = etree.XPath("descendant::text()", smart_strings=False)
# (XPath predicates cost libxml2 a good deal per element tested: plain location paths here, and
# the values of attributes rather than the elements that have them.)
_LINK_TEXT_NODES = etree.XPath("descendant-or-self::a/descendant::text()", smart_strings=False)
_HAS_NESTED_LINK = etree.XPath("boolean(descendant-or-self::a/descendant::a)")
_HIDDEN_ATTRIBUTES = etree.XPath("descendant-or-self::*/@hidden", smart_strings=False)
_STYLES = etree.XPath("descendant-or-self::*/@style", smart_strings=False)
_IDS = etree.XPath("descendant::*/@id")  # smart strings: an attribute's element is its getparent()
_CLASSES = etree.XPath("descendant::*/@class")
_OWN_AND_CLASSES = etree.XPath("descendant-or-self::*/@class")


def _text_content(el) -> str:
    """All the text inside el (lxml.html's text_content, done by libxml2's XPath string())."""
    return _STRING_VALUE(el)


def _drop_tree(el) -> None:
    """Remove el and its children, keeping the text after it (lxml.html's drop_tree)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


# Per-call memo of each table's rows and layout verdict (tables are looked at from several
# places); thread-local, since the flows may read pages on threads.
_MEMO = threading.local()


def _memo() -> dict:
    memo = getattr(_MEMO, "tables", None)
    if memo is None:
        memo = _MEMO.tables = {}
    return memo

# --- Text ------------------------------------------------------------------------------------

_SPACE = re.compile(r"[\s\u200b\ufeff]+")
# Once every run of white space is one " ": a space not between two ASCII letters or digits.
# (Written to start with the space, so that the regex engine jumps from space to space.)
_GAP = re.compile(r" (?:(?<![A-Za-z0-9] )|(?![A-Za-z0-9]))")
# Control characters are no text; Unicode's noncharacters U+FDD0–U+FDEF are no text either, and
# the reader uses some of them as markers (below).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufdd0-\ufdef]")
# Inline images (data: URIs) carry no text; one over libxml2's 10 MB limit for a single value
# makes the parser give up on the rest of the page, silently losing the report after it.
_DATA_URI = re.compile(r"data:[\w/+.-]*(?:;[\w=.-]*)*,[^\"'\s>]{1024,}")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


# _CJK's ranges, for counting a long text's CJK characters by numpy over its UTF-16 code units
# (3x faster than the regex from a few hundred characters on). A character beyond the BMP is two
# surrogate units, in none of these ranges, as it is in none of _CJK's.
_CJK_RANGES = tuple((np.uint16(low), np.uint16(high - low)) for low, high in
                    ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)))
_NUMPY_FROM = 400  # characters: below that the regex is faster


def _cjk_count(text: str) -> int:
    if len(text) < _NUMPY_FROM:
        return sum(map(len, _CJK.findall(text)))  # runs, not characters: fewer matches
    units = np.frombuffer(text.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    # Unsigned: a unit below the range's start wraps around above its width.
    return int(sum(np.count_nonzero(units - low <= width) for low, width in _CJK_RANGES))


def _clean(text: str) -> str:
    """White space collapsed the way Chinese is read: HTML source wraps lines anywhere
    ("本年增/<br/>减", "第二十条第（一）\\n项"), and a break between Chinese characters is no
    word boundary. A space survives only between two ASCII letters or digits."""
    if "\u200b" in text or "\ufeff" in text:  # zero-width spaces part words as white space does
        text = text.replace("\u200b", " ").replace("\ufeff", " ")
    # str.split() splits at what re's \s matches (str.isspace), in C, and drops the ends.
    return _GAP.sub("", " ".join(text.split()))


_BLOCK = frozenset(
    "address article aside blockquote body caption center dd div dl dt figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section table tbody td tfoot th thead tr ul".split()
)
_DROP = ("script", "style", "noscript", "template", "iframe", "object", "embed", "select", "button", "svg")

# The text of an element in one XSLT pass, with markers where the structure matters: a block
# element's start and end and a <br/> are a line break (_BREAK); a table, a row and a row's cell
# have markers of their own, which are line breaks as well outside a data table. Inside a cell
# every marker is a space: a cell is one line. Markers are noncharacters, removed from the page
# before parsing (_CONTROL), so the text itself never holds one.
_BREAK, _TABLE, _TABLE_END, _ROW, _CELL, _CELL_END, _ROW_END = (
    "\ufdd0", "\ufdd1", "\ufdd2", "\ufdd3", "\ufdd4", "\ufdd5", "\ufdd6")
_MARKUP_XSLT = f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="UTF-8"/>
<xsl:template match="{'|'.join(sorted(_BLOCK - {'table', 'tr'}))}">&#xFDD0;<xsl:apply-templates/>&#xFDD0;</xsl:template>
<xsl:template match="br">&#xFDD0;</xsl:template>
<xsl:template match="table">&#xFDD1;<xsl:apply-templates/>&#xFDD2;</xsl:template>
<xsl:template match="tr">&#xFDD3;<xsl:apply-templates/>&#xFDD6;</xsl:template>
<xsl:template match="tr/td|tr/th">&#xFDD4;<xsl:apply-templates/>&#xFDD5;</xsl:template>
</xsl:stylesheet>"""
_TABLE_EDGE = re.compile("[\ufdd1\ufdd2]")
_ANY_MARKER = re.compile("[\ufdd0-\ufdd6]")
_MARKERS_AS_SPACE = {ord(m): " " for m in (_BREAK, _TABLE, _TABLE_END, _ROW, _CELL, _CELL_END, _ROW_END)}
# A row inside a cell, or inside another row, of its own table: its text belongs to the cell (or
# row) as well as to itself, which splitting the marked text cannot say; such a table is read
# cell by cell.
_ROW_INSIDE = re.compile("\ufdd4[^\ufdd5]*\ufdd3|\ufdd3[^\ufdd6]*\ufdd3")
_CELLS = re.compile("\ufdd4([^\ufdd5]*)\ufdd5")


def _markup(el) -> str:
    # One compiled stylesheet per thread: lxml documents an XSLT object as usable from the thread
    # that made it.
    transform = getattr(_MEMO, "xslt", None)
    if transform is None:
        transform = _MEMO.xslt = etree.XSLT(etree.XML(_MARKUP_XSLT))
    return str(transform(el))


def _text_lines(marked: str) -> list[str]:
    """Marked text (outside data tables) → its non-empty lines, cleaned."""
    return [line for line in _ANY_MARKER.split(_clean(marked)) if line]


def _flat_text(el) -> str:
    """One cell (or caption) as one line: its paragraphs, <br/>s and any table nested in it joined
    (a space between them, kept only between ASCII letters or digits: "本年增/" + "减",
    "Total count")."""
    return _clean(_markup(el).translate(_MARKERS_AS_SPACE)).replace("|", "｜")


def _article_lines(article) -> list[str]:
    """The article's lines: paragraphs and headings as lines, each data table as its caption and
    its rows in the pipe layout. A layout table is read as blocks, the data tables in it as tables."""
    # The data tables read as tables (those not inside another) are known first, and stand empty
    # <table/>s in for them while the article is marked up: their rows are read already
    # (_table_rows), and libxslt need not walk them again.
    data_tables: list = []
    for table in article.iter("table"):  # document order: a table comes before those inside it
        if not any(_is_ancestor(outer, table) for outer in data_tables) and not _is_layout_table(table):
            data_tables.append(table)
    if data_tables and data_tables[0] is article:
        return _data_table_lines(article)
    stand_ins = _stand_in(data_tables)
    try:
        marked = _markup(article)
        tables = list(article.iter("table"))  # in document order, as their markers
    finally:
        _put_back(stand_ins)
    lines: list[str] = []
    index = start = 0
    for edge in _TABLE_EDGE.finditer(marked):
        if edge.group() == _TABLE:
            table = stand_ins.get(tables[index])
            index += 1
            if table is not None:  # its start and end markers are next to each other
                lines += _text_lines(marked[start:edge.start()])
                lines += _data_table_lines(table)
                start = edge.end() + 1
    return lines + _text_lines(marked[start:])


def _stand_in(tables: list) -> dict:
    """Each table replaced by an empty <table/> with its tail, until _put_back: {stand-in: table}.
    (What libxml2 walks then skips their rows and cells.)"""
    stand_ins = {}
    for table in tables:
        stand_in = etree.Element("table")
        stand_in.tail = table.tail
        table.getparent().replace(table, stand_in)
        stand_ins[stand_in] = table
    return stand_ins


def _put_back(stand_ins: dict) -> None:
    for stand_in, table in stand_ins.items():
        stand_in.getparent().replace(stand_in, table)


def _data_table_lines(table) -> list[str]:
    lines = []
    for caption in table.findall("caption"):  # not a row: the rows would lose it
        text = _flat_text(caption)
        if text:
            lines.append(text)
    return lines + _table_lines(table)


# --- Tables ----------------------------------------------------------------------------------


def _rows(table) -> list:
    """The table's own rows (thead/tbody/tfoot included), not those of tables nested in it."""
    return [tr for tr in table.iter("tr") if next(tr.iterancestors("table"), None) is table]


def _table_rows(table) -> list[list[str]]:
    memo = _memo()
    key = ("rows", table)
    if key not in memo:
        memo[key] = _compute_table_rows(table)
    return memo[key]


def _compute_table_rows(table) -> list[list[str]]:
    """Per row of the table, the text of its cells (_flat_text), in order.

    A merged cell is the cell at its origin only: the positions a rowspan or colspan covers are
    no cells at all (see the module's docstring), so a row's cells are its own <td>/<th>, in the
    order they come, and a row wholly covered from above has none.
    """
    marked = _markup(table)[1:-1]  # the table's own markers off
    if _TABLE in marked:  # a nested table is text of its cell: its markers are spaces
        parts, depth, start = [], 0, 0
        for edge in _TABLE_EDGE.finditer(marked):
            if edge.group() == _TABLE:
                if not depth:
                    parts.append(marked[start:edge.start()])
                    start = edge.start()
                depth += 1
            else:
                depth -= 1
                if not depth:
                    parts.append(marked[start:edge.end()].translate(_MARKERS_AS_SPACE))
                    start = edge.end()
        parts.append(marked[start:])
        marked = "".join(parts)
    if _ROW_INSIDE.search(marked):
        return [[_flat_text(cell) for cell in tr if cell.tag in ("td", "th")] for tr in _rows(table)]
    marked = _clean(marked.replace(_BREAK, " ")).replace("|", "｜")
    return [_CELLS.findall(row) for row in marked.split(_ROW)[1:]]


def _table_lines(table) -> list[str]:
    lines = []
    for cells in _table_rows(table):
        # A row wholly covered by spans from above has no cells; a row of one empty cell is a
        # spacer. Neither is a row of the report. A row of several blanks is kept: those are
        # value cells (the review table's one data row can be all blank).
        if not cells or (len(cells) == 1 and not cells[0]):
            continue
        lines.append(_pipe_row(cells))
    return lines


def _pipe_row(cells: list[str]) -> str:
    """`a | b |  | d |`. etl.text_layout reads a line starting with "|" as a markdown row whose
    leading bar opens it (no cell), so a row whose first cell is blank but not all blank is
    written markdown-style, "|  | 5 |", or its leading blank would be lost."""
    line = " | ".join(cells) + " |"
    if not cells[0] and any(cells):
        line = "| " + line
    return line


# Labels only the national statistical tables print (whitespace removed): a table holding one is
# a report table. Not 行政复议 alone, which site menus and narrative use as well.
_TABLE_MARKERS = ("第二十条第", "本年新收", "上年结转", "结转下年度", "未经复议", "复议后起诉",
                  "予以公开", "本年新制作", "本年制发", "信息内容")


def _has_markers(table) -> bool:
    text = _text_content(table)
    if any(marker in text for marker in _TABLE_MARKERS):  # no white space inside: found as it is
        return True
    text = _SPACE.sub("", text)
    return any(marker in text for marker in _TABLE_MARKERS)


def _report_tables(root) -> list:
    """Data tables that hold report labels: innermost, since a layout table around one holds
    the labels too, and not a layout table (narrative laid out in a table may quote a label)."""
    found = [t for t in root.iter("table") if _has_markers(t)]
    return [t for t in found
            if not any(o is not t and _is_ancestor(t, o) for o in found) and not _is_layout_table(t)]


def _is_ancestor(ancestor, el) -> bool:
    return ancestor in el.iterancestors()  # lxml elements compare by identity


_LAYOUT_CELL_CHARS = 200  # a report table's longest cells (notes, long labels) are well under this


def _is_layout_table(table) -> bool:
    memo = _memo()
    key = ("layout", table)
    if key not in memo:
        memo[key] = _compute_is_layout_table(table)
    return memo[key]


def _compute_is_layout_table(table) -> bool:
    """A table used for page layout, read as blocks rather than as a grid, since as a grid a whole
    article in one <td> would collapse onto one line: a table that holds a report table, whose
    rows have one cell each, or with a cell holding more text than a table cell ever does."""
    if any(_has_markers(t) for t in table.iter("table") if t is not table):
        return True
    rows = _table_rows(table)
    if all(len(cells) <= 1 for cells in rows):
        return True
    # A cell's text holds no white space but the single spaces _clean keeps.
    return any(len(cell) - cell.count(" ") > _LAYOUT_CELL_CHARS
               for cells in rows for cell in cells if len(cell) > _LAYOUT_CELL_CHARS)


# --- Finding the article ---------------------------------------------------------------------

_CHROME_TAGS = ("nav", "aside")
_PAGE_TAGS = ("header", "footer")  # the page's own; inside <article>/<main> they head the content
_CHROME_WORDS = ("nav", "menu", "header", "footer", "breadcrumb", "crumb", "sidebar", "share",
                 "position", "location", "topbar", "toolbar", "copyright")
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_CHROME_WORD = re.compile("|".join(_CHROME_WORDS))
_ARTICLE_SHARE = 0.8


def _is_chrome(el) -> bool:
    if el.tag in _CHROME_TAGS:
        return True
    if el.tag in _PAGE_TAGS:
        return not any(a.tag in ("article", "main") for a in el.iterancestors())
    return _chrome_name(f"{el.get('id', '')} {el.get('class', '')}")


def _chrome_name(name: str) -> bool:
    # A chrome word in one of the name's [a-z0-9] tokens: being letters only, it can only be found
    # inside one.
    return _CHROME_WORD.search(name.lower()) is not None


def _chrome_candidates(body, tables: list) -> list:
    """The elements _is_chrome may say yes to: chrome tags, and elements whose id or class names
    chrome (few distinct values on a page: each is looked at once). An element comes before the
    elements inside it, as _remove_chrome needs: a wrapper is weighed with its content whole.
    Not the report tables nor what is inside them, which _remove_chrome keeps: they stand empty
    while the candidates are looked for (their cells hold most of a page's classes)."""
    found = {}
    stand_ins = _stand_in(tables)
    try:
        for values in (_IDS(body), _CLASSES(body)):
            names = {value for value in set(values) if _chrome_name(value)}
            if names:
                found.update((el, el) for el in [value.getparent() for value in values if value in names])
        for el in body.iter(*_CHROME_TAGS, *_PAGE_TAGS):
            if el is not body:
                found[el] = el
    finally:
        _put_back(stand_ins)
    if len(found) < 2:
        return list(found)
    return sorted(found, key=lambda el: sum(1 for _ in el.iterancestors()))


def _content_chars(el) -> int:
    """CJK characters in el's text outside links: the report is prose and tables, page chrome
    (menus, lists of related articles) is mostly links."""
    return _cjk_count(_text_content(el)) - _linked_chars(el)


def _linked_chars(el) -> int:
    """CJK characters in the links inside el; an element inside el has no more."""
    if _HAS_NESTED_LINK(el):  # a link's text counts once for every link around it
        return sum(_cjk_count(_text_content(a)) for a in el.iter("a"))
    return _cjk_count("".join(_LINK_TEXT_NODES(el)))


def _cjk_count_of_part(part: str, whole: str, whole_count: int) -> int:
    """_cjk_count(part), part being the text of an element inside the one whose text is whole (a
    run of it): when part is most of whole and found in it once, by counting what is around it."""
    if 2 * len(part) > len(whole):
        at = whole.find(part)
        if at >= 0 and at == whole.rfind(part):
            return whole_count - _cjk_count(whole[:at]) - _cjk_count(whole[at + len(part):])
    return _cjk_count(part)


def _content_over(el, limit: float) -> bool:
    """_content_chars(el) > limit, without counting when el's text is too short to get there."""
    text = _text_content(el)
    return len(text) > limit and _cjk_count(text) - _linked_chars(el) > limit


def _remove_chrome(body, tables: list) -> None:
    total = _content_chars(body)
    memo = _memo()
    for el in _chrome_candidates(body, tables):
        if el.getparent() is None or not _is_chrome(el):
            continue
        if any(el is t or _is_ancestor(el, t) or _is_ancestor(t, el) for t in tables):
            continue  # never a report table, nor what holds one, nor a header row inside one
        if total and _content_over(el, total / 2):
            continue  # a badly named wrapper ("main-header-content") holding the page's text
        for table in el.iterancestors("table"):  # its cells change: read them again
            memo.pop(("rows", table), None)
            memo.pop(("layout", table), None)
        _drop_tree(el)


def _find_article(body, tables: list):
    """The smallest element that holds every report table and at least _ARTICLE_SHARE of the
    page's prose (CJK outside links): descend from <body> while one child still does. Without
    report tables it is the smallest element holding that share of the prose."""
    node_text = _text_content(body)
    node_chars = _cjk_count(node_text)
    linked = _linked_chars(body)  # at least what any element inside holds
    total = node_chars - linked
    share = _ARTICLE_SHARE * total
    holders = [{t, *t.iterancestors()} for t in tables]  # per report table, it and what holds it
    node = body
    while total:
        for child in node:
            if not isinstance(child.tag, str) or _inside_data_table(child):
                continue
            if all(child in holding for holding in holders):
                # Its content, _content_chars, reaches the share: counted only as far as needed.
                text = _text_content(child)
                if len(text) < share:
                    continue
                chars = _cjk_count_of_part(text, node_text, node_chars)
                if chars < share:
                    continue
                if chars - linked < share:
                    child_linked = _linked_chars(child)
                    if chars - child_linked < share:
                        continue
                    linked = child_linked
                node, node_text, node_chars = child, text, chars
                break
        else:
            break
    return node


def _drop_hidden(root) -> None:
    """Hidden copies (print versions, Word's hidden text) would print the report twice. But a
    page whose text is mostly hidden shows it by script: then hidden is all there is."""
    if not _HIDDEN_ATTRIBUTES(root) and not any(_HIDDEN.search(style) for style in set(_STYLES(root))):
        return
    hidden = [el for el in root.iter() if isinstance(el.tag, str)
              and (el.get("hidden") is not None or _HIDDEN.search(el.get("style") or ""))]
    hidden = [el for el in hidden if not any(_is_ancestor(h, el) for h in hidden)]
    chars = _cjk_count(_text_content(root))
    if sum(_cjk_count(_text_content(el)) for el in hidden) <= chars / 2:
        for el in hidden:
            _drop_tree(el)


def _inside_data_table(el) -> bool:
    """A row or cell of a data table: the article may be a layout table's cell, never a data cell."""
    if el.tag not in ("thead", "tbody", "tfoot", "tr", "td", "th", "caption"):
        return False
    table = next(el.iterancestors("table"), None)
    return table is not None and not _is_layout_table(table)


_PUBLISHED = re.compile(
    r"(?:发布|成文)(?:日期|时间)\s*[:：]\s*\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
)


def _title_candidates(root):
    # <h1> first: <title> often carries the site's name as well ("…年度报告_苏州市人民政府"). Lesser
    # headings last: a sidebar's list of other reports (last year's) uses them too.
    for tag in ("h1", "title", "h2", "h3"):
        yield from root.iter(tag)
    for value in _OWN_AND_CLASSES(root):
        if "title" in value.lower():
            yield value.getparent()


def _page_title(root) -> str | None:
    """The report's title from the page's headings or <title>, for an article that doesn't print it."""
    for el in _title_candidates(root):
        text = _clean(_text_content(el))
        if find_title(_simplified(text)):
            return text
    return None


def _simplified(text: str) -> str:
    # The title and date patterns are written in simplified characters; a traditional page
    # ("政府資訊公開工作年度報告", "釋出日期") must match them too. Only for matching: the page's
    # own text goes to the parser, which converts it and records how.
    return to_simplified(text).text


# A character reference to one of the markers ("&#xFDD0;", "&#64976"): libxml2 puts the character
# in the text, where it would read as a marker. Such references are made to name a spare
# noncharacter instead, which the reader treats as any other character, and the text is given
# back with the marker's own character there, as a reader without markers prints it.
_MARKER_REFERENCE = re.compile(r"&#(?:([xX])0*(fdd[0-6])(?![0-9a-f])|0*(6497[6-9]|6498[0-2])(?![0-9]))", re.IGNORECASE)
_ANY_REFERENCE = re.compile(r"&#(?:[xX]0*([0-9a-f]+)|0*([0-9]+))", re.IGNORECASE)
_SPARE = range(0xFDD7, 0xFDF0)
# Elements whose text libxml2 takes as written, references and all: a reference there is no
# character, and rewritten it would print differently. Such a page is left as it is (the markers'
# characters then read as markers: two rarities together). Script, style, iframe and noscript
# are dropped with their text.
_RAW_TEXT = re.compile(r"<(?:xmp|plaintext|noembed|noframes)", re.IGNORECASE)


def _marker_references(text: str) -> tuple[str, dict]:
    """(text, {spare: marker}) with every character reference to a marker made to name a spare
    noncharacter no reference in the page names; ({} when there is none)."""
    if "&#" not in text or _MARKER_REFERENCE.search(text) is None or _RAW_TEXT.search(text):
        return text, {}
    named = {int(h, 16) if h else int(d) for h, d in _ANY_REFERENCE.findall(text) if len(h or d) < 8}
    spares = iter(c for c in _SPARE if c not in named)
    swap = {}

    def spare(match) -> str:
        marker = int(match[2], 16) if match[2] else int(match[3])
        if marker not in swap:
            swap[marker] = next(spares, marker)  # no spare left (a page naming all 32): as it is
        return f"&#x{swap[marker]:X}" if match[1] else f"&#{swap[marker]}"

    text = _MARKER_REFERENCE.sub(spare, text)
    return text, {new: old for old, new in swap.items() if new != old}


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_INTERNAL_SUBSET = re.compile(r"^\s*<!DOCTYPE[^\[>]*\[.*?\]\s*>", re.IGNORECASE | re.DOTALL)

# --- Entry point -----------------------------------------------------------------------------


def html_to_text(data: bytes, declared_charset: str | None = None) -> str:
    """The report's text: the article's paragraphs as lines and its tables in the pipe layout.

    The page's title and publication date ("发布日期：2021-01-29"), which sites print above the
    article div, are put first when the article itself lacks them: the parser reads the issuer
    and the year from the title.
    """
    text = decode_html(data, declared_charset)
    # An XML declaration names an encoding the decoded text no longer has (and lxml refuses one
    # in str input); control characters are no text.
    text = _CONTROL.sub("", _XML_DECLARATION.sub("", text))
    # A DOCTYPE with an internal subset (entity declarations: XHTML pages, or billion laughs and
    # XXE attempts) means nothing to the HTML parser, which would print its "]>" as text.
    text = _INTERNAL_SUBSET.sub("", text)
    text = _DATA_URI.sub("data:,", text)
    if not text.strip():
        return ""
    text, restore = _marker_references(text)
    parser = html_parser()
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except (etree.ParserError, etree.XMLSyntaxError):
        return ""
    if root is None:
        return ""
    # libxml2 stops at its limits (a single value over 10 MB, nesting deeper than 256) and keeps
    # what it had: the rest of the page would be lost without a word.
    fatal = next((e for e in parser.error_log if e.level_name == "FATAL"), None)
    if fatal is not None:
        raise ValueError(f"HTML 页面无法完整读取 / the page cannot be read whole: {fatal.message.strip()}")
    _MEMO.tables = {}
    try:
        text = _article_text(root)
        return text.translate(restore) if restore else text
    finally:
        _MEMO.tables = {}  # the elements of this page go with it


def _article_text(root) -> str:
    for el in list(root.iter(*_DROP)):
        _drop_tree(el)
    _drop_hidden(root)
    title = _page_title(root)
    # Text nodes apart: "29" + "15:30" is no "2915".
    published = _PUBLISHED.search(_simplified("\n".join(_TEXT_NODES(root))))
    body = root.find("body")
    body = body if body is not None else root
    tables = _report_tables(body)
    _remove_chrome(body, tables)
    article = _find_article(body, tables)

    lines = _article_lines(article)
    head = []
    if title or published:
        article_text = _simplified("\n".join(lines))
        if title and find_title(article_text) is None:
            head.append(title)
        if published and not _PUBLISHED.search(article_text):
            head.append(_clean(published.group(0)))
    return "\n".join(head + lines) + "\n"
