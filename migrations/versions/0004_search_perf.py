"""search performance: covering (key, project) indexes on the link tables and donors, budget index

Revision ID: 0004_search_perf
Revises: 0002_overlap

Search filters ("projects of these countries / pillars / donors") and the coverage matrices read the link
tables from their second column. A single-column index on that column still sent every match back to the
table (SQLite: by rowid; PostgreSQL: a bitmap heap scan) for its project_id; a (key, project_id) index
answers alone, and replaces the single-column one (its prefix serves the same lookups).

project_search_version: one row whose counter moves with every write to what a search shows (projects,
their links and donors, organisations, reference data), kept by triggers, so that any write, through the
application or not, changes the stamp under which adam.search.cache keeps aggregates. On PostgreSQL the
counter is moved at commit (a deferred trigger, once per transaction): counters then follow the order in
which writes become visible, which sequence-allocated ids (the earlier stamp, max(id)) do not when two
transactions commit out of order. SQLite has one writer at a time; its row triggers move it in place.
(A later PostgreSQL migration that writes rows of these tables and then alters one of them in the same
transaction must first run SET CONSTRAINTS ALL IMMEDIATE: PostgreSQL refuses to alter a table with pending
trigger events.)
"""
from alembic import op
import sqlalchemy as sa


revision = "0004_search_perf"
down_revision = "0002_overlap"
branch_labels = None
depends_on = None

LINKS = [
    ("project_countries", "country_id"),
    ("project_regions", "region_id"),
    ("project_pillars", "pillar_id"),
    ("project_themes", "theme_id"),
    ("project_implementers", "organisation_id"),
    ("project_institutions", "organisation_id"),
]


# Every table whose rows a search, its totals, matrices or form lists read.
VERSIONED_TABLES = [
    "projects", "project_countries", "project_regions", "project_pillars", "project_themes",
    "project_implementers", "project_institutions", "project_funders", "organisations",
    "countries", "regions", "region_countries", "pillars", "themes",
]

POSTGRES_BUMP = """CREATE FUNCTION adam_bump_search_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Deferred to commit and run once per transaction (the setting is local to it).
    IF current_setting('adam.search_version_bumped', true) IS DISTINCT FROM txid_current()::text THEN
        UPDATE project_search_version SET version = version + 1 WHERE id = 1;
        PERFORM set_config('adam.search_version_bumped', txid_current()::text, true);
    END IF;
    RETURN NULL;
END
$$"""


def _create_version_counter() -> None:
    op.create_table(
        "project_search_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_project_search_version_one_row"),
    )
    op.execute("INSERT INTO project_search_version (id, version) VALUES (1, 0)")
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(POSTGRES_BUMP)
        for table in VERSIONED_TABLES:
            op.execute(f"""CREATE CONSTRAINT TRIGGER project_search_version_{table}
                AFTER INSERT OR UPDATE OR DELETE ON {table} DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW EXECUTE FUNCTION adam_bump_search_version()""")
            # TRUNCATE fires no row trigger; it locks the table until commit, so bumping at once is enough.
            op.execute(f"""CREATE TRIGGER project_search_version_{table}_truncate AFTER TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION adam_bump_search_version()""")
    elif dialect == "sqlite":
        for table in VERSIONED_TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"""CREATE TRIGGER project_search_version_{table}_{event} AFTER {event.upper()} ON {table}
                    BEGIN UPDATE project_search_version SET version = version + 1 WHERE id = 1; END""")
    else:
        raise NotImplementedError(f"the search version counter is written for SQLite and PostgreSQL, not {dialect}")


def _drop_version_counter() -> None:
    dialect = op.get_bind().dialect.name
    for table in VERSIONED_TABLES:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS project_search_version_{table} ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS project_search_version_{table}_truncate ON {table}")
        else:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS project_search_version_{table}_{event}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS adam_bump_search_version()")
    op.drop_table("project_search_version")


def upgrade():
    _create_version_counter()
    for table, column in LINKS:
        op.create_index(f"ix_{table}_{column}_project_id", table, [column, "project_id"])
        op.drop_index(f"ix_{table}_{column}", table_name=table)
    op.create_index("ix_project_funders_project_id_organisation_id", "project_funders", ["project_id", "organisation_id"])
    op.create_index("ix_project_funders_organisation_id_project_id", "project_funders", ["organisation_id", "project_id"])
    op.drop_index("ix_project_funders_project_id", table_name="project_funders")
    op.drop_index("ix_project_funders_organisation_id", table_name="project_funders")
    op.create_index("ix_projects_budget_usd", "projects", ["budget_usd"])


def downgrade():
    _drop_version_counter()
    op.drop_index("ix_projects_budget_usd", table_name="projects")
    op.create_index("ix_project_funders_organisation_id", "project_funders", ["organisation_id"])
    op.create_index("ix_project_funders_project_id", "project_funders", ["project_id"])
    op.drop_index("ix_project_funders_organisation_id_project_id", table_name="project_funders")
    op.drop_index("ix_project_funders_project_id_organisation_id", table_name="project_funders")
    for table, column in LINKS:
        op.create_index(f"ix_{table}_{column}", table, [column])
        op.drop_index(f"ix_{table}_{column}_project_id", table_name=table)
