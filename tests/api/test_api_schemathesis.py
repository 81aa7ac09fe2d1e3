"""Schemathesis against the app's own OpenAPI document, in-process, authenticated with a real token.

Every operation gets a bounded number of generated requests (valid and deliberately invalid ones); none may
produce a server error, an undocumented status or content type, or a response that breaks the schema.
"""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import make_project

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 10}


def test_every_operation_conforms_to_the_openapi_document(app, session, coordinator_headers):
    projects = [make_project(session, f"Seeded border project {i}", institutions=("Customs Academy",),
                             summary="Container profiling") for i in range(3)]
    session.commit()
    seeded_ids = [p.id for p in projects]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=coordinator_headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13
    for operation in operations:
        for mode, examples in EXAMPLES.items():
            strategy = operation.as_strategy(generation_mode=mode)
            if "{project_id}" in operation.path:
                # Half the cases aim at projects that exist, so updates get past the 404.
                strategy = st.tuples(strategy, st.sampled_from(seeded_ids), st.booleans()).map(_aim(operation))

            @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def check(case):
                response = case.call(headers=coordinator_headers)
                case.validate_response(response, checks=CHECKS, headers=coordinator_headers)

            check()


def _aim(operation):
    def aim(args):
        case, project_id, use_seeded = args
        if use_seeded and isinstance(case.path_parameters, dict):
            case.path_parameters["project_id"] = project_id
        return case

    return aim
