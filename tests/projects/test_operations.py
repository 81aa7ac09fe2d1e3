"""The project operations enforce the rules for every caller (forms, API, importers), without HTTP."""
import datetime as dt
from decimal import Decimal

import pytest

from adam.projects import operations as ops
from tests import factories as f


def base_input(session, **kw) -> ops.ProjectInput:
    data = ops.ProjectInput(
        title="Forensic laboratory support to the Forensic Science Centre of Uzbekistan",
        country_ids=[f.country(session, "UZB").id],
        pillar_ids=[f.pillar(session, 3).id],
        donors=[ops.DonorInput(f.organisation(session, "JP").id, Decimal("50000"))],
        budget_amount=Decimal("50000"), budget_currency="JPY",
    )
    for key, value in kw.items():
        setattr(data, key, value)
    return data


def test_unknown_currency_and_ids_are_reported_per_field(session):
    data = base_input(session, budget_currency="XXQ", country_ids=[999999], theme_ids=[888888])
    with pytest.raises(ops.ProjectValidationError) as exc:
        ops.validate(session, data)
    assert "Unknown currency 'XXQ'" in exc.value.errors["budget_currency"][0]
    assert exc.value.errors["countries"] == ["Unknown country id(s): 999999."]
    assert exc.value.errors["themes"] == ["Unknown theme id(s): 888888."]


def test_budget_is_converted_to_usd_with_the_currency_rate(session):
    user = f.make_user(session, role="coordinator")
    project = ops.create_project(session, base_input(session), user)
    assert project.budget_usd == Decimal("335.00")  # 50,000 JPY at 0.0067


def test_stale_version_is_refused_before_any_change(session):
    user = f.make_user(session, role="coordinator")
    project = ops.create_project(session, base_input(session), user)
    with pytest.raises(ops.StaleProjectError):
        ops.update_project(session, project, base_input(session, title="Late edit"), user, expected_version=project.version + 1)
    assert project.title.startswith("Forensic")


def test_focal_point_may_not_update_through_the_operation_either(session):
    outsider = f.make_user(session, org="US")
    owner = f.make_user(session, role="coordinator")
    project = ops.create_project(session, base_input(session), owner)
    with pytest.raises(ops.PermissionDenied):
        ops.update_project(session, project, base_input(session, title="x"), outsider, project.version)


def test_effective_dates_prefer_actual_over_planned(session):
    user = f.make_user(session, role="coordinator")
    project = ops.create_project(session, base_input(
        session, planned_start_on=dt.date(2024, 1, 1), planned_end_on=dt.date(2024, 12, 31),
        actual_start_on=dt.date(2024, 3, 1)), user)
    assert (project.starts_on, project.ends_on) == (dt.date(2024, 3, 1), dt.date(2024, 12, 31))
