"""A backup restored into an empty database gives identical data, on both databases."""
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from adam.backup import BackupError, dump, restore
from adam.demo import load_demo
from adam.extensions import db
from tests import factories as f
from tests.conftest import make_test_app


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"adam_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def table_contents(connection, metadata) -> dict:
    contents = {}
    for table in metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        contents[table.name] = [tuple(row) for row in connection.execute(select(table).order_by(*order))]
    return contents


def test_backup_then_restore_into_an_empty_database_gives_identical_data(app, session, empty_database_url, tmp_path):
    load_demo(session, count=40)
    f.make_project(session, "Проект с кириллицей: лечение наркозависимости", summary="Résumé accentué, ñ")
    session.commit()
    path = tmp_path / "adam-backup.jsonl.gz"
    with db.engine.connect() as connection:
        counts = dump(connection, db.metadata, path)
        original = table_contents(connection, db.metadata)
    assert counts["projects"] == 41

    target = make_test_app(empty_database_url)
    with target.app_context():
        upgrade()
        with db.engine.begin() as connection:
            restored_counts = restore(connection, db.metadata, path)
        with db.engine.connect() as connection:
            assert table_contents(connection, db.metadata) == original
        assert restored_counts == counts
        # New rows get fresh ids after a restore (sequences moved on).
        project = f.make_project(db.session, "Added after restore")
        db.session.commit()
        assert project.id > max(row[0] for row in original["projects"])
        # A second restore into the now non-empty database is refused and changes nothing.
        with pytest.raises(BackupError, match="empty database"):
            with db.engine.begin() as connection:
                restore(connection, db.metadata, path)
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(app, tmp_path):
    path = tmp_path / "not-a-backup.jsonl"
    path.write_text('{"hello": 1}\n')
    with db.engine.begin() as connection:
        with pytest.raises(BackupError, match="not an ADAM backup"):
            restore(connection, db.metadata, path)
