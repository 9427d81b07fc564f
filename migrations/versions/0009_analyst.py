"""The analysts' side: where each cell was read (source_line, source_page) on the core cell tables
and at the end of the long views, v_report_summary, and COMMENT ON every view and column from
the data dictionary (sql/dictionary.toml): sql/analyst_v1.

Revision ID: 0009
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

CELL_TABLES = ("article20_cell", "application_cell", "review_litigation_cell", "local_row_cell")
# The views in force before and after this revision (etl/views.py layers them).
PREVIOUS_VIEW_SETS = ["views_v1", "local_rows_v1", "identity_v1", "history_v1"]
VIEW_SETS = [*PREVIOUS_VIEW_SETS, "analyst_v1"]


def upgrade() -> None:
    for table in CELL_TABLES:
        # 1-based line of the report's extracted text; 1-based PDF page. NULL for cells loaded
        # before this revision until they are reprocessed (ogi backfill --force).
        op.add_column(table, sa.Column("source_line", sa.Integer), schema="core")
        op.add_column(table, sa.Column("source_page", sa.Integer), schema="core")
    from etl.dictionary import apply_comments
    from etl.views import replace_views

    replace_views(op, PREVIOUS_VIEW_SETS, VIEW_SETS)
    apply_comments(op.get_bind())


def downgrade() -> None:
    from etl.views import replace_views

    replace_views(op, VIEW_SETS, PREVIOUS_VIEW_SETS)
    for table in CELL_TABLES:
        op.drop_column(table, "source_page", schema="core")
        op.drop_column(table, "source_line", schema="core")
