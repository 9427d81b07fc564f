"""Core tables: jurisdictions, reports and their versions, fact cells, quality issues.

Revision ID: 0001
Revises:
"""

from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "core"


def upgrade() -> None:
    op.execute(f"create schema if not exists {SCHEMA}")

    op.create_table(
        "jurisdiction",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("parent_code", sa.Text, sa.ForeignKey(f"{SCHEMA}.jurisdiction.code")),
        sa.CheckConstraint("code ~ '^[0-9]{6}$'", name="jurisdiction_code_six_digits"),
        sa.CheckConstraint("level in ('province', 'prefecture', 'county')", name="jurisdiction_level"),
        schema=SCHEMA,
    )
    op.create_table(
        "jurisdiction_alias",
        sa.Column("alias", sa.Text, primary_key=True),
        sa.Column("code", sa.Text, sa.ForeignKey(f"{SCHEMA}.jurisdiction.code"), primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        schema=SCHEMA,
    )

    op.create_table(
        "report",
        sa.Column("report_id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("jurisdiction_code", sa.Text, sa.ForeignKey(f"{SCHEMA}.jurisdiction.code")),
        sa.Column("agency", sa.Text),
        sa.Column("year", sa.Integer),
        sa.Column("source_uri", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("template", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("published_on", sa.Date),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("status_detail", sa.Text),
        sa.Column("conversion", sa.Text, nullable=False),
        sa.Column("parser_version", sa.Text, nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False),
        sa.Column("superseded_by", sa.BigInteger, sa.ForeignKey(f"{SCHEMA}.report.report_id")),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("template in ('pre2019', '2019', '2021')", name="report_template"),
        sa.CheckConstraint("status in ('loaded', 'no_tables', 'quarantined')", name="report_status"),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="report_sha256_hex"),
        sa.CheckConstraint(
            "status = 'quarantined' or (jurisdiction_code is not null and agency is not null "
            "and year is not null and template is not null)",
            name="report_identity_known",
        ),
        schema=SCHEMA,
    )
    # One current version per report identity; older versions stay as history.
    op.create_index(
        "report_current_identity",
        "report",
        ["jurisdiction_code", "agency", "year"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("is_current and status <> 'quarantined'"),
    )
    op.create_index(
        "report_current_quarantined_source",
        "report",
        ["source_uri"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("is_current and status = 'quarantined'"),
    )
    op.create_index("report_sha256", "report", ["sha256"], schema=SCHEMA)

    def cell_table(name: str, key_columns: list[sa.Column], extra: list[sa.Column]) -> None:
        op.create_table(
            name,
            sa.Column(
                "report_id",
                sa.BigInteger,
                sa.ForeignKey(f"{SCHEMA}.report.report_id", ondelete="CASCADE"),
                primary_key=True,
            ),
            *key_columns,
            sa.Column("value", sa.Numeric),
            *extra,
            sa.Column("raw", sa.Text),
            schema=SCHEMA,
        )

    cell_table(
        "article20_cell",
        [
            sa.Column("item", sa.Text, primary_key=True),
            sa.Column("category", sa.Text, primary_key=True),
            sa.Column("metric", sa.Text, primary_key=True),
        ],
        [
            sa.Column("unit", sa.Text),
            sa.Column("row_label", sa.Text),
            sa.Column("column_label", sa.Text),
        ],
    )
    cell_table(
        "application_cell",
        [
            sa.Column("row_code", sa.Text, primary_key=True),
            sa.Column("applicant", sa.Text, primary_key=True),
        ],
        [sa.Column("row_label", sa.Text), sa.Column("column_label", sa.Text)],
    )
    cell_table(
        "review_litigation_cell",
        [
            sa.Column("proceeding", sa.Text, primary_key=True),
            sa.Column("outcome", sa.Text, primary_key=True),
        ],
        [sa.Column("label", sa.Text)],
    )

    op.create_table(
        "quality_issue",
        sa.Column(
            "report_id",
            sa.BigInteger,
            sa.ForeignKey(f"{SCHEMA}.report.report_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("issue_no", sa.Integer, primary_key=True),
        sa.Column("table_name", sa.Text, nullable=False),
        sa.Column("check_code", sa.Text, nullable=False),
        sa.Column("severity", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("expected", sa.Numeric),
        sa.Column("actual", sa.Numeric),
        sa.CheckConstraint(
            "table_name in ('article20', 'applications', 'review_litigation', 'report')",
            name="quality_issue_table_name",
        ),
        sa.CheckConstraint("severity in ('error', 'warning')", name="quality_issue_severity"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.execute(f"drop schema {SCHEMA} cascade")
