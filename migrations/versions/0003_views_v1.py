"""The analysts' views (VOCABULARY.md), first version: sql/views_v1.

A later change to a view adds sql/views_v2 and a migration that swaps them, so that this
revision keeps creating exactly what it created when it was written.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

VIEW_SET = "views_v1"


def upgrade() -> None:
    from etl.views import create_views

    create_views(op, VIEW_SET)


def downgrade() -> None:
    from etl.views import drop_views

    drop_views(op, VIEW_SET)
