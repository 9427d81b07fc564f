"""Archived bytes are checked against their sha256 when read back; a damaged or missing entry is
fetched (or read) again from its source, and a report that cannot be had is reported, not dropped."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from etl import archive
from etl.fetch import load_states
from etl.pipeline import WorkItem, process_items, summarise
from tests.conftest import seed_paths
from tests.http_server import ReportServer


@pytest.fixture
def report_bytes() -> bytes:
    return seed_paths()[3].read_bytes()  # 003: a report with all three tables


def damage(sha: str) -> None:
    path = archive.path_of(sha)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit: the size stays, only the digest can tell
    path.write_bytes(bytes(data))


def test_damaged_bytes_are_detected_on_load_and_moved_aside(tmp_path):
    sha = archive.store(b"annual report", tmp_path)
    path = archive.path_of(sha, tmp_path)
    path.write_bytes(b"annual rep0rt")
    with pytest.raises(archive.CorruptEntry, match="do not match their sha256"):
        archive.load(sha, tmp_path)
    assert not archive.has(sha, tmp_path)  # the entry now counts as missing ...
    assert path.with_name(path.name + ".corrupt").read_bytes() == b"annual rep0rt"  # ... kept for inspection
    assert archive.store(b"annual report", tmp_path) == sha  # and storing the right bytes repairs it
    assert archive.load(sha, tmp_path) == b"annual report"


def test_a_truncated_entry_is_rewritten_by_the_next_store(tmp_path):
    sha = archive.store(b"annual report", tmp_path)
    archive.path_of(sha, tmp_path).write_bytes(b"annual")
    archive.store(b"annual report", tmp_path)
    assert archive.load(sha, tmp_path) == b"annual report"


def _count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar()


@pytest.mark.parametrize("fault", ["damaged", "deleted"])
def test_a_download_whose_entry_is_bad_is_fetched_again(engine, report_bytes, monkeypatch, fault):
    monkeypatch.setenv("OGI_FETCH_ALLOW", "127.0.0.1")  # the test server is on loopback
    sha = archive.store(report_bytes)
    if fault == "damaged":
        damage(sha)
    else:
        archive.path_of(sha).unlink()
    with ReportServer({"/r/report.txt": report_bytes}) as server:
        url = server.url("/r/report.txt")
        outcomes = process_items([WorkItem(url, sha256=sha, name="report.txt")], engine)
        assert server.hits == [("/r/report.txt", 200)]
    assert [(o.action, o.status) for o in outcomes] == [("new", "loaded")]
    assert archive.load(sha) == report_bytes  # repaired
    assert load_states(engine, [url])[url]["sha256"] == sha  # the refetch is recorded
    assert _count(engine, "select count(*) from v_applications_long") > 0


def test_a_download_that_cannot_be_fetched_again_is_reported_in_the_summary(engine, report_bytes, monkeypatch):
    monkeypatch.setenv("OGI_FETCH_ALLOW", "127.0.0.1")
    sha = archive.store(report_bytes)
    damage(sha)
    with ReportServer({}) as server:  # the site no longer has it
        url = server.url("/r/gone.txt")
        outcomes = process_items([WorkItem(url, sha256=sha, name="gone.txt")], engine)
    assert [(o.action, o.report_id) for o in outcomes] == [("missing", None)]
    summary = summarise(engine, outcomes)
    assert summary.by_action == {"missing": 1}
    assert len(summary.problems) == 1
    problem = summary.problems[0]
    assert problem.startswith(f"{url}: missing: archived bytes of {sha} do not match their sha256")
    assert "fetching it again failed: HTTP 404" in problem
    assert "1 source problem(s):" in summary.lines()
    assert _count(engine, "select count(*) from core.report") == 0  # nothing loaded from bad bytes


def test_a_file_report_is_read_again_from_its_file_or_reported(engine, report_bytes, tmp_path):
    path = tmp_path / "report.txt"
    path.write_bytes(report_bytes)
    sha = hashlib.sha256(report_bytes).hexdigest()
    archive.store(report_bytes)
    damage(sha)
    outcomes = process_items([WorkItem(str(path), sha256=sha, name="report.txt")], engine)
    assert [(o.action, o.status) for o in outcomes] == [("new", "loaded")]
    assert archive.load(sha) == report_bytes

    damage(sha)
    path.unlink()
    lost = process_items([WorkItem(str(path), sha256=sha, name="report.txt")], engine, force=True)
    assert lost[0].action == "missing" and "the original file" in lost[0].describe and "is gone too" in lost[0].describe
    assert summarise(engine, lost).problems == [f"{path}: {lost[0].describe}"]
