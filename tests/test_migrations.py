"""The schema is Alembic's: one head, and a full downgrade and upgrade with data present."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from etl import migrate
from etl.database import make_engine
from etl.pipeline import process_files
from tests.conftest import seed_paths

VIEWS = {
    "v_narrative_facts",
    "v_report_summary",
    "v_reports", "v_article20_long", "v_applications_long", "v_review_litigation_long", "v_quality_issues",
    "v_local_rows_long",
}


def _views(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text(
            "select table_name from information_schema.views where table_schema = 'public'"
        )).scalars())


def _scalar(engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar()


def test_there_is_exactly_one_head():
    heads = ScriptDirectory.from_config(migrate.alembic_config()).get_heads()
    assert heads == [migrate.head_revision()]


def test_downgrade_to_base_and_upgrade_again_with_data_loaded(new_database):
    engine = make_engine(new_database())
    try:
        migrate.upgrade(engine)
        assert _views(engine) == VIEWS
        jurisdictions = _scalar(engine, "select count(*) from core.jurisdiction")
        assert jurisdictions > 3000
        process_files(seed_paths(), engine)
        assert _scalar(engine, "select count(*) from v_reports") == 5

        migrate.downgrade(engine, "base")
        assert migrate.current_revision(engine) is None
        assert _views(engine) == set()
        assert _scalar(engine, "select count(*) from information_schema.schemata where schema_name = 'core'") == 0

        migrate.upgrade(engine)
        assert migrate.is_at_head(engine)
        assert _views(engine) == VIEWS
        assert _scalar(engine, "select count(*) from core.jurisdiction") == jurisdictions
        assert _scalar(engine, "select count(*) from v_reports") == 0
        outcomes = process_files(seed_paths(), engine)
        assert [o.action for o in outcomes] == ["new"] * 5
    finally:
        engine.dispose()


def test_stepping_below_the_views_keeps_the_data(new_database):
    engine = make_engine(new_database())
    try:
        migrate.upgrade(engine)
        process_files(seed_paths()[:2], engine)
        migrate.downgrade(engine, "0002")  # below every view, above the data
        assert _views(engine) == set()
        assert _scalar(engine, "select count(*) from core.report") == 2
        migrate.upgrade(engine)
        assert _scalar(engine, "select count(*) from v_reports") == 2
    finally:
        engine.dispose()


def test_every_alias_resolves_to_a_known_jurisdiction(warehouse_url):
    engine = make_engine(warehouse_url)
    try:
        assert _scalar(engine, "select count(*) from core.jurisdiction_alias a left join core.jurisdiction j using (code) where j.code is null") == 0
        assert _scalar(engine, "select code from core.jurisdiction_alias where alias = '楚雄彝族自治州楚雄市'") == "532301"
        assert _scalar(engine, "select code from core.jurisdiction_alias where alias = '楚雄市'") == "532301"
        assert _scalar(engine, "select code from core.jurisdiction_alias where alias = '上海市'") == "310000"
    finally:
        engine.dispose()


def _columns(engine, view: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(
            "select column_name from information_schema.columns where table_name = :v order by ordinal_position"
        ), {"v": view}).scalars())


def test_the_analyst_revision_goes_down_to_the_previous_views_and_up_again_with_data(new_database):
    engine = make_engine(new_database())
    try:
        migrate.upgrade(engine)
        process_files(seed_paths(), engine)
        with_provenance = _columns(engine, "v_applications_long")
        assert with_provenance[-2:] == ["source_line", "source_page"]
        migrate.downgrade(engine, "0008")  # the revision before the analyst's
        assert _views(engine) == VIEWS - {"v_report_summary"}
        assert _columns(engine, "v_applications_long") == with_provenance[:-2]
        assert _scalar(engine, "select count(*) from v_applications_long") == 3 * 161
        migrate.upgrade(engine)
        assert _columns(engine, "v_applications_long") == with_provenance
        assert _scalar(engine, "select count(*) from v_report_summary") == 5
        # Cells loaded before the revision have no provenance until they are read again.
        assert _scalar(engine, "select count(*) from v_applications_long where source_line is not null") == 0
        process_files(seed_paths(), engine, force=True)
        assert _scalar(engine, "select count(*) from v_applications_long where source_line is null") == 0
    finally:
        engine.dispose()
