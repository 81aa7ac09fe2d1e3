"""Two real database connections edit one project at the same time: the second is refused, nothing is lost."""
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from adam.extensions import db
from adam.models import Project, ProjectChange, User
from adam.projects import operations as ops
from tests import factories as f


def test_second_of_two_concurrent_sessions_is_refused(app, session, database_url):
    coordinator = f.make_user(session, role="coordinator")
    project = f.make_project(session, "Maritime law enforcement capacity building in Kenya", countries=("KEN",))
    session.commit()
    engine = create_engine(db.engine.url)
    try:
        with Session(engine) as first, Session(engine) as second:
            mine = first.get(Project, project.id)
            theirs = second.get(Project, project.id)
            assert mine.version == theirs.version == 1
            user_a, user_b = first.get(User, coordinator.id), second.get(User, coordinator.id)

            data_a = ops.ProjectInput.from_project(mine)
            data_a.title = "Edited in connection A"
            ops.update_project(first, mine, data_a, user_a, expected_version=1)
            first.commit()

            data_b = ops.ProjectInput.from_project(theirs)
            data_b.summary = "Edited in connection B"
            # B still holds version 1 in memory: the check passes, but the versioned UPDATE matches no row.
            with pytest.raises(StaleDataError):
                ops.update_project(second, theirs, data_b, user_b, expected_version=1)
                second.commit()
            second.rollback()
    finally:
        engine.dispose()
    session.expire_all()
    saved = session.get(Project, project.id)
    assert saved.title == "Edited in connection A" and saved.summary == "" and saved.version == 2
    updates = session.scalars(select(ProjectChange).where(ProjectChange.action == "updated")).all()
    assert [u.changes.get("title", [None, None])[1] for u in updates] == ["Edited in connection A"]
