"""The service template as the deploy renders it (playbooks/render-templates.yml) for a Polish class: the history
route's function, role and method, and API Gateway's own answers in Polish from the api catalog."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.templates import render


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    rendered = render(tmp_path_factory.mktemp("polish"), language="pl")
    return next(template for name, template in rendered.items() if name.endswith("service"))["Resources"]


def test_the_gateways_answers_are_polish_json_with_content_language(service: dict[str, Any]) -> None:
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in service.values()
        if r["Type"].endswith("::GatewayResponse")
    }
    assert {"INVALID_API_KEY", "MISSING_AUTHENTICATION_TOKEN", "THROTTLED", "QUOTA_EXCEEDED", "REQUEST_TOO_LARGE",
            "DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)  # fmt: skip
    throttled = responses["THROTTLED"]
    assert throttled["ResponseParameters"]["gatewayresponse.header.Content-Language"] == "'pl'"
    assert json.loads(throttled["ResponseTemplates"]["application/json"]) == {
        "error": "too_many_requests",
        "message": "Zbyt wiele żądań w krótkim czasie. Odczekaj chwilę i spróbuj ponownie.",
    }
    deployment = next(r for name, r in service.items() if name.startswith("ApiDeployment"))
    gateway_ids = {name for name, r in service.items() if r["Type"].endswith("::GatewayResponse")}
    assert len(gateway_ids) == len(responses) and gateway_ids <= set(
        deployment["DependsOn"]
    )  # created before the deployment that serves them


def test_the_history_route_has_its_own_function_role_and_keyed_method(service: dict[str, Any]) -> None:
    method = service["ApiGetHistory"]["Properties"]
    assert (method["HttpMethod"], method["ApiKeyRequired"]) == ("GET", True)
    function = service["HistoryFunction"]["Properties"]
    assert function["Handler"] == "testtime.handlers.history.handler"
    assert function["Environment"]["Variables"]["CLASS_LANGUAGE"] == "pl"
    assert service["HistoryLogGroup"]["Properties"]["RetentionInDays"]
    statements = service["HistoryRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert {s["Sid"]: s["Action"] for s in statements} == {
        "OwnLogs": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "ReadData": "s3:GetObject",
        "ListData": "s3:ListBucket",
    }
    listing = next(s for s in statements if s["Sid"] == "ListData")
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["submitted/*"]}}
    read = next(s for s in statements if s["Sid"] == "ReadData")
    assert len(read["Resource"]) == 7 and not any("trainer" in str(r) or "scorer" in str(r) for r in read["Resource"])
