"""Property-based test of every operation in the OpenAPI schema (schemathesis).

Each operation gets a bounded number of generated requests, sent as an
administrator (the one role that holds every permission), against one app
over the small two-municipality world, with every check schemathesis has
for a single request: no 5xx, every status code and header documented,
content types and bodies conform, schema-invalid input is refused and
schema-valid input accepted, unsupported methods answer 405 with ``Allow``,
authentication is not ignored, deleted resources stay gone.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from api_helpers import HOME, PASSWORD, SECRET, TODAY, other_world, token_for
from factories import tiny_world
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
    use_after_free,
)

from api.app import create_app
from api.auth import Role, create_user
from api.deps import get_today
from api.settings import Settings
from matching.records.storage import Store
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.retrieval import RetrievalIndex
from services.runtime import Runtime

MAX_EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    missing_required_header,
    unsupported_method,
    response_headers_conformance,
    ignored_auth,
    use_after_free,
    ensure_resource_availability,
]
#: Operations whose valid input can still break a rule JSON Schema cannot state (between
#: fields, or against the store): they may answer 422 to schema-valid data, and say why.
CROSS_FIELD_RULES = {
    "POST /candidates": "hours_min <= hours_max",
    "PUT /candidates/{candidate_id}": "hours_min <= hours_max",
    "PATCH /candidates/{candidate_id}": "hours_min <= hours_max",
    "POST /employers": "the municipality must be the user's own",
    "POST /events": "the municipality must be the user's own",
    "POST /events/{event_id}/tables": "the employer must exist",
    "POST /events/{event_id}/plan": "the event needs tables; a candidate cannot be both a must and a never",
    "PUT /events/{event_id}/attendance": "the candidates must have been invited",
    "PUT /employers/{employer_id}": "the municipality must be the user's own",
    "POST /work-needs": "the employer must exist; adaptable demands must be demands",
    "PUT /work-needs/{work_need_id}": "the employer must exist; adaptable demands must be demands",
    "PATCH /work-needs/{work_need_id}": "adaptable demands must be demands",
    "POST /outcomes": "a job needs a contract type; the candidate must exist",
    "PATCH /outcomes/{outcome_id}": "a job needs a contract type",
    "POST /stats/chi2": "a table needs at least 2 rows and 2 columns",
    "GET /reports/outcomes": "a month range must not end before it starts",
    "GET /reports/outcomes.html": "a month range must not end before it starts",
}


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory, space):
    folder = tmp_path_factory.mktemp("fuzz")
    store = Store(f"sqlite:///{folder / 'fuzz.db'}")
    store.upsert([*tiny_world(), *other_world()])
    create_user(
        store,
        username="admin",
        password=PASSWORD,
        role=Role.ADMINISTRATOR,
        municipality=HOME,
        rounds=4,
    )
    config = Settings(
        secret_key=SECRET, home=folder / "home", tracking_uri=(folder / "mlruns").as_uri()
    )
    runtime = Runtime(
        config=config.runtime(),
        store=store,
        space=space,
        index=RetrievalIndex(space, None),
        engine=ShortlistEngine(store, RetrievalIndex(space, None), today=lambda: TODAY),
    )
    runtime.engine.index = runtime.index
    app = create_app(config, runtime=runtime)
    app.dependency_overrides[get_today] = lambda: TODAY
    # a running service has MLflow loaded and its store created; do that before timing anything
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {token_for('admin', 'administrator')}"}
        assert client.get("/models", headers=headers).status_code == 200
    yield app
    store.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)


def _run_operation(operation, mode, headers, failures) -> int:
    """Up to MAX_EXAMPLES generated requests for one operation; failures are collected."""
    sent = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        nonlocal sent
        sent += 1
        checks = CHECKS
        if operation.label in CROSS_FIELD_RULES:
            checks = [c for c in CHECKS if c is not positive_data_acceptance]
        case.call_and_validate(headers=headers, checks=checks)

    try:
        run()
    except Unsatisfiable:
        pass  # nothing to negate (an operation without parameters or body)
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001  (one line per failing operation)
        detail = "; ".join(str(e).strip()[:800] for e in getattr(exc, "exceptions", ())) or ""
        failures.append(f"{operation.label} [{mode.value}]: {str(exc).strip()[:1500]} {detail}")
    return sent


@pytest.mark.slow
def test_every_operation_conforms(api_schema):
    headers = {"Authorization": f"Bearer {token_for('admin', 'administrator', minutes=60)}"}
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 45
    # logging out ends the token every other call uses: fuzz it last
    operations.sort(key=lambda op: op.label.endswith("/logout"))
    only = os.environ.get("FUZZ_ONLY")  # e.g. FUZZ_ONLY=/models when chasing one failure
    if only:
        operations = [op for op in operations if only in op.label]
    sent = 0
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            sent += _run_operation(operation, mode, headers, failures)
    assert sent > len(operations) * MAX_EXAMPLES
    assert not failures, "\n\n".join(failures)
