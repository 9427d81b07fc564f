"""Jurisdiction dimension rows (GB/T 2260 codes) and their name variants, from data/jurisdictions.

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from etl.jurisdictions import load_jurisdictions, name_variants

    frame = load_jurisdictions()
    jurisdiction = sa.table(
        "jurisdiction",
        sa.column("code"),
        sa.column("name"),
        sa.column("level"),
        sa.column("parent_code"),
        schema="core",
    )
    alias = sa.table("jurisdiction_alias", sa.column("alias"), sa.column("code"), sa.column("kind"), schema="core")
    rows = [
        {
            "code": r.code,
            "name": r.name,
            "level": r.level,
            "parent_code": r.parent_code if isinstance(r.parent_code, str) and r.parent_code else None,
        }
        for r in frame.itertuples(index=False)
    ]
    # Parents first: codes sort province < prefecture < county within a province.
    op.bulk_insert(jurisdiction, sorted(rows, key=lambda r: r["code"]))
    op.bulk_insert(alias, name_variants(frame)[["alias", "code", "kind"]].to_dict("records"))


def downgrade() -> None:
    # Reports are keyed by jurisdiction, so going below this revision empties the warehouse.
    op.execute("truncate core.jurisdiction_alias, core.jurisdiction cascade")
