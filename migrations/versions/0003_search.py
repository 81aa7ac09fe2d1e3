"""full-text index of projects (SQLite FTS5 / PostgreSQL tsvector + unaccent) and followed countries

Revision ID: 0003_search
Revises: 0001_foundation

The index holds title, summary, description and beneficiary-institution names of every project and is
kept in sync by triggers, so no application code has to remember to refresh it (imports, bulk loads and
the ORM all go through the same path).

SQLite: an FTS5 table whose rowid is the project id, tokenize "unicode61 remove_diacritics 2" (case and
accents folded for Latin, Cyrillic, Greek...).
PostgreSQL: a side table project_search(project_id, document tsvector) with a GIN index; documents are
built with the 'simple' configuration over unaccent() text, so no language-specific stemming hides words
in a multilingual register, and accents never matter.
"""
from alembic import op
import sqlalchemy as sa


revision = "0003_search"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None



def _fold(expression: str) -> str:
    """SQLite's remove_diacritics folds Latin letters only; Russian ё is commonly written е (PostgreSQL's
    unaccent maps it too), so fold it here and in adam.search.fulltext.tokens."""
    return f"replace(replace(coalesce({expression}, ''), 'ё', 'е'), 'Ё', 'Е')"


# Beneficiary-institution names (and acronyms) of one project, as one string.
_SQLITE_INSTITUTIONS = _fold(
    "(SELECT group_concat(o.name || ' ' || coalesce(o.acronym, ''), ' ') "
    "FROM project_institutions pi JOIN organisations o ON o.id = pi.organisation_id "
    "WHERE pi.project_id = {pid})"
)

SQLITE_UP = [
    """CREATE VIRTUAL TABLE project_search USING fts5(
        title, summary, description, institutions, tokenize="unicode61 remove_diacritics 2")""",
    f"""CREATE TRIGGER project_search_ai AFTER INSERT ON projects BEGIN
        INSERT INTO project_search (rowid, title, summary, description, institutions)
        VALUES (new.id, {_fold('new.title')}, {_fold('new.summary')}, {_fold('new.description')}, '');
    END""",
    f"""CREATE TRIGGER project_search_au AFTER UPDATE OF title, summary, description ON projects BEGIN
        UPDATE project_search SET title = {_fold('new.title')}, summary = {_fold('new.summary')},
            description = {_fold('new.description')} WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER project_search_ad AFTER DELETE ON projects BEGIN
        DELETE FROM project_search WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER project_search_inst_ai AFTER INSERT ON project_institutions BEGIN
        UPDATE project_search SET institutions = {_SQLITE_INSTITUTIONS.format(pid='new.project_id')}
        WHERE rowid = new.project_id;
    END""",
    f"""CREATE TRIGGER project_search_inst_ad AFTER DELETE ON project_institutions BEGIN
        UPDATE project_search SET institutions = {_SQLITE_INSTITUTIONS.format(pid='old.project_id')}
        WHERE rowid = old.project_id;
    END""",
    f"""CREATE TRIGGER project_search_org_au AFTER UPDATE OF name, acronym ON organisations BEGIN
        UPDATE project_search SET institutions = {_SQLITE_INSTITUTIONS.format(pid='project_search.rowid')}
        WHERE rowid IN (SELECT project_id FROM project_institutions WHERE organisation_id = new.id);
    END""",
    f"""INSERT INTO project_search (rowid, title, summary, description, institutions)
        SELECT p.id, {_fold('p.title')}, {_fold('p.summary')}, {_fold('p.description')},
               {_SQLITE_INSTITUTIONS.format(pid='p.id')} FROM projects p""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS project_search_org_au",
    "DROP TRIGGER IF EXISTS project_search_inst_ad",
    "DROP TRIGGER IF EXISTS project_search_inst_ai",
    "DROP TRIGGER IF EXISTS project_search_ad",
    "DROP TRIGGER IF EXISTS project_search_au",
    "DROP TRIGGER IF EXISTS project_search_ai",
    "DROP TABLE IF EXISTS project_search",
]

POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """CREATE TABLE project_search (
        project_id integer NOT NULL,
        document tsvector NOT NULL,
        CONSTRAINT pk_project_search PRIMARY KEY (project_id),
        CONSTRAINT fk_project_search_project_id_projects FOREIGN KEY (project_id)
            REFERENCES projects (id) ON DELETE CASCADE)""",
    "CREATE INDEX ix_project_search_document ON project_search USING gin (document)",
    # Weights: title A, institutions and summary B, description C (ts_rank ranks by them).
    """CREATE FUNCTION adam_project_document(pid integer) RETURNS tsvector LANGUAGE sql STABLE AS $$
        SELECT setweight(to_tsvector('simple', unaccent(coalesce(p.title, ''))), 'A')
            || setweight(to_tsvector('simple', unaccent(coalesce(p.summary, ''))), 'B')
            || setweight(to_tsvector('simple', unaccent(coalesce(p.description, ''))), 'C')
            || setweight(to_tsvector('simple', unaccent(coalesce((
                SELECT string_agg(o.name || ' ' || coalesce(o.acronym, ''), ' ')
                FROM project_institutions pi JOIN organisations o ON o.id = pi.organisation_id
                WHERE pi.project_id = p.id), ''))), 'B')
        FROM projects p WHERE p.id = pid
    $$""",
    """CREATE FUNCTION adam_refresh_project_search(pid integer) RETURNS void LANGUAGE sql AS $$
        INSERT INTO project_search (project_id, document)
        SELECT pid, adam_project_document(pid) WHERE EXISTS (SELECT 1 FROM projects WHERE id = pid)
        ON CONFLICT (project_id) DO UPDATE SET document = EXCLUDED.document
    $$""",
    """CREATE FUNCTION adam_project_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'projects' THEN
            PERFORM adam_refresh_project_search(NEW.id);
        ELSIF TG_TABLE_NAME = 'project_institutions' THEN
            IF TG_OP = 'DELETE' THEN
                PERFORM adam_refresh_project_search(OLD.project_id);
            ELSE
                PERFORM adam_refresh_project_search(NEW.project_id);
            END IF;
        ELSIF TG_TABLE_NAME = 'organisations' THEN
            PERFORM adam_refresh_project_search(pi.project_id)
            FROM project_institutions pi WHERE pi.organisation_id = NEW.id;
        END IF;
        RETURN NULL;
    END
    $$""",
    """CREATE TRIGGER project_search_projects AFTER INSERT OR UPDATE OF title, summary, description
        ON projects FOR EACH ROW EXECUTE FUNCTION adam_project_search_trigger()""",
    """CREATE TRIGGER project_search_institutions AFTER INSERT OR DELETE
        ON project_institutions FOR EACH ROW EXECUTE FUNCTION adam_project_search_trigger()""",
    """CREATE TRIGGER project_search_organisations AFTER UPDATE OF name, acronym
        ON organisations FOR EACH ROW EXECUTE FUNCTION adam_project_search_trigger()""",
    "INSERT INTO project_search (project_id, document) SELECT id, adam_project_document(id) FROM projects",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS project_search_organisations ON organisations",
    "DROP TRIGGER IF EXISTS project_search_institutions ON project_institutions",
    "DROP TRIGGER IF EXISTS project_search_projects ON projects",
    "DROP FUNCTION IF EXISTS adam_project_search_trigger()",
    "DROP FUNCTION IF EXISTS adam_refresh_project_search(integer)",
    "DROP FUNCTION IF EXISTS adam_project_document(integer)",
    "DROP TABLE IF EXISTS project_search",
    # unaccent stays: other features may rely on it and dropping an extension needs more rights.
]


def _statements(up: bool) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    if dialect == "postgresql":
        return POSTGRES_UP if up else POSTGRES_DOWN
    raise NotImplementedError(f"full-text search is written for SQLite and PostgreSQL, not {dialect}")


def upgrade():
    op.create_table(
        "followed_countries",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("country_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["country_id"], ["countries.id"], name=op.f("fk_followed_countries_country_id_countries"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_followed_countries_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "country_id", name=op.f("pk_followed_countries")),
    )
    with op.batch_alter_table("followed_countries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followed_countries_country_id"), ["country_id"], unique=False)
    for statement in _statements(up=True):
        op.execute(statement)


def downgrade():
    for statement in _statements(up=False):
        op.execute(statement)
    with op.batch_alter_table("followed_countries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followed_countries_country_id"))
    op.drop_table("followed_countries")
