"""v_quality_issues' checks across two years look the previous year's report up by index
(sql/speed_v1) instead of joining the current_report CTE to itself: the planner only guesses a
filtered CTE's row count, so it may pick a nested loop over every pair of current reports, which
grows with the square of the reports (the run summary of every nightly reads the view). Same
rows as before; only the plan changes.

Revision ID: 0010
Revises: 0009
"""

from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The views in force before and after this revision (etl/views.py layers them).
PREVIOUS_VIEW_SETS = ["views_v1", "local_rows_v1", "identity_v1", "history_v1", "analyst_v1"]
VIEW_SETS = [*PREVIOUS_VIEW_SETS, "speed_v1"]


def upgrade() -> None:
    from etl.dictionary import apply_comments
    from etl.views import replace_views

    # report_current_identity_lookup leaves quarantined reports out; the checks' previous year
    # is any current report (as the current_report CTE was), so they need one that keeps them.
    op.create_index(
        "report_current_identity_all", "report", ["jurisdiction_code", "agency", "year"], schema="core",
        postgresql_where=sa.text("is_current"),
    )
    replace_views(op, PREVIOUS_VIEW_SETS, VIEW_SETS)
    apply_comments(op.get_bind())  # views created again have lost their comments


def downgrade() -> None:
    from etl.dictionary import apply_comments
    from etl.views import replace_views

    replace_views(op, VIEW_SETS, PREVIOUS_VIEW_SETS)
    apply_comments(op.get_bind())
    op.drop_index("report_current_identity_all", table_name="report", schema="core")
