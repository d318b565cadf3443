"""Session fixtures: one throwaway embedded AWS with the service deployed and the sample content
(content/) published, shared by the integration tests that only read it or add their own data; tests that
redeploy with other settings start their own emulator (see harness.LocalAws)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.harness import LocalAws


@pytest.fixture(scope="session")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAws]:
    """The service deployed to a throwaway embedded AWS, with content/ published (3 students, 1 test)."""
    aws = LocalAws(Path(tmp_path_factory.mktemp("deployed")))
    aws.start()
    try:
        aws.run("deploy-api-gateway.sh")
        aws.run("update-subjects-or-students.sh")
        yield aws
    finally:
        aws.stop()
