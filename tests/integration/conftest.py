"""Session fixtures: one throwaway embedded AWS with the service deployed and the sample content
(content/) published, shared by the integration tests that only read it or add their own data; tests that
redeploy with other settings start their own emulator (the ``throwaway_aws`` fixture of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.harness import LocalAws
from tests.support.throwaway_aws import ThrowawayAws


@pytest.fixture(scope="session")
def deployed(throwaway_aws: ThrowawayAws) -> Iterator[LocalAws]:
    """The service deployed to a throwaway embedded AWS, with content/ published (3 students, 2 tests)."""
    with throwaway_aws("deployed", publish=True) as aws:
        yield aws
