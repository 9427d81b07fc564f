"""The PDF reader's shortcuts give exactly what the plain way gives (equal outputs, not speed).

- character boxes read in bulk (one buffer, one font-size query per box height) = PDFium's
  per-character calls through pypdfium2, as the reader did before;
- the twins dedupe_chars looks for only among "suspects" = the twins a scan of every character finds;
- a line without a word break taken as one cell = the cells found gap by gap;
- a table cell's text lines (line_texts) = the texts of text_lines.
"""

from __future__ import annotations

import ctypes
import random
from functools import lru_cache

import pytest

from etl.formats import pdf
from etl.formats.pdf_layout import (Centres, Char, _suspects, _twins_dropped, dedupe_chars, find_tables,
                                    line_texts, text_lines)
from etl.limits import Limits
from tests.fixtures.generate import load_spec, render_pdf, render_pdf_pages


@lru_cache(maxsize=None)
def _fixture(name: str) -> bytes:
    if name.endswith("-6p"):
        return render_pdf_pages(load_spec(name[:-3]))
    return render_pdf(load_spec(name))


FIXTURES = ("report_2021-6p", "003-6p", "001", "004")


def _pages(name: str):
    return list(pdf._read_pages(_fixture(name), Limits()))


def _chars_one_by_one(textpage, height: float) -> tuple[list[tuple], int]:
    """The reader's loop before the bulk read: pypdfium2's bindings, one call per character."""
    import pypdfium2.raw as raw

    count = raw.FPDFText_CountChars(textpage)
    buffer = (ctypes.c_ushort * (count + 1))()
    written = raw.FPDFText_GetText(textpage, 0, count, buffer)
    text = bytes(buffer)[:max(written - 1, 0) * 2].decode("utf-16-le", errors="replace")
    assert len(text) == count
    rect = raw.FS_RECTF()
    chars, undecodable, size_of_height = [], 0, {}
    for i in range(count):
        ch = text[i]
        if ch.isspace() and raw.FPDFText_IsGenerated(textpage, i):
            continue
        if (i & 3 == 0 and raw.FPDFText_HasUnicodeMapError(textpage, i)) or ch in "\x00\ufffd\ufffe":
            undecodable += 4 if ch not in "\x00\ufffd\ufffe" else 1
        if not raw.FPDFText_GetLooseCharBox(textpage, i, ctypes.byref(rect)):
            continue
        top, bottom = height - rect.top, height - rect.bottom
        key = round(bottom - top, 2)
        if key not in size_of_height:
            size_of_height[key] = raw.FPDFText_GetFontSize(textpage, i)
        chars.append((ch, rect.left, rect.right, top, bottom, size_of_height[key]))
    return chars, undecodable


@pytest.mark.parametrize("name", FIXTURES)
def test_bulk_character_boxes_equal_the_per_character_calls(name):
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(_fixture(name))
    try:
        for page in document:
            height = page.get_height()
            textpage = page.get_textpage()
            expected = _chars_one_by_one(textpage.raw, height)
            handle = ctypes.cast(textpage.raw, ctypes.c_void_p).value
            chars, undecodable = pdf._chars(handle, pdf._api(), height)
            assert [(c.text, c.x0, c.x1, c.top, c.bottom, c.size) for c in chars] == expected[0]
            assert undecodable == expected[1]
            textpage.close()
            page.close()
    finally:
        document.close()


def _twins_by_full_scan(chars: list[Char]) -> set[int]:
    return _twins_dropped(chars, range(len(chars)), 1.0)


def _fake_bold(chars: list[Char], rng: random.Random) -> list[Char]:
    """Every third character printed again, up to a point away (some just over it)."""
    out = list(chars)
    for c in chars[::3]:
        dx, dy = rng.uniform(-1.05, 1.05), rng.uniform(-1.05, 1.05)
        out.insert(rng.randrange(len(out) + 1), Char(c.text, c.x0 + dx, c.x1 + dx, c.top + dy, c.bottom + dy, c.size))
    return out


@pytest.mark.parametrize("name", FIXTURES)
def test_twin_suspects_hold_every_twin_a_full_scan_finds(name):
    rng = random.Random(7)
    for chars, *_rest in _pages(name):
        assert _twins_dropped(chars, _suspects(chars, 1.0), 1.0) == _twins_by_full_scan(chars)
        bold = _fake_bold(chars, rng)
        dropped = _twins_by_full_scan(bold)
        assert dropped  # the test does make twins
        assert _twins_dropped(bold, _suspects(bold, 1.0), 1.0) == dropped
        assert dedupe_chars(bold) == [c for i, c in enumerate(bold) if i not in dropped]


def test_twin_suspects_on_random_boxes_and_odd_texts():
    rng = random.Random(11)
    for _ in range(200):
        chars = [Char(rng.choice("政府公开0１ "), rng.choice([10.0, 10.5, 11.0, 11.9]) + rng.random(),
                      30.0, rng.choice([100.0, 100.6, 101.0, 101.2, -3.0]) + rng.random() * 0.5, 110.0,
                      rng.choice([10.0, 10.04, 12.0]))
                 for _ in range(rng.randrange(1, 30))]
        assert _twins_dropped(chars, _suspects(chars, 1.0), 1.0) == _twins_by_full_scan(chars)
        if rng.random() < 0.3:  # a left that is no number: the runs read one by one
            chars[rng.randrange(len(chars))].x0 = float("nan")
            assert _twins_dropped(chars, _suspects(chars, 1.0), 1.0) == _twins_by_full_scan(chars)
    several = [Char("ab", 10, 20, 10, 20, 10), Char("ab", 10.5, 20.5, 10.2, 20.2, 10)]  # hand-made texts
    assert dedupe_chars(several) == several[:1]
    nan = [Char("a", 10, 20, float("nan"), 20, 10), Char("a", 10.5, 20.5, 10.2, 20.2, 10)]
    assert _suspects(nan, 1.0) == range(2)


@pytest.mark.parametrize("name", FIXTURES)
def test_a_line_without_word_breaks_is_the_one_cell_the_gaps_give(name):
    for chars, *_rest in _pages(name):
        lines = text_lines(dedupe_chars(chars))
        assert any(" " not in line.text for line in lines)
        for line in lines:
            assert pdf._chunks(line) == pdf._chunks_by_gaps(line.chars)


@pytest.mark.parametrize("name", FIXTURES)
def test_cell_texts_equal_the_texts_of_text_lines(name):
    rng = random.Random(5)
    seen = 0
    for chars, edges, *_rest in _pages(name):
        chars = dedupe_chars(chars)
        centres = Centres(chars)
        for table in find_tables(edges):
            for row in table.rows():
                for cell in row:
                    if cell is not None:
                        inside = [chars[i] for i in sorted(centres.inside(cell))]
                        assert line_texts(inside) == [line.text for line in text_lines(inside)]
                        seen += 1
        for _ in range(20):  # random pieces of the page: several lines, blanks, gaps
            start = rng.randrange(len(chars))
            piece = chars[start:start + rng.randrange(0, 40)]
            assert line_texts(piece) == [line.text for line in text_lines(piece)]
    blank = [Char(" ", 10, 15, 10, 20, 10)]
    assert line_texts(blank) == [] == text_lines(blank)
    if name.endswith("-6p"):
        assert seen > 100
