"""Past years: a place renamed or merged since resolves for its old year to its old code, and the
warehouse carries the code of today beside it; a backfill loads a past year's free-form report."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa

from etl.jurisdictions import JurisdictionResolver, load_history, load_jurisdictions
from etl.pipeline import process_items, reprocessing_items, file_items
from tests.fixtures.narrative import PHRASINGS, free_form_report


@pytest.fixture(scope="module")
def resolver():
    return JurisdictionResolver.from_csv()


@pytest.mark.parametrize("year, issuer, code, code_now", [
    # 栾城县 became 石家庄市栾城区 in 2014 (a 县 that became a 区, with a new code).
    (2013, "栾城县人民政府", "130124", "130111"),
    (2013, "石家庄市栾城县人民政府", "130124", "130111"),
    (2015, "石家庄市栾城区人民政府", "130111", "130111"),
    # 崇文区 merged into 东城区 in 2010.
    (2009, "北京市崇文区人民政府", "110103", "110101"),
    # 铜仁地区 became the prefecture-level 铜仁市 in 2011, with no successor listed by the source.
    (2010, "铜仁地区行政公署", "522200", "520600"),
    # 邢台市桥东区 was renamed 襄都区 in 2020 under the same code.
    (2019, "邢台市桥东区人民政府", "130502", "130502"),
    (2021, "邢台市襄都区人民政府", "130502", "130502"),
    (2020, "楚雄市人民政府", "532301", "532301"),
])
def test_a_place_resolves_to_the_code_of_its_year(resolver, year, issuer, code, code_now):
    got, _rest = resolver.for_year(year).split_issuer(issuer)
    assert got == code
    assert resolver.code_now(got) == code_now


def test_names_not_yet_or_no_longer_in_use_do_not_resolve(resolver):
    assert resolver.for_year(2012).split_issuer("栾城区人民政府")[0] is None
    assert resolver.for_year(2016).split_issuer("栾城县人民政府")[0] is None
    assert resolver.split_issuer("栾城县人民政府")[0] is None  # today's divisions
    # Only the part still known is read: the prefecture, with the rest left over.
    assert resolver.for_year(2012).split_issuer("石家庄市栾城区人民政府") == ("130100", "栾城区人民政府")


@pytest.mark.parametrize("code, successor", [
    ("130124", "130111"),  # 栾城县 → 栾城区: the one that took the name (not 130108, given part in 2001)
    ("130323", "130306"),  # 抚宁县 split three ways in 2015 → 抚宁区, which took the name
    ("341424", "340523"),  # 和县 split between 芜湖 and 马鞍山 in 2011 → 马鞍山's 和县
    ("130103", "130102"),  # 石家庄 桥东区 split in 2014, no heir of its name → the lowest code
    ("542100", "540300"),  # 昌都地区 → 昌都市, found by name: the source lists no successor
])
def test_successor_rule(resolver, code, successor):
    assert resolver.successor(code) == successor


def test_every_period_ends_in_a_code_in_use():
    history = load_history()
    in_use = set(load_jurisdictions()["code"]) | set(history.loc[history["valid_to"].isna(), "code"])
    assert history["code_now"].notna().all()
    assert set(history["code_now"]) <= in_use


def _place(engine, report_id):
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "select jurisdiction_code, jurisdiction_name, jurisdiction_code_now, status, template "
            "from v_reports where report_id = :id"), {"id": report_id}).one()


def test_warehouse_keeps_the_old_code_and_carries_todays(engine, tmp_path):
    rng = random.Random(1)
    sentences = [PHRASINGS["applications_received"][0].format(n=52), PHRASINGS["reviews"][0].format(n=2)]
    old = tmp_path / "luancheng_2012.txt"
    own_table = "\n附表：政府信息公开情况统计表\n指标 |\n数量 |\n主动公开政府信息 |\n3218 |\n受理申请 |\n52 |\n"
    old.write_text(free_form_report("石家庄市栾城县人民政府", 2012, sentences, rng) + own_table, encoding="utf-8")
    renamed = tmp_path / "qiaodong_2018.txt"
    renamed.write_text(free_form_report("邢台市桥东区人民政府", 2018, sentences[:1], rng), encoding="utf-8")
    outcomes = process_items(file_items([old, renamed]), engine)
    assert _place(engine, outcomes[0].report_id) == ("130124", "栾城县", "130111", "no_tables", "pre2019")
    # The dimension names 130502 襄都区 today; the report's year named it 桥东区.
    assert _place(engine, outcomes[1].report_id)[:3] == ("130502", "桥东区", "130502")
    with engine.connect() as conn:
        facts = conn.execute(sa.text(
            "select fact, value, jurisdiction_name, jurisdiction_code_now, source_line from v_narrative_facts "
            "where report_id = :id order by source_line"), {"id": outcomes[0].report_id}).all()
        assert [(f, int(v), n, c) for f, v, n, c, _ in facts] == [
            ("applications_received", 52, "栾城县", "130111"), ("reviews", 2, "栾城县", "130111")]
        every_view = conn.execute(sa.text(
            "select table_name from information_schema.columns where table_schema = 'public' "
            "and column_name = 'jurisdiction_code' except select table_name from information_schema.columns "
            "where table_schema = 'public' and column_name = 'jurisdiction_code_now'")).all()
        assert every_view == []
        retired = conn.execute(sa.text(
            "select name, valid_to, successor_code, code_now from core.jurisdiction where code = '130124'")).one()
        assert retired == ("栾城县", 2014, "130111", "130111")
        local = conn.execute(sa.text(
            "select table_name, row_no, row_label, value, jurisdiction_code_now from v_local_rows_long "
            "where report_id = :id order by row_no"), {"id": outcomes[0].report_id}).all()
        assert [(t, n, label, int(v), c) for t, n, label, v, c in local] == [
            ("pre2019", 1, "主动公开政府信息", 3218, "130111"), ("pre2019", 2, "受理申请", 52, "130111")]


def test_backfill_loads_a_past_year_quarantined_before_history(engine, tmp_path):
    report = tmp_path / "luancheng_2011.txt"
    report.write_text(free_form_report("栾城县人民政府", 2011, [PHRASINGS["proactive_items"][0].format(n=3218)],
                                       random.Random(2)), encoding="utf-8")
    # As an older ogi read it: today's divisions only, so the place is unknown and it is quarantined.
    today_only = JurisdictionResolver(load_jurisdictions())
    first = process_items(file_items([report]), engine, resolver=today_only)
    assert first[0].status == "quarantined"
    items = reprocessing_items(engine, 2008, 2018, force=True)
    assert [i.source_uri for i in items] == [str(report)]
    again = process_items(items, engine, force=True)
    assert again[0].status == "no_tables"
    assert _place(engine, again[0].report_id)[:3] == ("130124", "栾城县", "130111")
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from v_reports")).scalar() == 1
        assert conn.execute(sa.text(
            "select value from v_narrative_facts where fact = 'proactive_items'")).scalar() == 3218


def test_downgrade_below_history_keeps_past_reports_and_upgrade_restores_the_views(new_database, tmp_path):
    from etl import migrate
    from etl.database import make_engine

    engine = make_engine(new_database())
    try:
        migrate.upgrade(engine)
        report = tmp_path / "luancheng_2012.txt"
        report.write_text(free_form_report("石家庄市栾城县人民政府", 2012, [PHRASINGS["reviews"][0].format(n=2)],
                                           random.Random(3)), encoding="utf-8")
        process_items(file_items([report]), engine)
        migrate.downgrade(engine, "0006")
        with engine.connect() as conn:
            columns = set(conn.execute(sa.text(
                "select column_name from information_schema.columns where table_name = 'v_reports'")).scalars())
            assert "jurisdiction_code_now" not in columns
            assert conn.execute(sa.text("select jurisdiction_code, jurisdiction_name from v_reports")).one() == ("130124", "栾城县")
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(sa.text(
                "select jurisdiction_code_now from v_reports")).scalar() == "130111"
        assert process_items(file_items([report]), engine, force=True)[0].action == "reprocessed"
    finally:
        engine.dispose()


def test_written_free_form_reports_resolve_to_their_years_codes(resolver, tmp_path):
    from etl.transform import parse_report
    from tests.fixtures.narrative import PLACES, write_reports

    codes = {"石家庄市栾城县人民政府": "130124", "北京市崇文区人民政府": "110103", "铜仁地区行政公署": "522200",
             "楚雄市人民政府": "532301", "邢台市桥东区人民政府": "130502", "苏州市人民政府": "320500"}
    write_reports(tmp_path, count=len(PLACES))
    for i, (place, year) in enumerate(PLACES):
        text = (tmp_path / f"free_form_{i:03d}.txt").read_text(encoding="utf-8")
        parsed = parse_report(text, "mem://x", "abc", resolver)
        assert (parsed.jurisdiction_code, parsed.year, parsed.template) == (codes[place], year, "pre2019")
        assert parsed.narrative_facts
