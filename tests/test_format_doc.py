"""etl.formats.doc: legacy Word 97–2003 (.doc) documents → the text the parser reads.

The .doc files under tests/fixtures/doc/ were made once with LibreOffice (see its README.md) and
are committed: these tests need neither LibreOffice nor a database. 003.doc and report_2021.doc
are the generator's .docx reports converted, so every cell they give must equal the same expected
CSVs as every other format (the helpers of test_formats_every_cell.py); small.doc has one of each
feature the reader handles.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import olefile
import pytest

from etl.extract import read_document
from etl.formats import doc
from etl.formats.doc import doc_to_text
from etl.transform import parse_report
from tests.test_formats_every_cell import IDENTITY, RESOLVER, assert_reads_every_cell

FIXTURES = Path(__file__).parent / "fixtures" / "doc"
INVALID = "不是有效的 Word 97-2003 (.doc) 文件 / not a valid Word 97-2003 (.doc) file"


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _raw_text(data: bytes) -> str:
    """The main document's characters as stored, Word's marks and all."""
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        word = ole.openstream("WordDocument").read()
        fib = doc._read_fib(word)
        table = ole.openstream("1Table" if fib["which_table"] else "0Table").read()
    pieces = doc._read_pieces(table, fib["fc_clx"], fib["lcb_clx"])
    return "".join(ch for ch, _fc in doc._main_text(word, pieces, fib["ccp_text"]))


def _with_word_stream(data: bytes, edit) -> bytes:
    """The same file with its WordDocument stream changed in place by edit(bytearray)."""
    buffer = io.BytesIO(data)
    with olefile.OleFileIO(buffer, write_mode=True) as ole:
        word = bytearray(ole.openstream("WordDocument").read())
        edit(word)
        ole.write_stream("WordDocument", bytes(word))
    return buffer.getvalue()


# --- The small fixture: one of each feature ---------------------------------------------------------


def test_small_fixture_has_the_features_it_stands_for():
    raw = _raw_text(_fixture("small.doc"))
    assert '\x13 HYPERLINK "https://example.org/"\x01\x14示例链接\x15' in raw  # a field: code, result
    assert "\x13 PAGE \x141\x15" in raw
    assert "乙\x0b丙\x07" in raw  # a manual line break in a cell
    assert "丁\r戊\x07" in raw  # a cell of two paragraphs
    # The last cell of row 1, its row mark, then the empty cell a vertical merge covers: only the
    # table properties tell the row mark from an empty cell.
    assert "戊\x07\x07\x071\x07" in raw
    assert "空\x07\x074\x07\x07" in raw  # a really blank cell
    assert "表后段落\x0c新节段落\r" in raw  # a section break


def test_small_fixture_text():
    assert doc_to_text(_fixture("small.doc")).splitlines() == [
        "小样本文档",
        "参见示例链接。",  # field results only, no codes
        "本页是第1页",
        "甲组 | 乙丙 | 丁戊 |",  # line breaks and paragraphs in a cell join without a space
        "1 | 2 |",  # the position under 甲组 (vertical merge) is no cell
        "合计 | 3 |",  # a horizontal merge is one cell
        "空 |  | 4 |",  # a blank cell stays an empty field
        "表后段落",
        "新节段落",  # the section break is a new line
    ]


def _grpprl(*sprms: tuple[int, bytes]) -> bytes:
    return b"".join(struct.pack("<H", sprm) + operand for sprm, operand in sprms)


def _def_table(tcgrfs: list[int]) -> tuple[int, bytes]:
    """sprmTDefTable for cells with these TCGRF flags (boundaries 0, 1000, 2000…, zero borders)."""
    body = bytes([len(tcgrfs)]) + b"".join(struct.pack("<h", 1000 * i) for i in range(len(tcgrfs) + 1))
    body += b"".join(struct.pack("<H", flags) + bytes(18) for flags in tcgrfs)
    return 0xD608, struct.pack("<H", len(body) + 1) + body


def test_covered_cells_from_the_row_properties():
    # TCGRF: horzMerge in bits 0-1 (1 first, 2 covered), vertMerge in bits 5-6 (3 restart, 1 covered).
    assert doc._covered_cells(_grpprl(_def_table([0, 1, 2, 3 << 5, 1 << 5]))) == {2, 4}
    # sprmTVertMerge (cb, itc, flag) and sprmTMerge / sprmTSplit (itcFirst, itcLim) after it.
    assert doc._covered_cells(_grpprl(_def_table([0, 0, 0, 0]), (0xD62B, bytes([2, 0, 1])),
                                      (0x5624, bytes([1, 4])), (0x5625, bytes([3, 4])))) == {0, 2}
    assert doc._covered_cells(b"") == set()


class _NoProperties:
    def at(self, fc):
        return b""


def test_fields_nested_breaks_and_control_characters():
    text = "甲\x13 REF a \\h \x13 PAGE \x142\x15 \x14乙\x13 PAGE \x143\x15\x15丙\x01\x08\x1f丁\x1e戊\t己\x0c庚\x0b辛\r"
    assert doc._render([(ch, 2 * i) for i, ch in enumerate(text)], _NoProperties()) == "甲乙3丙丁-戊 己\n庚辛\n"


# --- Whole reports: every cell ----------------------------------------------------------------------


@pytest.mark.parametrize("report", ["003", "report_2021"])
def test_every_cell(report):
    data = _fixture(f"{report}.doc")
    source = read_document("mem://x.doc", data, "x.doc")
    assert source.problem is None, source.problem
    parsed = parse_report(source.text, source.source_uri, source.sha256, RESOLVER)
    assert_reads_every_cell(parsed, report)
    assert parsed.title == IDENTITY[report][3]


def test_a_report_without_its_suffix_is_sniffed_as_doc():
    source = read_document("mem://download", _fixture("003.doc"), "download")
    assert source.problem is None and "规章 | 1 | 1 | 28 |" in source.text.splitlines()


# --- What cannot be read: a ValueError, and a quarantine reason ------------------------------------


def _set_flag(word: bytearray, bit: int) -> None:
    word[10 + bit // 8] |= 1 << (bit % 8)  # FibBase's flags, a little-endian 16-bit field at 10


INVALID_CASES = {
    "not-ole2": (lambda: b"This is not a Word file at all.", "不是 OLE2 复合文档"),
    "cut-short": (lambda: _fixture("small.doc")[:600], "OLE2 容器已损坏"),
    "ole2-header-only": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "OLE2 容器已损坏"),
    "no-word-stream": (lambda: _fixture("small.doc").replace("WordDocument".encode("utf-16-le"),
                                                             "XordDocument".encode("utf-16-le")),
                       "没有 WordDocument 数据流"),
    "encrypted": (lambda: _with_word_stream(_fixture("small.doc"), lambda w: _set_flag(w, 8)), "已加密"),
    "word-95": (lambda: _with_word_stream(_fixture("small.doc"), lambda w: w.__setitem__(slice(2, 4), b"\x68\x00")),
                "Word 6.0/95"),
    "bad-ident": (lambda: _with_word_stream(_fixture("small.doc"), lambda w: w.__setitem__(slice(0, 2), b"\0\0")),
                  "bad wIdent"),
    # fWhichTblStm flipped: the piece table is looked for in 0Table, which this file does not have.
    "no-table-stream": (lambda: _with_word_stream(_fixture("small.doc"), lambda w: w.__setitem__(11, w[11] ^ 0x02)),
                        "0Table"),
}


@pytest.mark.parametrize("case", list(INVALID_CASES))
def test_invalid_input_is_a_value_error_and_a_quarantine_reason(case):
    make, words = INVALID_CASES[case]
    data = make()
    with pytest.raises(ValueError) as raised:
        doc_to_text(data)
    assert str(raised.value).startswith(INVALID) and words in str(raised.value)
    source = read_document("mem://x.doc", data, "x.doc")
    assert source.text is None and source.problem == str(raised.value)


def test_damaged_piece_table_is_a_value_error():
    def point_clx_away(word: bytearray) -> None:
        at = doc._read_fib(bytes(word))  # fcClx is the 34th (fc, lcb) pair of FibRgFcLcb97
        assert at["lcb_clx"]
        csw = struct.unpack_from("<H", word, 32)[0]
        cslw = struct.unpack_from("<H", word, 34 + csw * 2)[0]
        struct.pack_into("<I", word, 34 + csw * 2 + 2 + cslw * 4 + 2 + 33 * 8, 0x7FFFFFF0)

    with pytest.raises(ValueError, match="Clx"):
        doc_to_text(_with_word_stream(_fixture("small.doc"), point_clx_away))


# --- Lengths in the file are not trusted -----------------------------------------------------------


def _clx(pieces: list[tuple[int, int, int]]) -> bytes:
    """A Clx holding a PlcPcd: CPs, then one Pcd (8 bytes, fc at offset 2) per piece."""
    cps = [pieces[0][0]] + [limit for _start, limit, _fc in pieces]
    plc = struct.pack(f"<{len(cps)}I", *cps) + b"".join(struct.pack("<HIH", 0, fc, 0) for _s, _l, fc in pieces)
    return b"\x02" + struct.pack("<I", len(plc)) + plc


def test_pieces_repeating_the_stream_are_refused_not_multiplied():
    word = "政府信息公开".encode("utf-16-le") * 1000  # 12 KB of text
    honest = _clx([(0, 6000, 0)])
    assert len(doc._main_text(word, doc._read_pieces(honest, 0, len(honest)), 6000)) == 6000
    # 2,000 pieces, each claiming the whole stream again: 12 million characters from 12 KB.
    lying = _clx([(i * 6000, (i + 1) * 6000, 0) for i in range(2000)])
    with pytest.raises(ValueError, match="长度不可信"):
        doc._main_text(word, doc._read_pieces(lying, 0, len(lying)), 2000 * 6000)


def test_paragraph_property_pages_named_many_times_are_read_once():
    page = bytearray(512)
    struct.pack_into("<3I", page, 0, 0, 10, 20)  # two runs: fcs 0–10, 10–20
    page[511] = 2
    word = bytes(page)
    count = 100_000  # every entry names page 0
    table = struct.pack(f"<{count + 1}I", *range(count + 1)) + struct.pack(f"<{count}I", *([0] * count))
    props = doc._ParagraphProperties(word, table, b"", 0, len(table))
    assert len(props.runs) == 2
    # A length far beyond the stream is cut to what the stream holds.
    assert len(doc._ParagraphProperties(word, table, b"", 0, 0x7FFFFFF0).runs) == 2
