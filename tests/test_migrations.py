"""The migrations build the schema on both databases, go down to nothing, and agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from adam.extensions import db
from adam.models.base import include_in_autogenerate
from tests.conftest import make_test_app


def test_upgrade_to_head_then_downgrade_to_base(scratch_database_url):
    app = make_test_app(scratch_database_url)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"projects", "organisations", "users", "project_changes", "countries"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_models_and_migrations_agree(_migrated_app):
    with _migrated_app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True, "render_as_batch": True, "include_name": include_in_autogenerate})
            differences = compare_metadata(context, db.metadata)
    assert differences == []
