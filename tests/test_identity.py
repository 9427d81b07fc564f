"""Who published a report, and that no report ever overwrites another's.

Generated reports (tests/fixtures/publishers.py) of every kind of publisher under every title
shape must come back with their exact identity; reports of different bodies for one place and
year are all current; two files that read as one identity are both kept, each with an
identity_conflict, and a rerun changes nothing.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import etl.pipeline

from etl.extract import read_document
from etl.jurisdictions import JurisdictionResolver
from etl.metadata import find_title, normalise_agency, read_issuer, read_metadata
from etl.pipeline import process_files, summarise
from etl.transform import parse_report
from tests.fixtures.publishers import (
    PUBLISHERS, TITLE_SHAPES, render_publisher_html, render_publisher_text, shape_of,
)


@pytest.fixture(scope="module")
def resolver():
    return JurisdictionResolver.from_csv()


def _rows(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def _identity(report) -> tuple:
    return (report.status, report.jurisdiction_code, report.agency, report.zone, report.year, report.agency_printed)


def test_the_generator_covers_the_kinds_and_shapes_the_issue_asks_for():
    assert len({p.kind for p in PUBLISHERS}) >= 12
    assert len(TITLE_SHAPES) >= 10


@pytest.mark.parametrize("shape", list(TITLE_SHAPES))
@pytest.mark.parametrize("publisher", PUBLISHERS, ids=lambda p: p.kind)
def test_every_publisher_under_every_title_shape(publisher, shape, resolver):
    report = parse_report(render_publisher_text(publisher, shape), "x.txt", "0" * 64, resolver)
    assert _identity(report) == ("loaded", publisher.code, publisher.agency, publisher.zone, 2020, publisher.printed)
    assert report.title is not None and str(2020) in report.title
    assert not [i for i in report.issues if i.table_name == "report"]  # the title decided: nothing inferred


@pytest.mark.parametrize("shape", ["工作年度报告", "cut by the site", "year last"])
@pytest.mark.parametrize("publisher", PUBLISHERS[::3], ids=lambda p: p.kind)
def test_a_title_only_in_the_pages_title_element(publisher, shape, resolver):
    title = TITLE_SHAPES[shape].format(p=publisher.printed, y=2020)
    source = read_document("report.html", render_publisher_html(publisher, title), "report.html")
    report = parse_report(source.text, source.source_uri, source.sha256, resolver)
    assert _identity(report) == ("loaded", publisher.code, publisher.agency, publisher.zone, 2020, publisher.printed)


@pytest.mark.parametrize("publisher", PUBLISHERS, ids=lambda p: p.kind)
def test_without_a_title_the_signature_decides_over_the_chrome(publisher, resolver):
    text = render_publisher_text(publisher, "工作年度报告").split("\n", 1)[1]  # the title line gone
    report = parse_report(text, "x.txt", "0" * 64, resolver)
    assert _identity(report) == ("loaded", publisher.code, publisher.agency, publisher.zone, 2020, publisher.printed)


def test_without_title_or_signature_the_chrome_decides_with_a_warning(resolver):
    department = PUBLISHERS[2]  # 江苏省教育厅; its page says 来源：江苏省人民政府办公室
    lines = render_publisher_text(department, "工作年度报告").rstrip("\n").split("\n")[1:-2]
    report = parse_report("\n".join(lines), "x.txt", "0" * 64, resolver)
    assert (report.jurisdiction_code, report.agency) == ("320000", "人民政府办公室")
    [issue] = [i for i in report.issues if i.table_name == "report"]
    assert issue.check_code == "identity_inferred" and "来源" in issue.detail


def test_the_narrative_decides_last_by_the_body_it_names_most(resolver):
    text = "一、总体情况\n" + "江苏省教育厅坚持公开。" * 5 + "按照江苏省人民政府部署。省政府办公厅：\n"
    meta = read_metadata(text, resolver)
    assert (meta.jurisdiction_code, meta.agency) == ("320000", "教育厅")
    [issue] = meta.issues
    assert issue.check_code == "identity_inferred"
    assert "江苏省教育厅" in issue.detail and "5 次" in issue.detail and "江苏省人民政府(1次)" in issue.detail


def test_an_agency_nobody_names_is_quarantined_never_defaulted(resolver):
    text = "苏州市2020年政府信息公开工作年度报告\n一、总体情况\n本机关坚持公开为常态。\n"
    report = parse_report(text, "x.txt", "0" * 64, resolver)
    assert report.status == "quarantined"
    assert report.agency is None and "发布机关" in report.status_detail
    # The same title with a 落款 that names the body is read.
    signed = parse_report(text + "苏州市财政局\n2021年1月20日\n", "x.txt", "0" * 64, resolver)
    assert (signed.jurisdiction_code, signed.agency) == ("320500", "财政局")


def test_a_heading_without_issuer_gives_way_to_the_title_below_it(resolver):
    meta = read_metadata("2020年政府信息公开工作年度报告\n江苏省教育厅2020年度政府信息公开工作年度报告\n", resolver)
    assert (meta.jurisdiction_code, meta.agency, meta.year) == ("320000", "教育厅", 2020)


@pytest.mark.parametrize("text", [
    "根据《国务院办公厅政府信息与政务公开办公室关于政府信息公开工作年度报告有关事项的通知》要求",  # no year
    "一、总体情况\n" + "正文。\n" * 40 + "详见《苏州市财政局2019年政府信息公开工作年度报告》。",  # quoted far below
    "苏州市财政局2020年工作总结",  # not a disclosure report
])
def test_what_is_not_the_reports_own_title(text):
    assert find_title(text) is None


@pytest.mark.parametrize("printed, agency", [
    ("人民政府", "人民政府"), ("政府", "人民政府"), ("政府办", "人民政府办公室"), ("政府办公厅", "人民政府办公厅"),
    ("地税局", "地方税务局"), ("财政局", "财政局"), ("（教育局）", "教育局"), ("", None), ("管委会", "管理委员会"),
])
def test_agency_vocabulary(printed, agency):
    assert normalise_agency(printed) == agency


@pytest.mark.parametrize("issuer, code, agency, zone", [
    ("苏州市吴中经济技术开发区管理委员会", "320506", "吴中经济技术开发区", "吴中经济技术开发区"),  # inside its district
    ("苏州市高新区经济发展局", "320500", "苏州高新区经济发展局", "苏州高新区"),  # one zone, however its city is printed
    ("苏州高新区", "320500", "苏州高新区", "苏州高新区"),
    ("兰州新区管委会", "620100", "兰州新区", "兰州新区"),
    # Statistical codes the division list carries for zones give way to the containing division.
    ("苏州工业园区管委会", "320500", "苏州工业园区", "苏州工业园区"),
    ("重庆两江新区管委会", "500000", "两江新区", "两江新区"),
    ("河北雄安新区管理委员会", "130600", "雄安新区", "雄安新区"),
    ("苏州市自然资源和规划局高新区分局", "320500", "自然资源和规划局高新区分局", None),  # a bureau's branch
])
def test_zones_resolve_to_their_containing_division(issuer, code, agency, zone, resolver):
    reading = read_issuer(issuer, resolver)
    assert (reading.code, reading.agency, reading.zone) == (code, agency, zone)


# --- In the warehouse ---------------------------------------------------------------------------


def _write_publishers(folder) -> list:
    paths = []
    for index, publisher in enumerate(PUBLISHERS):
        path = folder / f"{index:02d}.txt"
        path.write_text(render_publisher_text(publisher, shape_of(index)), encoding="utf-8")
        paths.append(path)
    return paths


def test_every_publishers_report_is_current_and_a_rerun_replaces_nothing(engine, tmp_path):
    paths = _write_publishers(tmp_path)
    first = process_files(paths, engine)
    assert [o.action for o in first] == ["new"] * len(PUBLISHERS)
    assert _rows(engine, "select jurisdiction_code, agency, zone, agency_printed from v_reports order by report_id") == [
        (p.code, p.agency, p.zone, p.printed) for p in PUBLISHERS
    ]
    # Five bodies of 苏州市 reported on 2020: five current reports, every cell of each in the views.
    assert _rows(engine, "select count(*), count(distinct agency) from v_reports where jurisdiction_code = '320500'") == [(5, 5)]
    assert _rows(engine, "select count(*) from v_applications_long where jurisdiction_code = '320500'") == [(5 * 161,)]
    assert _rows(engine, "select count(*) from v_quality_issues where check_code = 'identity_conflict'") == [(0,)]

    again = process_files(paths, engine)
    assert [o.action for o in again] == ["unchanged"] * len(PUBLISHERS)
    printed = "\n".join(summarise(engine, again).lines())
    assert "replaced" not in printed and f"{len(PUBLISHERS)} unchanged" in printed
    assert _rows(engine, "select count(*) from core.report") == [(len(PUBLISHERS),)]


def test_two_files_colliding_on_identity_are_both_kept_as_conflicts(engine, tmp_path, monkeypatch):
    finance = PUBLISHERS[5]  # 苏州市财政局
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text(render_publisher_text(finance, "工作年度报告"), encoding="utf-8")
    # Another file of the same body and year: a different print of one procurement count.
    second.write_text(render_publisher_text(finance, "年报").replace("1885 |", "1886 |"), encoding="utf-8")

    outcomes = process_files([first, second], engine)
    assert [o.action for o in outcomes] == ["new", "conflict"]
    ids = [o.report_id for o in outcomes]
    assert _rows(engine, "select report_id from v_reports order by report_id") == [(ids[0],), (ids[1],)]
    conflicts = _rows(engine, "select report_id, severity, detail from v_quality_issues "
                              "where check_code = 'identity_conflict' order by report_id")
    assert [(r, s) for r, s, _ in conflicts] == [(ids[0], "error"), (ids[1], "error")]
    assert str(second) in conflicts[0][2] and str(first) in conflicts[1][2]  # each names the other
    # Nothing lost: both reports' cells are in the views, each under its own report.
    assert _rows(engine, "select report_id, value from v_article20_long where item = '20.9' and metric = 'projects' "
                         "order by report_id") == [(ids[0], 1885), (ids[1], 1886)]
    lines = "\n".join(summarise(engine, outcomes).lines())
    assert "identity_conflict" in lines and "--replace" in lines

    rerun = process_files([second, first], engine)
    assert [o.action for o in rerun] == ["unchanged", "unchanged"]
    assert "replaced" not in "\n".join(summarise(engine, rerun).lines())
    assert _rows(engine, "select count(*) from core.report where is_current") == [(2,)]

    # The user says the second file is the report: it supersedes the first, which stays as history.
    [replaced] = process_files([second], engine, replace=True)
    assert replaced.action == "replaced"
    assert _rows(engine, "select report_id from v_reports") == [(ids[1],)]
    assert _rows(engine, "select report_id, is_current, superseded_by from core.report order by report_id") == [
        (ids[0], False, ids[1]), (ids[1], True, None),
    ]
    assert _rows(engine, "select count(*) from v_quality_issues where check_code = 'identity_conflict'") == [(0,)]

    # Rerunning both files keeps that decision, without even parsing them; replacing again reverses it.
    def no_parsing(*_args, **_kwargs):
        raise AssertionError("an unchanged file was parsed")

    with monkeypatch.context() as patched:
        patched.setattr(etl.pipeline, "parse_report", no_parsing)
        assert [o.action for o in process_files([first, second], engine)] == ["unchanged", "unchanged"]
    assert _rows(engine, "select report_id from v_reports") == [(ids[1],)]
    [back] = process_files([first], engine, replace=True)
    assert back.action == "replaced"
    assert _rows(engine, "select source_uri from v_reports") == [(str(first),)]
    assert _rows(engine, "select count(*) from core.report") == [(3,)]


def test_the_same_source_with_new_bytes_replaces_its_own_report_only(engine, tmp_path):
    city, finance = PUBLISHERS[3], PUBLISHERS[5]
    path, other = tmp_path / "report.txt", tmp_path / "other.txt"
    path.write_text(render_publisher_text(city, "工作年度报告"), encoding="utf-8")
    other.write_text(render_publisher_text(finance, "工作年度报告"), encoding="utf-8")
    process_files([path, other], engine)
    # The file at `path` now holds the 财政局's report (a site that reused a URL): the file's
    # old report becomes history, the other source's report is untouched, and they conflict.
    path.write_text(render_publisher_text(finance, "年报"), encoding="utf-8")
    [outcome] = process_files([path], engine)
    assert outcome.action == "conflict"
    assert _rows(engine, "select source_uri, agency from v_reports order by source_uri") == [
        (str(other), "财政局"), (str(path), "财政局"),
    ]
    assert _rows(engine, "select count(*) from core.report") == [(3,)]


def test_downgrading_below_0007_keeps_conflicting_reports_as_history(new_database, tmp_path):
    from etl import migrate
    from etl.database import make_engine

    engine = make_engine(new_database())
    try:
        migrate.upgrade(engine)
        finance = PUBLISHERS[5]
        first, second = tmp_path / "a.txt", tmp_path / "b.txt"
        first.write_text(render_publisher_text(finance, "工作年度报告"), encoding="utf-8")
        second.write_text(render_publisher_text(finance, "年报"), encoding="utf-8")
        outcomes = process_files([first, second], engine)
        migrate.downgrade(engine, "0006")  # one current report per identity again: the first loaded
        assert _rows(engine, "select report_id from v_reports") == [(outcomes[0].report_id,)]
        assert _rows(engine, "select count(*) from core.report") == [(2,)]
        migrate.upgrade(engine)
        assert _rows(engine, "select count(*), count(agency_printed) from v_reports") == [(1, 0)]
    finally:
        engine.dispose()
