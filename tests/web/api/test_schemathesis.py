"""Generated requests for every operation in /openapi.json, signed in as an admin (so that
every route is reached past its role check): no request may cause a server error (5xx).

The operations are walked here rather than with ``schema.parametrize()``, whose pytest glue
does not run on the pytest this project uses; each operation still gets its own Hypothesis run.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings

from tests.web.api.conftest import anonymous, import_reference, signed_in

EXAMPLES_PER_OPERATION = 20


def test_no_server_error_on_any_operation(app: FastAPI) -> None:
    admin = signed_in(app, "admin")
    import_reference(admin)  # ids 1 reach a real patient and real records
    visitor = anonymous(app)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures: list[str] = []

    for operation in operations:
        # POST /auth/logout would end the session every other case uses: it runs anonymously.
        client = visitor if operation.path == "/api/v1/auth/logout" else admin
        try:
            _fuzz(operation, client)
        except Exception as error:  # a 5xx, or an exception the app let escape
            failures.append(f"{operation.method.upper()} {operation.path}: "
                            f"{type(error).__name__}: {str(error).splitlines()[0][:300]}")
    assert failures == []


def _fuzz(operation: Any, client: Any) -> None:
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        response = case.call(cookies=dict(client.http.cookies.items()),
                             headers={**(case.headers or {}), "X-CSRF-Token": client.csrf})
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} -> {response.status_code}: "
            f"{response.text[:300]}")

    run()
