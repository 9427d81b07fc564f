"""The analysts' side: where each cell was read (source_line, source_page) on the core cell tables
and at the end of the long views, v_report_summary, and COMMENT ON every view and column from
the data dictionary (sql/dictionary.toml): sql/analyst_v1.

Revision ID: 0009
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None

VIEW_SET = "analyst_v1"
CELL_TABLES = ("article20_cell", "application_cell", "review_litigation_cell", "local_row_cell")
# The long views this revision re-creates with the provenance columns, and the files that held
# their previous definitions (restored on downgrade: a view cannot lose columns in place).
PREVIOUS = {
    "v_article20_long": "views_v1/03_v_article20_long.sql",
    "v_applications_long": "views_v1/04_v_applications_long.sql",
    "v_review_litigation_long": "views_v1/05_v_review_litigation_long.sql",
    "v_local_rows_long": "local_rows_v1/01_v_local_rows_long.sql",
}


def upgrade() -> None:
    for table in CELL_TABLES:
        # 1-based line of the report's extracted text; 1-based PDF page. NULL for cells loaded
        # before this revision until they are reprocessed (ogi backfill --force).
        op.add_column(table, sa.Column("source_line", sa.Integer), schema="core")
        op.add_column(table, sa.Column("source_page", sa.Integer), schema="core")
    from etl.dictionary import apply_comments
    from etl.views import create_views

    create_views(op, VIEW_SET)
    apply_comments(op.get_bind())


def downgrade() -> None:
    from etl.config import SQL_DIR

    op.execute("drop view if exists v_report_summary")
    for view, previous in PREVIOUS.items():
        op.execute(f"drop view if exists {view}")
        op.execute((SQL_DIR / previous).read_text(encoding="utf-8"))
    for table in CELL_TABLES:
        op.drop_column(table, "source_page", schema="core")
        op.drop_column(table, "source_line", schema="core")
