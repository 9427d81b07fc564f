"""What was last fetched from each source URL: the validators for conditional requests and the
sha256 of the archived bytes, so that a later run asks "changed?" instead of downloading again.

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = "core"


def upgrade() -> None:
    op.create_table(
        "source_fetch",
        sa.Column("url", sa.Text, primary_key=True),
        sa.Column("final_url", sa.Text),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        # The archived bytes last fetched successfully; kept through later failures.
        sa.Column("sha256", sa.Text),
        sa.Column("content_type", sa.Text),
        sa.Column("declared_charset", sa.Text),
        # The document's file name (its suffix decides how it is read); a 304 does not repeat
        # the Content-Disposition it came with, so it is remembered here.
        sa.Column("name", sa.Text),
        sa.Column("last_status", sa.Text, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("http_status", sa.Integer),
        sa.Column("attempts", sa.Integer),
        # When the last attempt (successful or not) was made.
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("last_status in ('fetched', 'not_modified', 'failed')", name="source_fetch_status"),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="source_fetch_sha256_hex"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("source_fetch", schema=SCHEMA)
