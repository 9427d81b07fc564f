"""The format readers on hostile input: zip bombs, entity expansion, external entities, markup
nested 100,000 deep. Each is read safely or refused with a reason (ValueError, which
etl.extract.read_document turns into a quarantine reason) — never expanded, fetched or crashed on.
Inputs are generated here, small; limits are lowered where a real bomb would be slow to build."""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib

import pytest

from etl.extract import read_document
from etl.formats.docx import docx_to_text
from etl.formats.html import html_to_text
from etl.limits import MB, Limits
from tests.fixtures.generate import docx_bytes

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
PARAGRAPH = "<w:p><w:r><w:t>{}</w:t></w:r></w:p>"


def docx_with_document(xml: str | bytes, extra: dict[str, bytes] | None = None) -> bytes:
    """A real generated .docx whose word/document.xml is replaced by xml."""
    original = zipfile.ZipFile(io.BytesIO(docx_bytes(["一、总体情况"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in original.infolist():
            data = original.read(info.filename)
            if info.filename == "word/document.xml":
                data = xml.encode("utf-8") if isinstance(xml, str) else xml
            z.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def document(body: str, doctype: str = "") -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<w:document {W}><w:body>{body}</w:body></w:document>'


# --- DOCX: a zip ------------------------------------------------------------------------------------


def test_docx_reads_its_main_part():
    assert docx_to_text(docx_with_document(document(PARAGRAPH.format("二、主动公开")))) == "二、主动公开\n"


def test_docx_zip_bomb_is_refused_by_its_declared_size():
    # 3 MB of zeros beside the document (a few KB compressed), under a 1 MB limit.
    data = docx_with_document(document(PARAGRAPH.format("正文")), {"word/media/bomb.bin": bytes(3 * MB)})
    assert len(data) < 64 * 1024
    limits = Limits(max_unpacked_bytes=1 * MB)
    with pytest.raises(ValueError) as refused:
        docx_to_text(data, limits)
    assert str(refused.value) == limits.unpacked_too_large()
    assert docx_to_text(data, Limits(max_unpacked_bytes=4 * MB)) == "正文\n"


def test_docx_zip_bomb_at_real_scale_is_refused_with_the_default_limit():
    # 300 MB of zeros compress to about 300 KB: built by streaming, never held unpacked.
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(MB)
    compressed = b"".join(compressor.compress(chunk) for _ in range(300)) + compressor.flush()
    crc = 0
    for _ in range(300):
        crc = zlib.crc32(chunk, crc)
    bomb = _raw_zip_member("word/document.xml", compressed, 300 * MB, crc)
    started = time.monotonic()
    source = read_document("mem://bomb.docx", bomb, "bomb.docx")
    assert source.text is None and source.problem == Limits().unpacked_too_large()
    assert time.monotonic() - started < 5


def test_docx_member_unpacking_to_more_than_it_declares_is_refused():
    xml = document(PARAGRAPH.format("正" * 50_000)).encode("utf-8")
    compressed = zlib.compress(xml, 9)[2:-4]  # raw deflate
    lying = _raw_zip_member("word/document.xml", compressed, 1000, zlib.crc32(xml))  # says 1,000 bytes
    with pytest.raises(ValueError, match="not a valid .docx"):
        docx_to_text(lying)


def _raw_zip_member(name: str, compressed: bytes, size: int, crc: int) -> bytes:
    """A zip of one deflated member whose headers declare `size` unpacked bytes."""
    encoded = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(compressed), size, len(encoded), 0)
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(compressed), size,
                          len(encoded), 0, 0, 0, 0, 0, 0)
    body = local + encoded + compressed
    directory = central + encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(directory), len(body), 0)
    return body + directory + end


def test_docx_entities_are_not_expanded():
    laughs = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    doctype = f'<!DOCTYPE w:document [<!ENTITY lol0 "lol">{laughs}]>'
    started = time.monotonic()
    source = read_document("mem://laughs.docx", docx_with_document(document(PARAGRAPH.format("前&lol9;后"), doctype)),
                           "laughs.docx")
    assert time.monotonic() - started < 2
    # libxml2 refuses the amplification outright; read or refused, nothing is expanded.
    if source.text is None:
        assert "amplification" in source.problem
    else:
        assert "lol" not in source.text and len(source.text) < 100


def test_docx_external_entities_are_not_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-LINE", encoding="utf-8")
    doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    try:
        text = docx_to_text(docx_with_document(document(PARAGRAPH.format("前&xxe;后"), doctype)))
    except ValueError:
        return  # refused is as good as not fetched
    assert "TOP-SECRET" not in text


def test_docx_nested_100k_deep_is_refused_with_a_reason():
    depth = 100_000
    body = "<w:sdt><w:sdtContent>" * depth + PARAGRAPH.format("深") + "</w:sdtContent></w:sdt>" * depth
    source = read_document("mem://deep.docx", docx_with_document(document(body)), "deep.docx")
    assert source.text is None and "not a valid .docx" in source.problem


def test_not_a_docx_is_refused():
    for data in (b"PK\x03\x04 not really a zip", _raw_zip_member("other.xml", zlib.compress(b"<a/>")[2:-4], 4,
                                                                  zlib.crc32(b"<a/>"))):
        with pytest.raises(ValueError, match="not a valid .docx"):
            docx_to_text(data)


# --- HTML -------------------------------------------------------------------------------------------


def test_html_nested_100k_deep_is_refused_with_its_reason_not_a_crash():
    # libxml2 stops at depth 256 and keeps what it had: the rest of the page would be lost without
    # a word, so the page is refused (the report quarantined with this reason) instead.
    depth = 100_000
    for opening, closing in (("<div>", "</div>"), ("<table><tr><td>", "</td></tr></table>"), ("<b>", "</b>")):
        page = f"<html><body><p>一、总体情况</p>{opening * depth}深{closing * depth}</body></html>"
        started = time.monotonic()
        with pytest.raises(ValueError, match="HTML 页面无法完整读取"):
            html_to_text(page.encode("utf-8"))
        assert time.monotonic() - started < 10


def test_html_entities_are_not_expanded_nor_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-LINE", encoding="utf-8")
    laughs = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    page = (f'<?xml version="1.0" encoding="utf-8"?><!DOCTYPE html [<!ENTITY lol0 "lol">{laughs}'
            f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
            "<html><body><p>一、总体情况</p><p>前&lol9;中&xxe;后</p></body></html>")
    started = time.monotonic()
    text = html_to_text(page.encode("utf-8"))
    assert time.monotonic() - started < 2
    assert "TOP-SECRET" not in text and "lollol" not in text
    assert text.startswith("一、总体情况\n")
