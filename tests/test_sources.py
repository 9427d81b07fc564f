"""URL manifests: CSV with a `url` column and optional jurisdiction, agency and year hints."""

from __future__ import annotations

import pytest

from etl.sources import ManifestEntry, read_manifest


def _write(tmp_path, text: str, bom: bool = False):
    path = tmp_path / "manifest.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def test_a_manifest_with_all_columns_gives_entries_with_hints(tmp_path):
    path = _write(
        tmp_path,
        "url,jurisdiction,agency,year\n"
        "https://www.gov.example/2023.html,北京市,北京市人民政府,2023\n"
        "\n"
        "http://x.example/a.txt, 海淀区 ,,\n",
    )
    assert read_manifest(path) == [
        ManifestEntry("https://www.gov.example/2023.html", "北京市", "北京市人民政府", 2023),
        ManifestEntry("http://x.example/a.txt", "海淀区", None, None),
    ]


def test_only_the_url_column_is_required_and_column_order_and_case_do_not_matter(tmp_path):
    path = _write(tmp_path, "Year,URL,notes\n2021,https://a.example/r,anything\n,https://b.example/r,\n")
    assert read_manifest(path) == [
        ManifestEntry("https://a.example/r", year_hint=2021),
        ManifestEntry("https://b.example/r"),
    ]


def test_a_byte_order_mark_does_not_hide_the_url_column(tmp_path):
    path = _write(tmp_path, "url,agency\r\nhttps://a.example/r,教育局\r\n", bom=True)
    assert read_manifest(path) == [ManifestEntry("https://a.example/r", agency_hint="教育局")]


def test_a_duplicate_url_is_kept_once_with_its_first_hints(tmp_path):
    path = _write(tmp_path, "url,year\nhttps://a.example/r,2020\nhttps://b.example/r,\nhttps://a.example/r,2021\n")
    assert read_manifest(path) == [
        ManifestEntry("https://a.example/r", year_hint=2020),
        ManifestEntry("https://b.example/r"),
    ]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("address,year\nhttps://a.example/r,2020\n", 1, "no `url` column"),
        ("url\nhttps://a.example/r\n\nftp://a.example/r\n", 4, "not an http(s) URL"),
        ("url\nwww.gov.example/report.html\n", 2, "not an http(s) URL"),
        ("url,year\nhttps://a.example/r,2020\nhttps://b.example/r,二〇二一\n", 3, "four-digit"),
        ("url,year\nhttps://a.example/r,21\n", 2, "four-digit"),
        ("url,year\n,2020\n", 2, "no URL"),
    ],
)
def test_a_bad_row_raises_naming_the_file_and_line(tmp_path, text, line, words):
    path = _write(tmp_path, text)
    with pytest.raises(ValueError) as error:
        read_manifest(path)
    assert f"{path}:{line}:" in str(error.value)
    assert words in str(error.value)


def test_an_empty_manifest_raises(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        read_manifest(_write(tmp_path, "\n\n"))
