"""Fixtures every suite may use: the moto account of the unit tests (tests/support/moto_account.py) and a module's
own embedded AWS, deployed once (tests/support/throwaway_aws.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from tests.integration.harness import LocalAws
from tests.support.moto_account import AccountOptions, MotoAccount
from tests.support.moto_account import moto_account as open_moto_account
from tests.support.throwaway_aws import ThrowawayAws
from tests.support.throwaway_aws import throwaway_aws as start_throwaway_aws


@pytest.fixture
def moto_account_options() -> AccountOptions:
    """The account's region, bucket and extra environment; a suite's conftest overrides this to change them."""
    return AccountOptions()


@pytest.fixture
def moto_account(monkeypatch: pytest.MonkeyPatch, moto_account_options: AccountOptions) -> Iterator[MotoAccount]:
    """A fresh moto account with the data bucket, fake credentials and ``s3io``'s client made inside the mock."""
    with open_moto_account(monkeypatch, moto_account_options) as account:
        yield account


@pytest.fixture(scope="session")
def throwaway_aws(tmp_path_factory: pytest.TempPathFactory) -> ThrowawayAws:
    """Starts (and stops) a module's own embedded AWS: ``with throwaway_aws("name", publish=True) as local:``
    inside a module-scoped fixture, so each module deploys once (see tests/support/throwaway_aws.py)."""

    def start(name: str, **how: Any) -> AbstractContextManager[LocalAws]:
        return start_throwaway_aws(Path(tmp_path_factory.mktemp(name)), **how)

    return start
