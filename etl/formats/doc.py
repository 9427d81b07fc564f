"""A legacy Word 97–2003 (.doc) report → the plain text the parser reads (etl.text_layout).

Pure Python on top of olefile (the OLE2 "compound file" container), following Microsoft's
[MS-DOC] specification. Only what the parser needs is read: the main document's characters and,
for tables, which paragraph marks end a cell or a row and which cells a merge covers. Fonts,
styles, pictures, headers, footnotes and comments are skipped.

The output has the layout of etl.formats.docx: paragraphs as lines, each table row as one line in
the pipe layout (`规章 | 0 |  | 3 |`), a merged cell printed once at its origin and the positions it
covers left out (so the values after a row label are not shifted), a really empty cell kept as an
empty field.
"""

from __future__ import annotations

import io
import struct
from bisect import bisect_right

from etl.formats.docx import join_wrapped, pipe_row

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_INVALID = "不是有效的 Word 97-2003 (.doc) 文件 / not a valid Word 97-2003 (.doc) file"

# Paragraph and table sprms ([MS-DOC] "Paragraph Properties", "Table Properties").
_SPRM_P_F_IN_TABLE = 0x2416  # the paragraph is in a table cell
_SPRM_P_F_TTP = 0x2417  # the paragraph is a row's "table terminating paragraph" (the row mark)
_SPRM_P_ITAP = 0x6649  # table depth (Word 2000+); 1 is an outermost table
_SPRM_P_HUGE_PAPX = 0x6646  # the real properties are in the Data stream (a long TAP)
_SPRM_P_CHG_TABS = 0xC615  # an operand whose size byte may be 255 ("complex", see _sprms)
_SPRM_T_DEF_TABLE10 = 0xD606  # (obsolete) and
_SPRM_T_DEF_TABLE = 0xD608  # a row's cells: boundaries and a TC80 (with merge flags) each
_SPRM_T_MERGE = 0x5624  # legacy horizontal merge of cells itcFirst..itcLim-1
_SPRM_T_SPLIT = 0x5625  # undoes it
_SPRM_T_VERT_MERGE = 0xD62B  # one cell's vertical merge flag

# Merge flags ([MS-DOC] "TCGRF"): horzMerge 2 and 3 and vertMerge 1 mark a position covered
# by the merge begun to its left / above. The covered positions still have their (empty) cell
# marks in the text, so they must be dropped by these flags, not by their emptiness.
_HORZ_COVERED = {2, 3}
_VERT_COVERED = 1


def doc_to_text(data: bytes) -> str:
    """The text of a .doc file: paragraphs as lines, tables in the pipe layout, in document order.

    Raises ValueError (its message is shown to whoever supplied the file) when the bytes are not
    a readable Word 97–2003 document: not OLE2, no WordDocument stream, encrypted, a Word 6/95
    file, or damaged structures.
    """
    import olefile

    if not data.startswith(_OLE2_MAGIC):
        raise ValueError(f"{_INVALID}：不是 OLE2 复合文档 / not an OLE2 compound file")
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if not ole.exists("WordDocument"):
                raise ValueError(f"{_INVALID}：没有 WordDocument 数据流（可能是 Excel、PowerPoint 或 WPS 文件）"
                                 " / no WordDocument stream")
            word = ole.openstream("WordDocument").read()
            fib = _read_fib(word)
            table_name = "1Table" if fib["which_table"] else "0Table"
            if not ole.exists(table_name):
                raise ValueError(f"{_INVALID}：缺少 {table_name} 数据流 / the {table_name} stream is missing")
            table = ole.openstream(table_name).read()
            data_stream = ole.openstream("Data").read() if ole.exists("Data") else b""
    except Exception as error:  # olefile raises OSError, ValueError, struct.error… for a broken container
        if str(error).startswith(_INVALID):
            raise
        raise ValueError(f"{_INVALID}：OLE2 容器已损坏 / damaged OLE2 container ({error})") from error
    try:
        pieces = _read_pieces(table, fib["fc_clx"], fib["lcb_clx"])
        papx = _ParagraphProperties(word, table, data_stream, fib["fc_bte_papx"], fib["lcb_bte_papx"])
        return _render(_main_text(word, pieces, fib["ccp_text"]), papx)
    except Exception as error:  # struct.error, IndexError…: offsets pointing outside the streams
        if str(error).startswith(_INVALID):
            raise
        raise ValueError(f"{_INVALID}：文件结构已损坏 / damaged structure ({error})") from error


# --- File Information Block ([MS-DOC] "Fib") ------------------------------------------------------


def _read_fib(word: bytes) -> dict:
    if len(word) < 154:
        raise ValueError(f"{_INVALID}：WordDocument 数据流太短 / WordDocument stream too short")
    # FibBase: wIdent 0xA5EC, nFib, then a 16-bit field of flags.
    w_ident, n_fib = struct.unpack_from("<HH", word, 0)
    flags = struct.unpack_from("<H", word, 10)[0]
    if w_ident != 0xA5EC:
        raise ValueError(f"{_INVALID}：WordDocument 标识不对 / bad wIdent 0x{w_ident:04X}")
    # Word 6 and Word 95 (nFib below 0x00C1) store text in another, 8-bit layout without a piece
    # table in this form; they are rare now and re-saving as .docx is the better answer.
    if n_fib < 0x00C1:
        raise ValueError(f"{_INVALID}：这是 Word 6.0/95 格式（nFib 0x{n_fib:04X}），请另存为 .docx"
                         " / a Word 6.0/95 file, please save it as .docx")
    # fEncrypted (bit 8) covers both real encryption and XOR obfuscation (fObfuscated, bit 15).
    if flags & 0x0100:
        raise ValueError(f"{_INVALID}：文件已加密或设有打开密码，请去除密码后另存 / the file is encrypted")
    # FibRgW97, FibRgLw97 and FibRgFcLcb blobs follow with their own lengths (csw, cslw,
    # cbRgFcLcb); their sizes grow with Word versions, so the offsets are computed, not fixed.
    csw = struct.unpack_from("<H", word, 32)[0]
    lw_at = 34 + csw * 2
    cslw = struct.unpack_from("<H", word, lw_at)[0]
    # FibRgLw97: cbMac, reserved1, reserved2, ccpText — the main document's length in CPs.
    ccp_text = struct.unpack_from("<i", word, lw_at + 2 + 3 * 4)[0]
    fclcb_at = lw_at + 2 + cslw * 4 + 2  # after cbRgFcLcb

    def fc_lcb(index: int) -> tuple[int, int]:  # the index-th (fc, lcb) pair of FibRgFcLcb97
        return struct.unpack_from("<II", word, fclcb_at + index * 8)

    fc_clx, lcb_clx = fc_lcb(33)  # fcClx / lcbClx: the piece table
    fc_bte_papx, lcb_bte_papx = fc_lcb(13)  # fcPlcfBtePapx: where the paragraph properties are
    if lcb_clx == 0:
        raise ValueError(f"{_INVALID}：缺少文本分段表 (Clx) / no piece table")
    return {"which_table": bool(flags & 0x0200),  # fWhichTblStm: 1Table or 0Table
            "ccp_text": ccp_text, "fc_clx": fc_clx, "lcb_clx": lcb_clx,
            "fc_bte_papx": fc_bte_papx, "lcb_bte_papx": lcb_bte_papx}


# --- Text: the piece table ([MS-DOC] "Retrieving Text", "Clx", "PlcPcd", "Pcd") -----------------


def _read_pieces(table: bytes, fc_clx: int, lcb_clx: int) -> list[tuple[int, int, int, bool]]:
    """(first CP, CP limit, file offset, compressed) of each piece of text, in CP order."""
    clx = table[fc_clx:fc_clx + lcb_clx]
    at = 0
    # The Clx starts with any number of Prc (clxt 0x01: property modifiers of fast-saved files,
    # ignored here) and ends with one Pcdt (clxt 0x02) holding the PlcPcd.
    while at < len(clx) and clx[at] == 0x01:
        at += 3 + struct.unpack_from("<H", clx, at + 1)[0]  # cbGrpprl, read unsigned: always forward
    if at >= len(clx) or clx[at] != 0x02:
        raise ValueError(f"{_INVALID}：文本分段表 (Clx) 已损坏 / damaged piece table")
    lcb = struct.unpack_from("<I", clx, at + 1)[0]
    plc = clx[at + 5:at + 5 + lcb]
    count = (len(plc) - 4) // 12  # n+1 CPs of 4 bytes, then n Pcds of 8 bytes
    cps = struct.unpack_from(f"<{count + 1}I", plc, 0)
    pieces = []
    for i in range(count):
        fc = struct.unpack_from("<I", plc, (count + 1) * 4 + i * 8 + 2)[0]  # Pcd.fc (FcCompressed)
        # FcCompressed.fCompressed (bit 30): 8-bit text at fc/2 (Western text in older files), else
        # UTF-16LE at fc — the normal case for Chinese documents.
        compressed = bool(fc & 0x40000000)
        fc &= 0x3FFFFFFF
        pieces.append((cps[i], cps[i + 1], fc // 2 if compressed else fc, compressed))
    return pieces


def _main_text(word: bytes, pieces, ccp_text: int) -> list[tuple[str, int]]:
    """(character, its offset in the WordDocument stream) for the main document's CPs 0..ccpText-1;
    the offset finds the character's paragraph properties, which are kept by offset, not CP."""
    chars: list[tuple[str, int]] = []
    # Lengths in the file are untrusted: pieces overlapping or repeating one stretch of the stream
    # would multiply the text (a 1 MB stream read 100,000 times). Real pieces partition the text,
    # so the main document has at most one character per byte of the stream.
    budget = len(word)
    for cp_start, cp_limit, fc, compressed in pieces:
        if cp_start >= ccp_text:
            break  # footnotes, headers, comments and text boxes follow the main document
        n = min(cp_limit, ccp_text) - cp_start
        if n <= 0:
            continue
        budget -= n
        if budget < 0:
            raise ValueError(f"{_INVALID}：文本分段表的长度不可信（文本比文件还长）/ piece table lengths exceed the stream")
        if compressed:
            # cp1252; its few undefined bytes become U+FFFD, so one byte stays one character.
            text = word[fc:fc + n].decode("cp1252", errors="replace")
            chars.extend((ch, fc + i) for i, ch in enumerate(text))
        else:
            text = word[fc:fc + 2 * n].decode("utf-16-le", errors="replace")
            chars.extend((ch, fc + 2 * i) for i, ch in enumerate(text))
    return chars


# --- Paragraph and table properties ([MS-DOC] "PlcBtePapx", "PapxFkp", "BxPap", "PapxInFkp") ---


def _sprms(grpprl: bytes):
    """(sprm, operand) for each Sprm of a grpprl ([MS-DOC] "Sprm": spra gives the operand's size)."""
    at = 0
    while at + 2 <= len(grpprl):
        sprm = struct.unpack_from("<H", grpprl, at)[0]
        at += 2
        spra = sprm >> 13  # the operand's size: 1, 1, 2, 4, 2, 2, variable, 3 bytes
        if spra != 6:
            size = (1, 1, 2, 4, 2, 2, 0, 3)[spra]
        elif sprm in (_SPRM_T_DEF_TABLE, _SPRM_T_DEF_TABLE10):
            size = struct.unpack_from("<H", grpprl, at)[0] + 1  # a 2-byte cb, counting one byte of itself
        elif sprm == _SPRM_P_CHG_TABS and at < len(grpprl) and grpprl[at] == 255:
            # PChgTabsOperand with cb 255: its real size is in its two tab lists.
            deleted = grpprl[at + 1]
            added = grpprl[at + 2 + 4 * deleted]
            size = 1 + 1 + 4 * deleted + 1 + 3 * added
        else:
            size = 1 + grpprl[at]  # a size byte, then that many bytes
        yield sprm, grpprl[at:at + size]
        at += size


class _ParagraphProperties:
    """The sprms of the paragraph whose mark is at a given stream offset.

    PlcBtePapx (in the table stream) lists 512-byte PapxFkp pages of the WordDocument
    stream; each page maps runs of file offsets (one run per paragraph) to a PapxInFkp: a style
    index and the paragraph's sprms (for a row mark, the row's table properties too).
    """

    def __init__(self, word: bytes, table: bytes, data_stream: bytes, fc_plc: int, lcb_plc: int):
        self.starts: list[int] = []
        self.runs: list[tuple[int, int, bytes]] = []  # (fc start, fc limit, grpprl)
        count = (lcb_plc - 4) // 8  # n+1 FCs, then n PnFkpPapx of 4 bytes
        # An untrusted length: no more entries than the table stream holds, and each 512-byte
        # page read once (a list naming one page a million times must not cost a million reads).
        count = min(count, (len(table) - fc_plc) // 8)
        pages_read: set[int] = set()
        huge: dict[bytes, bytes] = {}  # paragraphs formatted alike share their sprms: look once
        for i in range(max(count, 0)):
            pn = struct.unpack_from("<I", table, fc_plc + (count + 1) * 4 + i * 4)[0] & 0x3FFFFF
            if pn in pages_read:
                continue
            pages_read.add(pn)
            page = word[pn * 512:(pn + 1) * 512]
            crun = page[511]
            fcs = struct.unpack_from(f"<{crun + 1}I", page, 0)
            for j in range(crun):
                b_offset = page[(crun + 1) * 4 + j * 13] * 2  # BxPap.bOffset, in words
                grpprl = b""
                if b_offset:
                    cb = page[b_offset]
                    # PapxInFkp: cb 0 → the next byte holds the size in words; else 2*cb-1 bytes.
                    body = (page[b_offset + 2:b_offset + 2 + 2 * page[b_offset + 1]] if cb == 0
                            else page[b_offset + 1:b_offset + 2 * cb])
                    grpprl = body[2:]  # after the istd (the paragraph style)
                    found = huge.get(grpprl)
                    if found is None:
                        found = huge[grpprl] = self._huge(grpprl, data_stream)
                    grpprl = found
                self.runs.append((fcs[j], fcs[j + 1], grpprl))
        self.runs.sort()
        self.starts = [run[0] for run in self.runs]

    @staticmethod
    def _huge(grpprl: bytes, data_stream: bytes) -> bytes:
        # sprmPHugePapx (a row with many cells): the grpprl lives in the Data stream as a
        # PrcData: a 2-byte length, then the sprms.
        for sprm, operand in _sprms(grpprl):
            if sprm == _SPRM_P_HUGE_PAPX:
                at = struct.unpack_from("<I", operand)[0]
                size = struct.unpack_from("<H", data_stream, at)[0]
                return data_stream[at + 2:at + 2 + size]
        return grpprl

    def at(self, fc: int) -> bytes:
        i = bisect_right(self.starts, fc) - 1
        if i >= 0 and self.runs[i][0] <= fc < self.runs[i][1]:
            return self.runs[i][2]
        return b""


def _paragraph_kind(grpprl: bytes) -> tuple[bool, bool]:
    """(in an outermost table, is a row mark). A nested table's cells are paragraphs of depth
    itap > 1 ended by plain paragraph marks; they stay text of their outer cell (as in .docx)."""
    in_table = row_end = False
    for sprm, operand in _sprms(grpprl):
        if sprm == _SPRM_P_F_IN_TABLE:
            in_table = operand[:1] != b"\x00"
        elif sprm == _SPRM_P_F_TTP:
            row_end = operand[:1] != b"\x00"
        elif sprm == _SPRM_P_ITAP:
            in_table = struct.unpack_from("<i", operand)[0] >= 1
    return in_table, row_end


def _covered_cells(grpprl: bytes) -> set[int]:
    """Indexes of the cells of a row that a merge covers, from the row mark's table sprms: the TC80
    array of sprmTDefTable ("TDefTableOperand", "TC80", "TCGRF"), then sprmTVertMerge / sprmTMerge /
    sprmTSplit, which change single cells after it."""
    horz: dict[int, int] = {}
    vert: dict[int, int] = {}
    for sprm, operand in _sprms(grpprl):
        if sprm == _SPRM_T_DEF_TABLE:
            # TDefTableOperand: cb (2), itcMac (1), rgdxaCenter (itcMac+1 × 2), rgTc80 (× 20 bytes,
            # possibly fewer than itcMac: the rest are unmerged).
            itc_mac = operand[2]
            at = 3 + (itc_mac + 1) * 2
            for itc in range(itc_mac):
                if at + 2 > len(operand):
                    break
                tcgrf = struct.unpack_from("<H", operand, at)[0]
                horz[itc], vert[itc] = tcgrf & 0x3, (tcgrf >> 5) & 0x3
                at += 20
        elif sprm == _SPRM_T_VERT_MERGE and len(operand) >= 3:  # cb, itc, vertMerge
            vert[operand[1]] = operand[2]
        elif sprm in (_SPRM_T_MERGE, _SPRM_T_SPLIT):  # itcFirst, itcLim
            first, limit = operand[0], operand[1]
            for itc in range(first, limit):
                horz[itc] = 0 if sprm == _SPRM_T_SPLIT else (1 if itc == first else 2)
    return {itc for itc, flag in horz.items() if flag in _HORZ_COVERED} | \
        {itc for itc, flag in vert.items() if flag == _VERT_COVERED}


# --- Characters → lines ([MS-DOC] "Overview of Tables", "Determining Paragraph Boundaries") ----

_PARAGRAPH_ENDS = "\r\x07\x0c\x0e"  # paragraph mark, cell/row mark, page/section break, column break
_SOFT_BREAK = "\x0b"  # vertical tab: a manual line break inside a paragraph
_FIELD_BEGIN, _FIELD_SEPARATOR, _FIELD_END = "\x13", "\x14", "\x15"  # "PlcFld": code, then result
# Other control characters stand for pictures (0x01), drawn objects (0x08), footnote and comment
# references (0x02, 0x05), optional hyphens (0x1F)…: nothing to read. A tab is white space, which
# join_wrapped normalises; a non-breaking hyphen (0x1E) is a hyphen.
_DROPPED = {chr(c) for c in range(0x20)} - {"\t", "\x1e"}


def _render(chars: list[tuple[str, int]], papx: _ParagraphProperties) -> str:
    lines: list[str] = []  # the document's lines
    pieces: list[str] = [""]  # the current paragraph, a new piece after each manual line break
    cell: list[str] = []  # the paragraphs of the current table cell so far
    row: list[str] = []  # the cells of the current table row so far
    fields: list[bool] = []  # one per open field: showing its result (True) or its code (False)
    # Paragraphs formatted alike share their sprms: each distinct grpprl is read once.
    kinds: dict[bytes, tuple[bool, bool]] = {}
    covers: dict[bytes, set[int]] = {}

    for ch, fc in chars:
        # Paragraph ends are followed even inside a field code, so that a field spanning
        # paragraphs (a table of contents) cannot throw the paragraphs and cells out of step.
        if ch in _PARAGRAPH_ENDS:
            # A page or section break is taken as a paragraph end too: its properties are those
            # of the paragraph it is in (or ends), so a break inside a cell stays in the cell.
            grpprl = papx.at(fc)
            kind = kinds.get(grpprl)
            if kind is None:
                kind = kinds[grpprl] = _paragraph_kind(grpprl)
            in_table, row_end = kind
            if ch == "\x07" and row_end:
                covered = covers.get(grpprl)
                if covered is None:
                    covered = covers[grpprl] = _covered_cells(grpprl)
                cells = [text for index, text in enumerate(row) if index not in covered]
                if cells:
                    lines.append(pipe_row(cells))
                row = []
            elif ch == "\x07" or in_table:
                # Inside a cell every break, paragraph or manual, only joins: one cell, one field.
                cell.append(join_wrapped(pieces))
                if ch == "\x07":  # a cell mark ends the cell's last paragraph
                    row.append(join_wrapped(cell))
                    cell = []
            else:
                # Cells never closed by a row mark (a damaged file, or properties not found):
                # keep their text rather than lose it.
                lines.extend(([pipe_row(row)] if row else []) + cell)
                cell, row = [], []
                lines.append(join_wrapped(pieces))
            pieces = [""]
        elif ch == _FIELD_BEGIN:
            fields.append(False)
        elif ch == _FIELD_SEPARATOR:
            if fields:
                fields[-1] = True
        elif ch == _FIELD_END:
            if fields:
                fields.pop()
        elif not all(fields):  # inside a field's code
            continue
        elif ch == _SOFT_BREAK:
            pieces.append("")
        elif ch not in _DROPPED:
            pieces[-1] += "-" if ch == "\x1e" else ch
    lines.extend(([pipe_row(row)] if row else []) + cell)
    lines.append(join_wrapped(pieces))
    return "\n".join(line for line in lines if line) + "\n"
