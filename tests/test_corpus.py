"""The benchmark corpus (tests/fixtures/corpus.py): distinct reports, each format read as what it says."""

from __future__ import annotations

from collections import Counter

from etl.pipeline import file_items, read_item, parse_source, default_resolver
from tests.fixtures.corpus import doc_for, write_corpus
from tests.fixtures.generate import load_spec


def _parse(path):
    return parse_source(read_item(file_items([path])[0]), default_resolver())


def test_a_doc_with_another_place_and_year_reads_as_that_report_with_the_fixtures_cells(tmp_path):
    for fixture, place, year in (("003", "昆山市", 2023), ("report_2021", "江阴市", 2024)):
        original, renamed = tmp_path / f"{fixture}.doc", tmp_path / f"{fixture}-renamed.doc"
        spec = load_spec(fixture)
        original.write_bytes(doc_for(fixture, spec.place, spec.year))
        renamed.write_bytes(doc_for(fixture, place, year))
        before, after = _parse(original), _parse(renamed)
        assert after.status == "loaded" and before.status == "loaded"
        assert after.year == year and default_resolver().name(after.jurisdiction_code) == place
        assert after.jurisdiction_code != before.jurisdiction_code
        assert after.applications == before.applications and after.article20 == before.article20
        assert after.review_litigation == before.review_litigation


def test_a_mixed_corpus_has_every_format_and_no_identity_twice(tmp_path):
    paths = write_corpus(tmp_path, 40, {"html": 60, "pdf": 25, "docx": 5, "doc": 5, "text": 5})
    assert Counter(p.stem.split("_")[1] for p in paths) == {"html": 24, "pdf": 10, "docx": 2, "doc": 2, "text": 2}
    assert {p.suffix for p in paths if "_doc." in p.name} == {".doc"}
    docs = [_parse(p) for p in paths if p.suffix in (".doc", ".docx", ".txt")]
    assert all(r.status == "loaded" for r in docs)
    assert len({(r.jurisdiction_code, r.agency, r.year) for r in docs}) == len(docs)
