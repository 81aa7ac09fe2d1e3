from sqlalchemy import func, select

from adam.demo import generate, load_demo
from adam.models import Project, User


def test_demo_has_200_projects_users_per_role_and_loads_idempotently(session):
    first = load_demo(session)
    session.commit()
    assert first["projects"] == 200
    assert {u.role for u in session.scalars(select(User))} == {"admin", "coordinator", "focal_point"}
    second = load_demo(session)
    session.commit()
    assert second == {"users": 0, "projects": 0, "institutions": 0}
    assert session.scalar(select(func.count()).select_from(Project)) == 200


def test_planted_pairs_are_worded_differently_but_share_place_subject_and_time():
    projects, planted = generate()
    by_title = {p.title: p for p in projects}
    assert len(planted) == 30 and len(by_title) == len(projects)
    for pair in planted:
        a, b = by_title[pair.title_a], by_title[pair.title_b]
        assert a.title != b.title
        assert a.country == b.country and a.theme == b.theme and a.institution == b.institution
        assert a.start <= b.end and b.start <= a.end
