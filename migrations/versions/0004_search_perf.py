"""search performance: covering (key, project) indexes on the link tables and donors, budget index

Revision ID: 0004_search_perf
Revises: 0002_overlap

Search filters ("projects of these countries / pillars / donors") and the coverage matrices read the link
tables from their second column. A single-column index on that column still sent every match back to the
table (SQLite: by rowid; PostgreSQL: a bitmap heap scan) for its project_id; a (key, project_id) index
answers alone, and replaces the single-column one (its prefix serves the same lookups).
"""
from alembic import op


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


def upgrade():
    for table, column in LINKS:
        op.create_index(f"ix_{table}_{column}_project_id", table, [column, "project_id"])
        op.drop_index(f"ix_{table}_{column}", table_name=table)
    op.create_index("ix_project_funders_project_id_organisation_id", "project_funders", ["project_id", "organisation_id"])
    op.create_index("ix_project_funders_organisation_id_project_id", "project_funders", ["organisation_id", "project_id"])
    op.drop_index("ix_project_funders_project_id", table_name="project_funders")
    op.drop_index("ix_project_funders_organisation_id", table_name="project_funders")
    op.create_index("ix_projects_budget_usd", "projects", ["budget_usd"])


def downgrade():
    op.drop_index("ix_projects_budget_usd", table_name="projects")
    op.create_index("ix_project_funders_organisation_id", "project_funders", ["organisation_id"])
    op.create_index("ix_project_funders_project_id", "project_funders", ["project_id"])
    op.drop_index("ix_project_funders_organisation_id_project_id", table_name="project_funders")
    op.drop_index("ix_project_funders_project_id_organisation_id", table_name="project_funders")
    for table, column in LINKS:
        op.create_index(f"ix_{table}_{column}", table, [column])
        op.drop_index(f"ix_{table}_{column}_project_id", table_name=table)
