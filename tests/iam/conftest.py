"""Fixtures of the enforced-IAM tests: the service template rendered once, and an account with every function's
role created from it (see deployment.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.iam.deployment import BUCKET, REGION, Deployment
from tests.iam.enforced_account import ACCOUNT_ID, EnforcedAccount
from tests.iam.rendered_policies import FunctionRole, function_roles, render_service_template


@pytest.fixture(scope="session")
def service_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return render_service_template(tmp_path_factory.mktemp("iam-rendered"))


@pytest.fixture(scope="session")
def roles(service_template: dict[str, Any]) -> dict[str, FunctionRole]:
    """Function name -> its role, with the policies resolved for the test account and region."""
    return function_roles(service_template, ACCOUNT_ID, REGION, BUCKET)


@pytest.fixture(scope="module")
def deployment(roles: dict[str, FunctionRole]) -> Iterator[Deployment]:
    account = EnforcedAccount(REGION)
    account.start()
    try:
        yield Deployment(account, roles)
    finally:
        account.stop()
