"""Past years: historic GB/T 2260 codes with their years and successors, the names a code had,
facts stated in a report's sentences, and the views with jurisdiction_code_now (sql/history_v1).

Codes no longer in use join core.jurisdiction, so that a report of their years can be loaded;
a downgrade keeps those rows (the older schema has room for them) and drops what it cannot hold.

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The views in force before and after this revision (etl/views.py layers them).
PREVIOUS_VIEW_SETS = ["views_v1", "local_rows_v1", "identity_v1"]
VIEW_SETS = [*PREVIOUS_VIEW_SETS, "history_v1"]


def _set_constraint(table: str, name: str, values: tuple[str, ...]) -> None:
    op.execute(f"alter table core.{table} drop constraint if exists {name}")
    listed = ", ".join(f"'{v}'" for v in values)
    op.execute(f"alter table core.{table} add constraint {name} check (table_name in ({listed}))")


def upgrade() -> None:
    import pandas as pd

    from etl.jurisdictions import _parent, load_history
    from etl.views import replace_views

    op.add_column("jurisdiction", sa.Column("valid_from", sa.Integer), schema="core")
    op.add_column("jurisdiction", sa.Column("valid_to", sa.Integer), schema="core")  # the year it ended
    op.add_column("jurisdiction", sa.Column("successor_code", sa.Text), schema="core")
    op.add_column("jurisdiction", sa.Column("code_now", sa.Text), schema="core")
    op.create_table(
        "jurisdiction_name_period",
        sa.Column("code", sa.Text, sa.ForeignKey("core.jurisdiction.code", ondelete="CASCADE"), primary_key=True),
        sa.Column("valid_from", sa.Integer, primary_key=True),
        sa.Column("valid_to", sa.Integer),
        sa.Column("name", sa.Text, nullable=False),
        schema="core",
    )

    history = load_history()
    conn = op.get_bind()
    existing = set(conn.execute(sa.text("select code from core.jurisdiction")).scalars())
    last = {}  # code → its latest period
    first_year = {}
    for r in history.sort_values(["code", "valid_from"]).itertuples(index=False):
        last[r.code] = r
        first_year.setdefault(r.code, int(r.valid_from))
    codes = existing | set(last)
    new_rows = [
        {"code": c, "name": last[c].name, "level": last[c].level, "parent_code": _parent(c, codes)}
        for c in sorted(set(last) - existing)
    ]
    if new_rows:
        # Parents first: codes sort province < prefecture < county within a province.
        conn.execute(sa.text(
            "insert into core.jurisdiction (code, name, level, parent_code) "
            "values (:code, :name, :level, :parent_code) on conflict (code) do nothing"
        ), new_rows)
    updates = []
    for code, r in last.items():
        in_use = pd.isna(r.valid_to)
        updates.append({
            "code": code, "valid_from": first_year[code],
            "valid_to": None if in_use else int(r.valid_to),
            "successor_code": None if in_use else r.successor_code, "code_now": r.code_now,
        })
    conn.execute(sa.text(
        "update core.jurisdiction set valid_from = :valid_from, valid_to = :valid_to, "
        "successor_code = :successor_code, code_now = :code_now where code = :code"
    ), updates)
    # Codes the history does not know (the municipalities' 市辖区 rows, 雄安新区) are today's.
    op.execute("update core.jurisdiction set code_now = code where code_now is null and valid_to is null")
    op.create_foreign_key("jurisdiction_successor", "jurisdiction", "jurisdiction", ["successor_code"], ["code"],
                          source_schema="core", referent_schema="core")
    op.create_foreign_key("jurisdiction_code_now", "jurisdiction", "jurisdiction", ["code_now"], ["code"],
                          source_schema="core", referent_schema="core")
    conn.execute(sa.text(
        "insert into core.jurisdiction_name_period (code, valid_from, valid_to, name) "
        "values (:code, :valid_from, :valid_to, :name) on conflict do nothing"
    ), [
        {"code": r.code, "valid_from": int(r.valid_from),
         "valid_to": None if pd.isna(r.valid_to) else int(r.valid_to), "name": r.name}
        for r in history.itertuples(index=False)
    ])

    op.create_table(
        "narrative_fact",
        sa.Column("report_id", sa.BigInteger, sa.ForeignKey("core.report.report_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("fact_no", sa.Integer, primary_key=True),  # reading order in the report
        sa.Column("fact", sa.Text, nullable=False),
        sa.Column("value", sa.Numeric, nullable=False),
        sa.Column("unit", sa.Text),
        sa.Column("sentence", sa.Text, nullable=False),
        sa.Column("source_line", sa.Integer, nullable=False),
        schema="core",
    )
    # Tables of a free-form report's own design are local rows too; a fact stated twice with
    # different numbers is an issue of the narrative.
    _set_constraint("local_row_cell", "local_row_cell_table_name",
                    ("article20", "applications", "review_litigation", "pre2019"))
    _set_constraint("quality_issue", "quality_issue_table_name",
                    ("article20", "applications", "review_litigation", "report", "narrative"))
    replace_views(op, PREVIOUS_VIEW_SETS, VIEW_SETS)


def downgrade() -> None:
    from etl.views import replace_views

    replace_views(op, VIEW_SETS, PREVIOUS_VIEW_SETS)
    op.execute("delete from core.local_row_cell where table_name = 'pre2019'")
    op.execute("delete from core.quality_issue where table_name = 'narrative'")
    _set_constraint("local_row_cell", "local_row_cell_table_name", ("article20", "applications", "review_litigation"))
    _set_constraint("quality_issue", "quality_issue_table_name", ("article20", "applications", "review_litigation", "report"))
    op.drop_table("narrative_fact", schema="core")
    op.drop_table("jurisdiction_name_period", schema="core")
    op.drop_constraint("jurisdiction_code_now", "jurisdiction", schema="core")
    op.drop_constraint("jurisdiction_successor", "jurisdiction", schema="core")
    for column in ("code_now", "successor_code", "valid_to", "valid_from"):
        op.drop_column("jurisdiction", column, schema="core")
