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


def test_users_who_already_follow_countries_have_chosen_after_0006(scratch_database_url):
    from sqlalchemy import text

    app = make_test_app(scratch_database_url)
    with app.app_context():
        upgrade(revision="0005_iati_speed")
        user = ("INSERT INTO users (id, email, name, role, password_hash, active, created_at, failed_logins) "
                "VALUES (:id, :email, 'U', 'focal_point', 'x', :yes, CURRENT_TIMESTAMP, 0)")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO countries (id, iso3, iso2, name) VALUES (1, 'TJK', 'TJ', 'Tajikistan')"))
            for uid in (1, 2):
                conn.execute(text(user), {"id": uid, "email": f"u{uid}@example.org", "yes": True})
            conn.execute(text("INSERT INTO followed_countries (user_id, country_id) VALUES (1, 1)"))
        upgrade(revision="0006_follows_chosen")
        with db.engine.connect() as conn:
            chosen = dict(conn.execute(text("SELECT id, follows_chosen FROM users ORDER BY id")).all())
        assert chosen == {1: True, 2: False}  # user 2 never chose: still follows their organisation's country
        downgrade(revision="base")
        db.engine.dispose()
