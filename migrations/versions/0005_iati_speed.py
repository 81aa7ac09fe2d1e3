"""bulk imports refresh the search index once per batch instead of once per row

Revision ID: 0005_iati_speed
Revises: 0005_notifications

The full-text index (0003_search) and, on SQLite, the register's version counter (0004_search_perf) are kept by
row triggers. A bulk import writes tens of thousands of rows in one transaction; row by row, those triggers cost
more than the import's own writes. The triggers that an import fires now stand aside while the import's
transaction says so, and adam.search.bulk then refreshes the index rows of the projects it wrote with one
set-based statement per batch (and moves the counter once):

- SQLite: while the one-row table project_search_bulk holds a row. Only the import's own transaction ever
  writes it, and it deletes it again before it hands the transaction back: no other connection sees it
  (SQLite has one writer, and readers never see uncommitted rows), and a rollback takes it away.
- PostgreSQL: while the transaction-local setting adam.bulk_import is 'on' (set_config(..., true)); it ends with
  the transaction whatever happens. PostgreSQL's version counter moves at commit, once per transaction already:
  its triggers are left as they are.

Every other write (forms, API, SQL by hand) fires the triggers exactly as before.
"""
import re

from alembic import op

revision = "0005_iati_speed"
down_revision = "0005_notifications"
branch_labels = None
depends_on = None

SQLITE_WHEN = " WHEN NOT EXISTS (SELECT 1 FROM project_search_bulk)"
# The triggers a bulk import fires: the index rows of projects and of their beneficiary institutions, and the
# version counter of every table (organisations, projects and their links) it writes.
SQLITE_INDEX_TRIGGERS = ["project_search_ai", "project_search_au", "project_search_inst_ai",
                         "project_search_inst_ad"]
VERSIONED_TABLES = [
    "projects", "project_countries", "project_regions", "project_pillars", "project_themes",
    "project_implementers", "project_institutions", "project_funders", "organisations",
    "countries", "regions", "region_countries", "pillars", "themes",
]
SQLITE_VERSION_TRIGGERS = [f"project_search_version_{table}_{event}" for table in VERSIONED_TABLES
                           for event in ("insert", "update", "delete")]

POSTGRES_WHEN = "WHEN (current_setting('adam.bulk_import', true) IS DISTINCT FROM 'on')"
POSTGRES_TRIGGERS = {
    "project_search_projects": ("AFTER INSERT OR UPDATE OF title, summary, description ON projects FOR EACH ROW",
                                "projects"),
    "project_search_institutions": ("AFTER INSERT OR DELETE ON project_institutions FOR EACH ROW",
                                    "project_institutions"),
}


def _sqlite_rewrite(add: bool) -> None:
    bind = op.get_bind()
    names = SQLITE_INDEX_TRIGGERS + SQLITE_VERSION_TRIGGERS
    found = dict(bind.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (%s)"
        % ", ".join("?" * len(names)), tuple(names)).all())
    for name in names:
        sql = found.get(name)
        if sql is None:
            continue
        if add and SQLITE_WHEN not in sql:
            # The WHEN clause goes just before the body: "... ON table[ FOR EACH ROW] WHEN ... BEGIN".
            sql = re.sub(r"\s+BEGIN\b", SQLITE_WHEN + " BEGIN", sql, count=1)
        elif not add:
            sql = sql.replace(SQLITE_WHEN, "")
        else:
            continue
        op.execute(f"DROP TRIGGER {name}")
        op.execute(sql)


def _postgres_rewrite(add: bool) -> None:
    for name, (timing, table) in POSTGRES_TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        when = f" {POSTGRES_WHEN}" if add else ""
        op.execute(f"CREATE TRIGGER {name} {timing}{when} EXECUTE FUNCTION adam_project_search_trigger()")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("CREATE TABLE project_search_bulk (id INTEGER PRIMARY KEY CHECK (id = 1))")
        _sqlite_rewrite(add=True)
    elif dialect == "postgresql":
        _postgres_rewrite(add=True)
    else:
        raise NotImplementedError(f"the bulk search refresh is written for SQLite and PostgreSQL, not {dialect}")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_rewrite(add=False)
        op.execute("DROP TABLE IF EXISTS project_search_bulk")
    elif dialect == "postgresql":
        _postgres_rewrite(add=False)
