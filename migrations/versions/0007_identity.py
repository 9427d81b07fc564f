"""Identity without data loss: two sources of one (jurisdiction, agency, year) are both kept.

Before this revision a report's identity was unique among current reports, so a second body's
report that read as the same identity replaced the first (and a rerun swapped them back). Now
one current report per *source* (path or URL) is the rule; two current reports sharing an
identity are an `identity_conflict` in v_quality_issues, on both. The printed issuer and the
development zone (if any) are kept beside the normalised agency.

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The views in force before and after this revision (etl/views.py layers them).
PREVIOUS_VIEW_SETS = ["views_v1", "local_rows_v1"]
VIEW_SETS = [*PREVIOUS_VIEW_SETS, "identity_v1"]


def upgrade() -> None:
    op.add_column("report", sa.Column("agency_printed", sa.Text), schema="core")
    op.add_column("report", sa.Column("zone", sa.Text), schema="core")
    # Older code could leave two current rows for one source (a file whose identity changed):
    # its newest version is the current one, as it is from now on.
    op.execute(
        """
        update core.report r set is_current = false, superseded_by = newest.report_id
        from (select source_uri, max(report_id) as report_id from core.report where is_current group by source_uri) newest
        where r.is_current and r.source_uri = newest.source_uri and r.report_id <> newest.report_id
        """
    )
    op.drop_index("report_current_identity", table_name="report", schema="core")
    op.drop_index("report_current_quarantined_source", table_name="report", schema="core")
    op.create_index(
        "report_current_source", "report", ["source_uri"], unique=True, schema="core",
        postgresql_where=sa.text("is_current"),
    )
    op.create_index(
        "report_current_identity_lookup", "report", ["jurisdiction_code", "agency", "year"], schema="core",
        postgresql_where=sa.text("is_current and status <> 'quarantined'"),
    )
    from etl.views import replace_views

    replace_views(op, PREVIOUS_VIEW_SETS, VIEW_SETS)


def downgrade() -> None:
    from etl.views import replace_views

    replace_views(op, VIEW_SETS, PREVIOUS_VIEW_SETS)
    # The older schema allows one current report per identity: of reports in conflict, the first
    # loaded stays current and the others become history (their rows are kept, not deleted).
    op.execute(
        """
        update core.report r set is_current = false
        from (select jurisdiction_code, agency, year, min(report_id) as report_id
              from core.report where is_current and status <> 'quarantined'
              group by 1, 2, 3 having count(*) > 1) first
        where r.is_current and r.status <> 'quarantined' and r.jurisdiction_code = first.jurisdiction_code
          and r.agency = first.agency and r.year = first.year and r.report_id <> first.report_id
        """
    )
    op.drop_index("report_current_identity_lookup", table_name="report", schema="core")
    op.drop_index("report_current_source", table_name="report", schema="core")
    op.create_index(
        "report_current_quarantined_source", "report", ["source_uri"], unique=True, schema="core",
        postgresql_where=sa.text("is_current and status = 'quarantined'"),
    )
    op.create_index(
        "report_current_identity", "report", ["jurisdiction_code", "agency", "year"], unique=True, schema="core",
        postgresql_where=sa.text("is_current and status <> 'quarantined'"),
    )
    op.drop_column("report", "zone", schema="core")
    op.drop_column("report", "agency_printed", schema="core")
