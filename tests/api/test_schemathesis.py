"""API fuzzing: schemathesis generates requests from the project's own OpenAPI schema and checks the answers.

The schema is loaded from the running application (`/api/schema/`, in-process through WSGI, no network) and every
operation is exercised with the credentials it declares: the public ones anonymously, the assessment operations with
a hoster API key (for an assessment of that hoster, and for ids that are not), the notice import with a supervisor
key. Positive and negative (schema-violating) data alike; every answer must be free of server errors, conform to the
schema (status code, content type, headers, body) and reject negative data with a 4xx; an operation that declares
authentication must refuse the same request without credentials or with invalid ones (schemathesis' `ignored_auth`).

Bounded for the normal suite: at most `MAX_EXAMPLES` examples per operation and credential, no deadline.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import date

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assessments import services
from assessments.models import Assessment, QuestionnaireVersion
from portal.api import create_api_key
from portal.models import ApiKey
from scoring.publication.monitor_periods import publish_monitor_period
from tests.scoring.certification.helpers import certify

# Per operation and credential; raise it for a deeper run: `FUZZ_EXAMPLES=500 pytest tests/api`.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]
# `positive_data_acceptance` is left out on purpose: schema-valid data is not always acceptable (an answer to an
# unknown criterion code, a notice for an unknown hoster) and the API says so with a 400 and a message.

ANSWERS = "/api/v1/assessments/{id}/answers/"
SCORE = "/api/v1/assessments/{id}/score/"
NOTICES = "/api/v1/notices/"
PUBLIC = [
    "/api/v1/registry/",
    "/api/v1/hosters/{slug}/",
    "/api/v1/certificates/{serial}/",
    "/api/v1/monitor-periods/",
    "/api/v1/monitor-periods/{code}/",
]
HOSTER_OPERATIONS = [("GET", ANSWERS), ("PUT", ANSWERS), ("GET", SCORE)]

application = get_wsgi_application()


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return schemathesis.openapi.from_wsgi("/api/schema/", application)


class World:
    """Hoster A with a draft assessment and a hoster key, certified hoster B, a supervisor key."""

    def __init__(self, owner_a, hoster_a, owner_b, hoster_b, supervisor) -> None:
        self.draft_a: Assessment = services.start_assessment(owner_a, hoster_a, date(2025, 1, 1), date(2025, 12, 31))
        self.certificate_b = certify(owner_b, hoster_b, supervisor)
        _key, self.hoster_a_token = create_api_key(owner_a, "fuzz", ApiKey.Scope.HOSTER, hoster_a)
        _key, self.hoster_b_token = create_api_key(owner_b, "fuzz", ApiKey.Scope.HOSTER, hoster_b)
        _key, self.supervisor_token = create_api_key(supervisor, "fuzz", ApiKey.Scope.SUPERVISOR)
        self.slugs = [hoster_a.slug, hoster_b.slug]
        self.period = publish_monitor_period(
            supervisor, code="2024-h2", title="Monitor 2024 H2", date_from=date(2024, 7, 1), date_to=date(2024, 12, 31)
        )


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """Calls through the WSGI handler fire request_started/finished, which close the database connection (and
    with it the test's transaction on PostgreSQL); Django's own test client disconnects that handler, so do we."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(owner_a, hoster_a, owner_b, hoster_b, supervisor) -> World:
    assert QuestionnaireVersion.objects.current() is not None
    cache.clear()
    yield World(owner_a, hoster_a, owner_b, hoster_b, supervisor)
    cache.clear()


def negated(case, location: ParameterLocation) -> bool:
    """Whether schemathesis made this part of the case invalid on purpose (then it is left as generated)."""
    component = case.meta.components.get(location) if case.meta else None
    return bool(component and component.mode.is_negative)


def fuzz(schema, method: str, path: str, *, token: str | None, known: dict | None = None, codes=()) -> Counter:
    """`MAX_EXAMPLES` positive and negative cases of one operation, checked; the status codes seen.

    Three cases in four use the `known` path parameters (an object that exists) instead of generated ones, and, when
    `codes` are given, the answers of a generated body are re-keyed to real criterion codes so that the random
    values reach the answer validation rather than stopping at "unknown criterion".
    """
    operation = schema[path][method]
    headers = {"Authorization": f"Api-Key {token}"} if token else {}
    statuses: Counter = Counter()

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ),
        choice=st.integers(0, 3),
    )
    def run(case, choice: int) -> None:
        cache.clear()  # no throttling between examples
        if known and choice and not negated(case, ParameterLocation.PATH):
            case.path_parameters = {**(case.path_parameters or {}), **known}
        if codes and choice and isinstance(case.body, dict) and isinstance(case.body.get("answers"), dict):
            values = list(case.body["answers"].values())
            case.body = {**case.body, "answers": {codes[i % len(codes)]: value for i, value in enumerate(values)}}
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses[response.status_code] += 1

    run()
    print(f"{method} {path}: {sum(statuses.values())} examples, statuses {dict(sorted(statuses.items()))}")
    return statuses


@pytest.mark.django_db
@pytest.mark.parametrize("path", PUBLIC)
def test_public_operations_anonymously(schema, world, path):
    known = {}
    if "{slug}" in path:
        known = {"slug": world.slugs[1]}
    elif "{serial}" in path:
        known = {"serial": world.certificate_b.serial}
    elif "{code}" in path:
        known = {"code": world.period.code}
    statuses = fuzz(schema, "GET", path, token=None, known=known)
    assert statuses[200] > 0, "no example reached a real object"


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), HOSTER_OPERATIONS)
def test_hoster_operations_with_a_hoster_key(schema, world, method, path):
    codes = [criterion.code for criterion in world.draft_a.questionnaire.parsed.criteria] if method == "PUT" else ()
    statuses = fuzz(schema, method, path, token=world.hoster_a_token, known={"id": world.draft_a.pk}, codes=codes)
    assert statuses[200] + statuses[400] > 0, "no example reached the hoster's own assessment"


@pytest.mark.django_db
def test_notice_import_with_a_supervisor_key(schema, world):
    statuses = fuzz(schema, "POST", NOTICES, token=world.supervisor_token)
    assert statuses[200] + statuses[201] + statuses[400] == sum(statuses.values())
