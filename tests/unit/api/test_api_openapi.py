"""openapi/testtime-api.yaml: well formed, and in step with the handlers (``invoke`` checks every response)."""

from __future__ import annotations

import jsonschema
import pytest
from api_support import OPENAPI, check_against_spec, openapi

ROUTES = {
    ("post", "/api/v1/tests"),
    ("get", "/api/v1/test"),
    ("post", "/api/v1/test"),
    ("get", "/api/v1/results"),
    ("get", "/api/v1/history"),
}


def test_the_file_is_a_schema_valid_openapi_3_0_document() -> None:
    import schemathesis  # here, not at the top: collecting the suite then costs no worker its 2 s import

    schema = schemathesis.openapi.from_path(str(OPENAPI))
    operations = {(op.ok().method.lower(), op.ok().path) for op in schema.get_all_operations()}
    assert operations == ROUTES


def test_routes_stage_and_key() -> None:
    spec = openapi()
    assert spec["openapi"].startswith("3.0.")
    assert spec["servers"][0]["url"].endswith("/api")
    assert spec["components"]["securitySchemes"]["apiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "The student's own API key.",
    }
    assert {(m, p) for p, ops in spec["paths"].items() for m in ops} == ROUTES


@pytest.mark.parametrize(("method", "path"), sorted(ROUTES))
def test_gateway_errors_are_documented_on_every_route(method: str, path: str) -> None:
    check_against_spec(method, path, 403, {"message": "Forbidden"})
    check_against_spec(method, path, 403, {"error": "forbidden", "message": "x"})
    check_against_spec(method, path, 429, {"message": "Too Many Requests"})
    check_against_spec(method, path, 429, {"message": "Limit Exceeded"})
    check_against_spec(method, path, 500, {"message": "Internal server error"})
    check_against_spec(method, path, 500, {"error": "internal_error", "message": "x"})
    check_against_spec(method, path, 502, {"message": "Internal server error"})
    check_against_spec(method, path, 504, {"message": "Endpoint request timed out"})


def test_error_codes_are_tied_to_their_status() -> None:
    with pytest.raises(jsonschema.ValidationError):
        check_against_spec("POST", "/api/v1/test", 400, {"error": "not_found", "message": "x"})
    with pytest.raises(jsonschema.ValidationError):
        check_against_spec("GET", "/api/v1/test", 400, {"error": "payload_too_large", "message": "x"})
    with pytest.raises(AssertionError):
        check_against_spec("GET", "/api/v1/test", 409, {"error": "already_submitted", "message": "x"})
