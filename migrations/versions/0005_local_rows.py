"""Rows a report adds to a national table, kept as printed: core.local_row_cell and its view.

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

VIEW_SET = "local_rows_v1"


def upgrade() -> None:
    op.create_table(
        "local_row_cell",
        sa.Column("report_id", sa.BigInteger, sa.ForeignKey("core.report.report_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("table_name", sa.Text, primary_key=True),
        sa.Column("row_no", sa.Integer, primary_key=True),  # the order of local rows in the table
        sa.Column("position", sa.Integer, primary_key=True),  # the value cell's place in the row, from 1
        sa.Column("row_label", sa.Text, nullable=False),
        sa.Column("value", sa.Numeric),
        sa.Column("raw", sa.Text),
        sa.CheckConstraint(
            "table_name in ('article20', 'applications', 'review_litigation')", name="local_row_cell_table_name"
        ),
        schema="core",
    )
    from etl.views import create_views

    create_views(op, VIEW_SET)


def downgrade() -> None:
    from etl.views import drop_views

    drop_views(op, VIEW_SET)
    op.drop_table("local_row_cell", schema="core")
