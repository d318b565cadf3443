"""Fixtures every suite may use: the moto account of the unit tests (tests/support/moto_account.py), a module's
own embedded AWS, deployed once (tests/support/throwaway_aws.py), and no class language from the caller's shell."""

from __future__ import annotations

import os
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

pytest_plugins = ["tests.support.longest_first"]  # test files run longest first (see there)


def pytest_configure(config: pytest.Config) -> None:
    """The caller's CLASS_LANGUAGE would change every part's language (the Lambda code, the portal, the trainer's
    tools): gone before any fixture, a module's or a session's too, starts anything (run-tests.sh unsets it)."""
    os.environ.pop("CLASS_LANGUAGE", None)
    from tests.support.longest_first import Recorder

    config.pluginmanager.register(Recorder(), "longest-first-recorder")


@pytest.fixture(autouse=True)
def no_class_language_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts without CLASS_LANGUAGE, whatever an earlier test or the shell set; a test that needs one
    sets it (monkeypatch.setenv) or passes its environment explicitly."""
    monkeypatch.delenv("CLASS_LANGUAGE", raising=False)


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
