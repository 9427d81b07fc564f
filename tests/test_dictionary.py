"""COMMENT ON for every analyst view and column, from the one data dictionary (sql/dictionary.toml),
which also renders docs/data-dictionary.md."""

from __future__ import annotations

import sqlalchemy as sa

from etl import dictionary
from etl.database import make_engine


def _database_columns(engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        return dictionary.database_view_columns(conn)


def test_every_view_and_column_in_the_database_has_its_comment(warehouse_url):
    engine = make_engine(warehouse_url)
    try:
        columns = _database_columns(engine)
        assert "v_report_summary" in columns and "source_line" in columns["v_applications_long"]
        with engine.connect() as conn:
            comments = conn.execute(sa.text(
                """
                select c.relname, a.attname, col_description(c.oid, a.attnum) as column_comment,
                       obj_description(c.oid, 'pg_class') as view_comment
                from pg_class c
                join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
                join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                where c.relkind = 'v'
                """
            )).all()
        assert len(comments) == sum(len(v) for v in columns.values())
        lacking = sorted(f"{view}.{column}" for view, column, comment, _ in comments if not comment)
        assert lacking == [], f"view columns without a comment (describe them in sql/dictionary.toml): {lacking}"
        assert all(view_comment for *_, view_comment in comments)
        described = dict(dictionary.views()["v_report_summary"].columns)
        got = {column: comment for view, column, comment, _ in comments if view == "v_report_summary"}
        assert got["disclosure_rate"] == described["disclosure_rate"]
    finally:
        engine.dispose()


def test_the_dictionary_lists_each_view_exactly_as_the_database_has_it(warehouse_url):
    engine = make_engine(warehouse_url)
    try:
        columns = _database_columns(engine)
    finally:
        engine.dispose()
    assert {name: [c for c, _ in view.columns] for name, view in dictionary.views().items()} == columns
    assert dictionary.undescribed(columns) == []


def test_a_column_without_an_entry_is_named():
    missing = dictionary.undescribed({"v_reports": ["report_id", "brand_new"], "v_unknown": ["x"]})
    assert missing == ["v_reports.brand_new", "v_unknown (the view itself)", "v_unknown.x"]


def test_comments_are_written_only_when_missing_or_changed(warehouse_url):
    engine = make_engine(warehouse_url)
    try:
        with engine.begin() as conn:
            assert dictionary.apply_comments(conn) == 0  # at head, every comment is current
            conn.exec_driver_sql("comment on column v_report_summary.disclosure_rate is null")
            conn.exec_driver_sql("comment on view v_reports is 'stale'")
            assert dictionary.apply_comments(conn) == 2
            assert dictionary.apply_comments(conn) == 0
    finally:
        engine.dispose()


def test_comments_survive_quotes_and_are_only_for_what_exists():
    statements = dictionary.comment_statements({"v_reports": ["report_id"], "v_other": ["x"]})
    assert statements[0].startswith("comment on view v_reports is '")
    assert statements[1].startswith('comment on column v_reports."report_id" is ')
    assert len(statements) == 2
    assert dictionary._literal("it's") == "'it''s'"


def test_the_data_dictionary_document_is_up_to_date():
    assert dictionary.DOCUMENT_FILE.read_text(encoding="utf-8") == dictionary.render_markdown(), \
        "docs/data-dictionary.md is stale: run `make docs`"
