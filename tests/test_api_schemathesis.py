"""Property-based requests against the OpenAPI schema (issue 10): schemathesis generates bounded requests for
every operation, valid and not; the rule is zero server errors (5xx) — a bad parameter is a clear 400."""

from __future__ import annotations

import collections

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from atalaya.datasets.importing import import_file
from atalaya.indicators.models import Indicator, Publication

#: Examples per operation: enough to reach the odd parameters, small enough for the suite (a few seconds).
EXAMPLES = 25


@pytest.fixture
def api_schema(neza, fixtures_dir, generic_mapping, make_user):
    import_file("sesnsp", fixtures_dir / "sesnsp_delitos_cp1252.csv")
    import_file(
        "incidents", fixtures_dir / "incidentes_generico.csv", municipality_code="15058", mapping_name="policia-prueba"
    )
    Publication.objects.create(
        municipality=neza, indicator=Indicator.objects.get(code="homicidio-doloso"), is_public=True
    )
    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(document)
    schema.app = get_wsgi_application()
    # As Django's test client does: the test's database connection must survive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schema
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_no_operation_answers_a_server_error(api_schema, make_user):
    """Each generated request is sent twice: as generated (random codes mostly meet a 404) and with the codes
    that exist here put back (so the other, fuzzed parameters reach the code that reads them)."""
    from hypothesis import given
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=make_user("fuzz", ["15058"]))
    headers = {"Authorization": f"Token {token.key}"}
    known = {"code": "homicidio-doloso", "municipality": "15058"}
    failures, statuses = [], collections.Counter()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def call(case):
            for attempt in ("generated", "known"):
                if attempt == "known":
                    for params in (case.path_parameters, case.query):
                        for name in set(known) & set(params or {}):
                            params[name] = known[name]
                response = case.call(headers=headers)
                statuses[response.status_code // 100] += 1
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} {case.query} → {response.status_code}")

        call()
    assert len(operations) >= 10 and statuses[2] > 0 and statuses[4] > 0
    assert not failures, failures[:10]
